"""Unified social credit codes (统一社会信用代码, GB 32100-2015)."""

from rules import InvalidInput

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError("first17 must be 17 characters from CHARSET")
    c = 31 - sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS)) % 31
    return CHARSET[0 if c == 31 else c]


def validate_credit_code(code: str) -> str:
    """Validate a unified social credit code and return it normalized (uppercase)."""
    s = (code or "").strip().upper()
    if not s:
        raise InvalidInput("请填写统一社会信用代码")
    if len(s) != 18:
        raise InvalidInput(f"统一社会信用代码应为18位（现为{len(s)}位）")
    for ch in s:
        if ch not in _VALUE:
            # I, O, Z, S, V are excluded by the standard to avoid confusion with 1, 0, 2, 5, U.
            raise InvalidInput(f"统一社会信用代码含有无效字符“{ch}”")
    if not s[2:8].isdigit():
        raise InvalidInput("统一社会信用代码第3至8位（登记管理机关行政区划码）应为数字")
    if credit_code_check_char(s[:17]) != s[17]:
        raise InvalidInput("统一社会信用代码校验位错误，请核对最后一位")
    return s
