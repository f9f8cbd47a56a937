"""Contact details, bank accounts and month fields."""

import re
from datetime import date

from rules import InvalidInput

_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# Area codes are unambiguous by their second digit: 010 and 02x are 3 digits, all
# others 4 digits, so a number typed without a separator can still be split safely.
# Local numbers never start with 0 or 1 (those are trunk and service prefixes).
_FIXED_RE = re.compile(
    r"\(?(?P<area>0(?:[12]\d|[3-9]\d{2}))\)?-?"
    r"(?P<num>[2-9]\d{6,7})"
    r"(?:(?:-|转|ext\.?|#)(?P<ext>\d{1,6}))?",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(
    r"(?P<local>[A-Za-z0-9._%+\-]{1,64})@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_MONTH_RES = (
    re.compile(r"(\d{4})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月"),
)
# Full-width punctuation is common from Chinese input methods.
_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "－": "-", "—": "-", "＋": "+"})


def _text(s: object) -> str:
    return s.strip() if isinstance(s, str) else ""


def _as_mobile(s: str) -> str | None:
    digits = re.sub(r"[\s\-]", "", s.translate(_FULL_WIDTH))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if digits.isascii() and _MOBILE_RE.fullmatch(digits):
        return digits
    return None


def validate_mobile(s: str) -> str:
    """Validate a mainland mobile number and return its 11 digits."""
    s = _text(s)
    if not s:
        raise InvalidInput("请填写手机号码")
    mobile = _as_mobile(s)
    if mobile is None:
        raise InvalidInput("手机号码格式不正确，应为1开头的11位数字")
    return mobile


def validate_office_phone(s: str) -> str:
    """Validate an office phone (fixed line or mobile) and return it normalized."""
    s = _text(s)
    if not s:
        raise InvalidInput("请填写办公电话")
    mobile = _as_mobile(s)
    if mobile is not None:
        return mobile
    t = re.sub(r"\s", "", s.translate(_FULL_WIDTH))
    for prefix in ("+86", "0086"):
        if t.startswith(prefix):
            t = t[len(prefix):].lstrip("-")
            # International form drops the trunk 0 of the area code.
            if t.startswith("("):
                t = t if t[1:2] == "0" else "(0" + t[1:]
            elif not t.startswith("0"):
                t = "0" + t
            break
    m = _FIXED_RE.fullmatch(t) if t.replace("转", "").isascii() else None
    if m is None and re.fullmatch(r"[2-9]\d{6,7}", t):
        raise InvalidInput("办公电话请加上区号，示例：0575-88157551")
    if m is None:
        raise InvalidInput("办公电话格式不正确，示例：0575-88157551 或 0575-88157551-123")
    result = f"{m['area']}-{m['num']}"
    return f"{result}-{m['ext']}" if m["ext"] else result


def validate_email(s: str) -> str:
    """Validate an e-mail address and return it with the domain lowercased."""
    s = _text(s)
    if not s:
        raise InvalidInput("请填写电子邮箱")
    m = _EMAIL_RE.fullmatch(s) if s.isascii() else None
    if m is None or len(s) > 254:
        raise InvalidInput("电子邮箱格式不正确，示例：name@example.com")
    local = m["local"]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidInput("电子邮箱格式不正确，示例：name@example.com")
    return f"{local}@{m['domain'].lower()}"


def validate_contact(s: str) -> str:
    """A way to reach someone: a phone number (mobile or fixed line with area code) or an e-mail address."""
    s = _text(s)
    if not s:
        raise InvalidInput("请填写联系方式")
    try:
        return validate_email(s) if "@" in s else validate_office_phone(s)
    except InvalidInput:
        pass
    raise InvalidInput("联系方式应为手机号码、带区号的固定电话或电子邮箱，示例：13800000000 或 name@example.com")


def validate_bank_account(s: str) -> str:
    """Validate a bank account number (8-30 digits, spaces ignored)."""
    t = re.sub(r"\s", "", s) if isinstance(s, str) else ""
    if not t:
        raise InvalidInput("请填写银行账号")
    if not (t.isascii() and t.isdigit() and 8 <= len(t) <= 30):
        raise InvalidInput("银行账号应为8至30位数字")
    return t


def parse_month(s: str) -> date:
    """Parse 'YYYY-MM', 'YYYY/MM' or 'YYYY年MM月' into the first day of that month."""
    t = _text(s)
    if not t:
        raise InvalidInput("请填写年月")
    for pattern in _MONTH_RES:
        m = pattern.fullmatch(t)
        if m and t.replace("年", "").replace("月", "").isascii():
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise InvalidInput("月份应在1至12之间")
            if year < 1:
                break
            return date(year, month, 1)
    raise InvalidInput("年月格式不正确，示例：2020-05 或 2020年05月")


def validate_not_future(d: date, today: date | None = None, what: str = "日期") -> date:
    """Return d unless it is later than today."""
    if d > (today or date.today()):
        raise InvalidInput(f"{what}不能晚于今天")
    return d
