"""Identity document numbers: GB 11643 resident IDs and the other accepted document types."""

import re
from dataclasses import dataclass
from datetime import date

from rules import InvalidInput

ID_TYPES: dict[str, str] = {
    "resident": "居民身份证",
    "passport": "护照",
    "hk_macao": "港澳居民来往内地通行证",
    "taiwan": "台湾居民来往大陆通行证",
    "foreign_pr": "外国人永久居留身份证",
}

# Province-level codes of GB/T 2260 (71 Taiwan, 81 Hong Kong, 82 Macao, 83 residence
# permits for Hong Kong/Macao/Taiwan residents).
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
                      *range(50, 55), *range(61, 66), 71, 81, 82, 83)]
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_MAP = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)

_RESIDENT_RE = re.compile(r"\d{17}[\dX]")
_PASSPORT_RE = re.compile(r"[A-Z0-9]{5,20}")
_HK_MACAO_RE = re.compile(r"[HM](?:\d{8}|\d{10})")
_TAIWAN_RE = re.compile(r"\d{8}|\d{10}")
# Old format: 3-letter nationality code + 12 digits; 2023 format: 18 characters starting
# with 9. The new check algorithm is not published in a stable form, so it is not enforced.
_FOREIGN_PR_RE = re.compile(r"[A-Z]{3}\d{12}|9\d{16}[\dX]")


@dataclass(frozen=True)
class ResidentId:
    """A parsed, valid 18-digit resident identity number."""

    number: str
    birth_date: date
    sex: str
    region_code: str


def resident_id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK_MAP[total % 11]


def parse_resident_id(number: str, today: date | None = None) -> ResidentId:
    """Validate and parse an 18-digit resident identity number (GB 11643)."""
    today = today or date.today()
    s = (number or "").strip()
    if s.endswith("x"):
        s = s[:-1] + "X"
    if not s:
        raise InvalidInput("请填写身份证号码")
    if len(s) == 15 and s.isascii() and s.isdigit():
        raise InvalidInput("15位旧号码已停用，请填写18位号码")
    if len(s) != 18:
        raise InvalidInput(f"身份证号码应为18位（现为{len(s)}位）")
    if not (s.isascii() and _RESIDENT_RE.fullmatch(s)):
        raise InvalidInput("身份证号码前17位应为数字，最后一位为数字或X")
    if s[:2] not in PROVINCE_CODES:
        raise InvalidInput(f"身份证号码前两位（{s[:2]}）不是有效的省级行政区划代码")
    y, m, d = int(s[6:10]), int(s[10:12]), int(s[12:14])
    try:
        birth = date(y, m, d)
    except ValueError:
        raise InvalidInput(f"身份证号码中的出生日期（{s[6:14]}）不是有效日期") from None
    if birth > today:
        raise InvalidInput(f"身份证号码中的出生日期（{s[6:14]}）晚于今天")
    if birth < _EARLIEST_BIRTH:
        raise InvalidInput(f"身份证号码中的出生日期（{s[6:14]}）早于1900年")
    if resident_id_check_char(s[:17]) != s[17]:
        raise InvalidInput("身份证号码校验位错误，请核对最后一位")
    sex = "M" if int(s[16]) % 2 == 1 else "F"
    return ResidentId(number=s, birth_date=birth, sex=sex, region_code=s[:6])


def _check_type(id_type: str) -> None:
    if not id_type:
        raise InvalidInput("请选择证件类型")
    if id_type not in ID_TYPES:
        raise InvalidInput(f"未知的证件类型：{id_type}")


def validate_id_number(id_type: str, number: str, today: date | None = None) -> str:
    """Validate a document number of the given type and return it normalized."""
    _check_type(id_type)
    s = (number or "").strip()
    if not s:
        raise InvalidInput("请填写证件号码")
    if id_type == "resident":
        return parse_resident_id(s, today).number
    s = s.upper()
    # isascii() guards against full-width digits, which \d would otherwise accept.
    if id_type == "passport":
        if not (s.isascii() and _PASSPORT_RE.fullmatch(s)):
            raise InvalidInput("护照号码应为5至20位字母或数字")
    elif id_type == "hk_macao":
        if not (s.isascii() and _HK_MACAO_RE.fullmatch(s)):
            raise InvalidInput("港澳居民来往内地通行证号码应为H或M开头加8位或10位数字")
    elif id_type == "taiwan":
        if not (s.isascii() and _TAIWAN_RE.fullmatch(s)):
            raise InvalidInput("台湾居民来往大陆通行证号码应为8位或10位数字")
    elif id_type == "foreign_pr":
        if not (s.isascii() and _FOREIGN_PR_RE.fullmatch(s)):
            raise InvalidInput(
                "外国人永久居留身份证号码应为15位（3位字母加12位数字）或以9开头的18位"
            )
    return s


def check_birth_month(id_type: str, number: str, birth_month: date) -> None:
    """Raise if a resident ID's birth year-month differs from the declared birth month."""
    _check_type(id_type)
    if id_type != "resident":
        return
    born = parse_resident_id(number).birth_date
    if (born.year, born.month) != (birth_month.year, birth_month.month):
        raise InvalidInput(
            f"证件号码中的出生年月（{born.year}年{born.month:02d}月）"
            f"与填写的出生年月（{birth_month.year}年{birth_month.month:02d}月）不一致"
        )
