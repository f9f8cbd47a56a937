"""A spreadsheet cell read as the person who typed it meant it: full-width digits and stray spaces cleaned,
dates as text or Excel serials, yes/no in words, lists by any separator, coded choices by their labels.
Plain values in, plain values out (rules/imports.py reads the template's rows with these)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from rules import InvalidInput
from rules.contact import parse_month
from rules.eligibility import PRIORITY_CATEGORIES
from rules.record import LABELS

YES = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "有"})
NO = frozenset({"否", "n", "no", "false", "0", "×", "无"})
# Spaces Excel users leave around a value: ordinary, no-break, ideographic (full-width), zero-width.
_SPACES = " \t\r\n\u00a0\u3000\u200b\ufeff"
_LIST_SEPARATORS = re.compile(r"[；;，,、\s]+")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's phantom 1900-02-29 counted in)


def labels_of(pairs: dict) -> tuple[str, ...]:
    """The labels of a code table whose values are a label or a (label, …) tuple."""
    return tuple(v[0] if isinstance(v, tuple) else v for v in pairs.values())


def half_width(text: str) -> str:
    """Full-width digits, letters and punctuation as their ASCII forms (NFKC), e.g. "３３０６" → "3306"."""
    return unicodedata.normalize("NFKC", text)


def clean_text(value) -> str:
    """A cell as text without the spaces around it; a number Excel stored whole loses its ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip(_SPACES)


def clean_code(value, what: str) -> str:
    """A code-like cell (ID, phone, credit code…): half-width, without spaces; refused when Excel kept a long
    number as a float and so lost its last digits."""
    if isinstance(value, float) and not value.is_integer():
        raise InvalidInput(f"{what}被Excel保存为数值，请将该列设为文本格式后重新填写")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 10 ** 15:
        raise InvalidInput(f"{what}超过15位，被Excel保存为数值后末几位已丢失，请将该列设为文本格式后重新填写")
    return half_width(clean_text(value)).strip(_SPACES)


def excel_serial_date(serial: float) -> date:
    """The day an Excel serial number stands for (1900 date system)."""
    if not 1 <= serial < 2_958_466:  # 9999-12-31
        raise InvalidInput("日期格式不正确，示例：2015-12-01")
    return EXCEL_EPOCH + timedelta(days=int(serial))


_DATE_RES = (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
             re.compile(r"(\d{4})(\d{2})(\d{2})"))


def parse_date(value) -> date:
    """A date cell: an Excel date, a serial number, or text such as 2015-12-01, 2015/12/1, 2015年12月1日, 20151201."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_date(value)
    text = half_width(clean_text(value)).replace(" ", "")
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # a serial typed or pasted as text
        return excel_serial_date(float(text))
    for pattern in _DATE_RES:
        m = pattern.fullmatch(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise InvalidInput("日期格式不正确，示例：2015-12-01")


def parse_month_cell(value) -> date:
    """A month cell: an Excel date (its month), a serial number, or text such as 1975-06, 1975年6月, 1975.06, 197506."""
    if isinstance(value, (datetime, date)):
        return parse_date(value).replace(day=1)
    text = half_width(clean_text(value)).replace(" ", "")
    if isinstance(value, float) and not value.is_integer() and re.fullmatch(r"\d{4}\.1", text):
        # 1975.10 typed into a number cell arrives as 1975.1: October or January cannot be told apart.
        raise InvalidInput("出生年月被Excel保存为数值，无法区分1月和10月，请填写为文本，如 1975-10")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and re.fullmatch(r"\d+", text) \
            and len(text) != 6:
        return parse_date(value).replace(day=1)  # a serial number: 27546 is 1975-06-01
    if re.fullmatch(r"\d{4}\.\d{1,2}", text):
        text = text.replace(".", "-")
    elif re.fullmatch(r"\d{6}", text):
        text = f"{text[:4]}-{text[4:]}"
    elif any(p.fullmatch(text) for p in _DATE_RES):
        return parse_date(text).replace(day=1)
    return parse_month(text)


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = half_width(clean_text(value)).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput("请填写“是”或“否”")


def parse_int(value, low: int, high: int, message: str) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise InvalidInput("请填写整数")
    text = half_width(clean_text(value))
    if not re.fullmatch(r"-?\d{1,6}", text):
        raise InvalidInput("请填写整数")
    number = int(text)
    if not low <= number <= high:
        raise InvalidInput(message)
    return number


def parse_choice(value, codes: dict, what: str) -> str:
    """A code from its label (or the code itself), e.g. 副高级 → associate."""
    text = clean_text(value)
    for code, label in codes.items():
        label = label[0] if isinstance(label, tuple) else label
        if text in (label, code):
            return code
    raise InvalidInput(f"{what}应为以下之一：" + "、".join(labels_of(codes)))


def split_list(value) -> list[str]:
    return [part for part in _LIST_SEPARATORS.split(half_width(clean_text(value))) if part]


def parse_priorities(value) -> str:
    """Priority conditions as the record keeps them: codes, comma-separated, in the order the form lists them
    (so a record saved from the form and the same conditions imported compare equal)."""
    text = clean_text(value)
    parts = [p.strip(_SPACES) for p in re.split(r"[；;\n]+", text) if p.strip(_SPACES)]
    codes = set()
    for part in parts:
        codes.add(parse_choice(part, PRIORITY_CATEGORIES, LABELS["priority_categories"]))
    return ",".join(code for code in PRIORITY_CATEGORIES if code in codes)
