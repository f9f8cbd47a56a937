"""Tests for rules.contact."""

from datetime import date, timedelta

import pytest

from rules import InvalidInput
from rules.contact import (
    parse_month,
    validate_bank_account,
    validate_contact,
    validate_email,
    validate_mobile,
    validate_not_future,
    validate_office_phone,
)

TODAY = date(2026, 3, 15)

# --- mobile ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("16612345678", "16612345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("86 13812345678", "13812345678"),
    ],
)
def test_mobile_good(raw, expected):
    assert validate_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",      # second digit 2
        "10812345678",
        "1381234567",       # 10 digits
        "138123456789",     # 12 digits
        "23812345678",
        "+8512345678901",
        "+86123456789",
        "0575-88157551",
        "138a2345678",
        "１３８１２３４５６７８",  # full-width digits
        "138.1234.5678",
        "861381234567",     # 86 + 10 digits
    ],
)
def test_mobile_bad(raw):
    with pytest.raises(InvalidInput) as e:
        validate_mobile(raw)
    assert "手机号码格式不正确" in str(e.value)


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_mobile_empty(raw):
    with pytest.raises(InvalidInput) as e:
        validate_mobile(raw)  # type: ignore[arg-type]
    assert str(e.value) == "请填写手机号码"


# --- office phone ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0575-88157551", "0575-88157551"),
        ("057588157551", "0575-88157551"),
        ("(0575)88157551", "0575-88157551"),
        ("（0575）88157551", "0575-88157551"),
        ("(0575)-88157551", "0575-88157551"),
        ("0575 8815 7551", "0575-88157551"),
        ("0575－88157551", "0575-88157551"),
        ("0575-88157551-123", "0575-88157551-123"),
        ("0575-88157551转123", "0575-88157551-123"),
        ("0575-88157551 ext 8", "0575-88157551-8"),
        ("0575-8815755", "0575-8815755"),        # 7-digit local number
        ("010-82345678", "010-82345678"),
        ("01082345678", "010-82345678"),        # 3-digit area code without separator
        ("02162345678", "021-62345678"),
        ("0571-87654321", "0571-87654321"),
        ("+86 575 88157551", "0575-88157551"),
        ("+86(575)88157551", "0575-88157551"),
        ("0086-575-88157551", "0575-88157551"),
        ("13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
    ],
)
def test_office_phone_good(raw, expected):
    assert validate_office_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "0575-881575",          # 6-digit local number
        "0575-881575511",       # 9-digit local number
        "0575-08157551",        # local number starting with 0
        "0575-18157551",        # local number starting with 1
        "575-88157551",         # area code without trunk 0
        "05758-8157551-",       # dangling separator
        "0575-88157551-1234567",  # extension too long
        "057588157551123",      # extension without separator
        "0575-8815a551",
        "tel:0575-88157551",
        "0575_88157551",
        "１２３４５６７８９０１",
    ],
)
def test_office_phone_bad(raw):
    with pytest.raises(InvalidInput) as e:
        validate_office_phone(raw)
    assert "办公电话格式不正确" in str(e.value)


@pytest.mark.parametrize("raw", ["88157551", "8815755"])
def test_office_phone_missing_area_code(raw):
    with pytest.raises(InvalidInput) as e:
        validate_office_phone(raw)
    assert "区号" in str(e.value)


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_office_phone_empty(raw):
    with pytest.raises(InvalidInput) as e:
        validate_office_phone(raw)  # type: ignore[arg-type]
    assert str(e.value) == "请填写办公电话"


# --- email ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("expert@example.com", "expert@example.com"),
        ("  Zhang.San@SX.GOV.CN ", "Zhang.San@sx.gov.cn"),
        ("a+tag@mail.example.org", "a+tag@mail.example.org"),
        ("first_last-1@sub-domain.example.co", "first_last-1@sub-domain.example.co"),
        ("12345@qq.com", "12345@qq.com"),
        ("x@y.io", "x@y.io"),
    ],
)
def test_email_good(raw, expected):
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "plainaddress",
        "@example.com",
        "user@",
        "user@example",
        "user@example.c",
        "user@@example.com",
        "user name@example.com",
        "user@exa mple.com",
        "user@-example.com",
        "user@example-.com",
        "user@example..com",
        ".user@example.com",
        "user.@example.com",
        "us..er@example.com",
        "user＠example.com",
        "张三@example.com",
        "user@例子.中国",
        "user@example.123",
        "a" * 65 + "@example.com",
        "user@" + ("a" * 60 + ".") * 5 + "com",   # longer than 254
    ],
)
def test_email_bad(raw):
    with pytest.raises(InvalidInput) as e:
        validate_email(raw)
    assert "电子邮箱格式不正确" in str(e.value)


def test_email_length_limit_is_254():
    local = "a" * 64
    domain_254 = ("b" * 61 + ".") * 3 + "c" * (254 - 65 - 62 * 3)  # total exactly 254
    ok = f"{local}@{domain_254}"
    assert len(ok) == 254
    assert validate_email(ok) == ok
    too_long = f"{local}@b{domain_254}"
    assert len(too_long) == 255
    with pytest.raises(InvalidInput):
        validate_email(too_long)


@pytest.mark.parametrize("raw", ["", " ", None])
def test_email_empty(raw):
    with pytest.raises(InvalidInput) as e:
        validate_email(raw)  # type: ignore[arg-type]
    assert str(e.value) == "请填写电子邮箱"


# --- bank account ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("6222021234567890123", "6222021234567890123"),
        ("6222 0212 3456 7890 123", "6222021234567890123"),
        (" 12345678 ", "12345678"),
        ("1" * 30, "1" * 30),
        ("33050165723500000123", "33050165723500000123"),
    ],
)
def test_bank_account_good(raw, expected):
    assert validate_bank_account(raw) == expected


@pytest.mark.parametrize("raw", ["1234567", "1" * 31, "6222-0212-3456", "62220212345678X", "６２２２０２１２３４５６", "abcdefghij"])
def test_bank_account_bad(raw):
    with pytest.raises(InvalidInput) as e:
        validate_bank_account(raw)
    assert str(e.value) == "银行账号应为8至30位数字"


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_bank_account_empty(raw):
    with pytest.raises(InvalidInput) as e:
        validate_bank_account(raw)  # type: ignore[arg-type]
    assert str(e.value) == "请填写银行账号"


# --- parse_month ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2020-05", date(2020, 5, 1)),
        ("2020/05", date(2020, 5, 1)),
        ("2020年05月", date(2020, 5, 1)),
        ("2020年5月", date(2020, 5, 1)),
        ("2020-5", date(2020, 5, 1)),
        (" 1965-12 ", date(1965, 12, 1)),
        ("1900-01", date(1900, 1, 1)),
    ],
)
def test_parse_month_good(raw, expected):
    assert parse_month(raw) == expected


@pytest.mark.parametrize("raw", ["2020-13", "2020-00", "2020年13月", "2020/0"])
def test_parse_month_bad_month(raw):
    with pytest.raises(InvalidInput) as e:
        parse_month(raw)
    assert str(e.value) == "月份应在1至12之间"


@pytest.mark.parametrize(
    "raw",
    ["2020", "2020-05-01", "20-05", "2020.05", "2020年05", "05-2020", "abcd-ef", "0000-05", "２０２０-05", "2020-123", "2020 05"],
)
def test_parse_month_bad_format(raw):
    with pytest.raises(InvalidInput) as e:
        parse_month(raw)
    assert "年月格式不正确" in str(e.value)


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_parse_month_empty(raw):
    with pytest.raises(InvalidInput) as e:
        parse_month(raw)  # type: ignore[arg-type]
    assert str(e.value) == "请填写年月"


# --- validate_not_future --------------------------------------------------------------

def test_not_future_accepts_past_and_today():
    assert validate_not_future(TODAY, TODAY) == TODAY
    assert validate_not_future(date(1960, 1, 1), TODAY) == date(1960, 1, 1)


def test_not_future_rejects_tomorrow_with_default_label():
    with pytest.raises(InvalidInput) as e:
        validate_not_future(TODAY + timedelta(days=1), TODAY)
    assert str(e.value) == "日期不能晚于今天"


def test_not_future_names_the_field():
    with pytest.raises(InvalidInput) as e:
        validate_not_future(date(2030, 1, 1), TODAY, what="出生年月")
    assert str(e.value) == "出生年月不能晚于今天"


def test_not_future_defaults_to_real_today():
    assert validate_not_future(date.today()) == date.today()
    with pytest.raises(InvalidInput):
        validate_not_future(date.today() + timedelta(days=1))


# --- a contact: phone or e-mail ----------------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_contact_takes_any_mobile(mobile):
    assert validate_contact(f" {mobile} ") == mobile


@pytest.mark.parametrize("raw, expected", [("0575-88157551", "0575-88157551"), ("Wang.Wu@Example.COM",
                                                                                  "Wang.Wu@example.com")])
def test_contact_takes_a_fixed_line_or_an_email(raw, expected):
    assert validate_contact(raw) == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=40).filter(lambda s: "@" not in s))
def test_contact_without_digits_or_address_is_refused(raw):
    with pytest.raises(InvalidInput, match="联系方式"):
        validate_contact(raw)
