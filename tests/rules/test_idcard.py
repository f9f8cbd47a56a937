"""Tests for rules.idcard."""

import re
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rules import InvalidInput
from rules.idcard import (
    ID_TYPES,
    PROVINCE_CODES,
    ResidentId,
    check_birth_month,
    parse_resident_id,
    resident_id_check_char,
    validate_id_number,
)

TODAY = date(2026, 3, 15)
CJK = re.compile(r"[\u4e00-\u9fff]")


def make_id(region: str, birth: date, seq: str) -> str:
    """Build a valid 18-digit number from its parts."""
    body = f"{region}{birth:%Y%m%d}{seq}"
    return body + resident_id_check_char(body)


def message(exc_info) -> str:
    return str(exc_info.value)


# --- ID_TYPES -------------------------------------------------------------------------

def test_id_types_order_and_labels():
    assert list(ID_TYPES.items()) == [
        ("resident", "居民身份证"),
        ("passport", "护照"),
        ("hk_macao", "港澳居民来往内地通行证"),
        ("taiwan", "台湾居民来往大陆通行证"),
        ("foreign_pr", "外国人永久居留身份证"),
    ]


def test_invalid_input_is_value_error():
    assert issubclass(InvalidInput, ValueError)


# --- check character ------------------------------------------------------------------

@pytest.mark.parametrize(
    "first17, expected",
    [
        ("11010519491231002", "X"),
        ("11010119900307803", "X"),
        ("44052418800101001", "4"),
        ("33060219800515123", "7"),
    ],
)
def test_check_char_known_values(first17, expected):
    assert resident_id_check_char(first17) == expected


def test_check_char_covers_whole_map():
    # Every remainder 0..10 must be reachable, so every map entry is exercised.
    seen = {resident_id_check_char(f"3306021980051512{d}") for d in range(10)}
    seen |= {resident_id_check_char(f"330602198005151{d}0") for d in range(10)}
    assert seen == set("10X98765432")


@pytest.mark.parametrize("bad", ["", "1234567890123456", "123456789012345678", "1101051949123100A"])
def test_check_char_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        resident_id_check_char(bad)


# --- parse_resident_id: valid ---------------------------------------------------------

def test_published_example_with_x():
    r = parse_resident_id("11010519491231002X", TODAY)
    assert r == ResidentId("11010519491231002X", date(1949, 12, 31), "F", "110105")


def test_published_example_male():
    r = parse_resident_id("11010119900307803X", TODAY)
    assert r.birth_date == date(1990, 3, 7)
    assert r.sex == "M"
    assert r.region_code == "110101"


def test_constructed_shaoxing_number():
    n = make_id("330602", date(1980, 5, 15), "123")
    assert n == "330602198005151237"
    r = parse_resident_id(n, TODAY)
    assert r == ResidentId(n, date(1980, 5, 15), "M", "330602")

def test_result_is_frozen():
    r = parse_resident_id("11010519491231002X", TODAY)
    with pytest.raises(AttributeError):
        r.number = "x"  # type: ignore[misc]


@pytest.mark.parametrize("seq, sex", [("120", "F"), ("121", "M"), ("128", "F"), ("129", "M"), ("000", "F"), ("991", "M")])
def test_sex_from_17th_digit_parity(seq, sex):
    n = make_id("330602", date(1975, 1, 1), seq)
    assert parse_resident_id(n, TODAY).sex == sex


def test_lowercase_x_normalized():
    r = parse_resident_id("11010519491231002x", TODAY)
    assert r.number == "11010519491231002X"


def test_whitespace_stripped():
    r = parse_resident_id("  11010519491231002x \t\n", TODAY)
    assert r.number == "11010519491231002X"


def test_leap_day_2000_is_valid():
    n = make_id("330602", date(2000, 2, 29), "011")
    assert parse_resident_id(n, TODAY).birth_date == date(2000, 2, 29)


def test_birth_on_today_is_accepted():
    n = make_id("330602", TODAY, "011")
    assert parse_resident_id(n, TODAY).birth_date == TODAY


def test_birth_on_1900_01_01_is_accepted():
    n = make_id("330602", date(1900, 1, 1), "011")
    assert parse_resident_id(n, TODAY).birth_date == date(1900, 1, 1)


@pytest.mark.parametrize("province", sorted(PROVINCE_CODES))
def test_every_province_code_accepted(province):
    n = make_id(province + "0102", date(1970, 6, 1), "231")
    assert parse_resident_id(n, TODAY).region_code == province + "0102"


def test_province_code_set_is_exact():
    expected = {*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
                *range(50, 55), *range(61, 66), 71, 81, 82, 83}
    assert PROVINCE_CODES == {str(n) for n in expected}


# --- parse_resident_id: invalid -------------------------------------------------------

def test_wrong_check_char():
    with pytest.raises(InvalidInput) as e:
        parse_resident_id("110105194912310021", TODAY)
    assert message(e) == "身份证号码校验位错误，请核对最后一位"


def test_fifteen_digit_number_refused_with_specific_message():
    with pytest.raises(InvalidInput) as e:
        parse_resident_id("110105491231002", TODAY)
    assert "15位旧号码已停用，请填写18位号码" in message(e)


@pytest.mark.parametrize("n", ["", "   ", None])
def test_empty(n):
    with pytest.raises(InvalidInput) as e:
        parse_resident_id(n, TODAY)  # type: ignore[arg-type]
    assert message(e) == "请填写身份证号码"


@pytest.mark.parametrize("n", ["1101051949123100", "11010519491231002X1", "1234567"])
def test_wrong_length(n):
    with pytest.raises(InvalidInput) as e:
        parse_resident_id(n, TODAY)
    assert "应为18位" in message(e)
    assert f"现为{len(n)}位" in message(e)


@pytest.mark.parametrize(
    "n",
    [
        "1101051949123100AX",   # letter in body
        "11010519491231X02X",   # X inside the body
        "X10105194912310021",   # X at the front
        "11010519491231002Y",   # wrong final letter
        "110105１9491231002X",  # full-width digit
        "110105 9491231002X",   # inner space (18 chars)
    ],
)
def test_letters_or_symbols_in_body(n):
    assert len(n) == 18
    with pytest.raises(InvalidInput) as e:
        parse_resident_id(n, TODAY)
    assert message(e) == "身份证号码前17位应为数字，最后一位为数字或X"


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70", "72", "80", "84", "90", "99"])
def test_invalid_province_code(province):
    n = make_id(province + "0102", date(1970, 6, 1), "231")
    with pytest.raises(InvalidInput) as e:
        parse_resident_id(n, TODAY)
    assert message(e) == f"身份证号码前两位（{province}）不是有效的省级行政区划代码"


@pytest.mark.parametrize("ymd", ["19990230", "19801301", "19800001", "19800100", "19800431", "19000229", "19990229", "20230229"])
def test_impossible_dates(ymd):
    body = "330602" + ymd + "123"
    n = body + resident_id_check_char(body)
    with pytest.raises(InvalidInput) as e:
        parse_resident_id(n, TODAY)
    assert message(e) == f"身份证号码中的出生日期（{ymd}）不是有效日期"


def test_future_birth_date():
    n = make_id("330602", TODAY + timedelta(days=1), "123")
    with pytest.raises(InvalidInput) as e:
        parse_resident_id(n, TODAY)
    assert "晚于今天" in message(e)
    # The same number is fine once that day has come.
    assert parse_resident_id(n, TODAY + timedelta(days=1)).birth_date == TODAY + timedelta(days=1)


def test_today_defaults_to_real_today():
    n = make_id("330602", date.today() + timedelta(days=1), "123")
    with pytest.raises(InvalidInput):
        parse_resident_id(n)
    assert parse_resident_id(make_id("330602", date.today(), "123")).birth_date == date.today()


def test_birth_before_1900():
    # The GB 11643 sample number: well-formed and correctly checked, but born 1880.
    assert resident_id_check_char("44052418800101001") == "4"
    with pytest.raises(InvalidInput) as e:
        parse_resident_id("440524188001010014", TODAY)
    assert message(e) == "身份证号码中的出生日期（18800101）早于1900年"
    with pytest.raises(InvalidInput):
        parse_resident_id(make_id("330602", date(1899, 12, 31), "123"), TODAY)


def test_failure_messages_are_distinct():
    cases = [
        "",
        "110105491231002",
        "1101051949",
        "1101051949123100AX",
        make_id("990102", date(1970, 6, 1), "231"),
        "330602199902301234",
        make_id("330602", TODAY + timedelta(days=1), "123"),
        make_id("330602", date(1899, 1, 1), "123"),
        "110105194912310021",
    ]
    messages = []
    for n in cases:
        with pytest.raises(InvalidInput) as e:
            parse_resident_id(n, TODAY)
        messages.append(re.sub(r"（.*?）", "", message(e)))
    assert len(set(messages)) == len(messages)
    assert all(CJK.search(m) for m in messages)


# --- properties -----------------------------------------------------------------------

def digits(k: int):
    return st.text(alphabet="0123456789", min_size=k, max_size=k)


regions = st.tuples(st.sampled_from(sorted(PROVINCE_CODES)), digits(4)).map("".join)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
seqs = digits(3)
valid_ids = st.builds(make_id, regions, births, seqs)


@given(regions, births, seqs)
def test_generated_numbers_round_trip(region, birth, seq):
    n = make_id(region, birth, seq)
    r = parse_resident_id(n, TODAY)
    assert r.number == n
    assert r.birth_date == birth
    assert r.region_code == region
    assert r.sex == ("M" if int(seq[2]) % 2 else "F")


@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_substitution_is_refused(n, pos, ch):
    assume(n[pos] != ch)
    with pytest.raises(InvalidInput):
        parse_resident_id(n[:pos] + ch + n[pos + 1:], TODAY)


@given(valid_ids, st.integers(0, 16))
def test_any_adjacent_transposition_is_refused(n, pos):
    assume(n[pos] != n[pos + 1])
    swapped = n[:pos] + n[pos + 1] + n[pos] + n[pos + 2:]
    with pytest.raises(InvalidInput):
        parse_resident_id(swapped, TODAY)


# --- validate_id_number ---------------------------------------------------------------

@pytest.mark.parametrize(
    "id_type, raw, expected",
    [
        ("resident", " 11010519491231002x ", "11010519491231002X"),
        ("passport", "e12345678", "E12345678"),
        ("passport", "G1234", "G1234"),
        ("passport", "A" * 20, "A" * 20),
        ("passport", "  ej1234567 ", "EJ1234567"),
        ("hk_macao", "h12345678", "H12345678"),
        ("hk_macao", "M1234567890", "M1234567890"),
        ("taiwan", "12345678", "12345678"),
        ("taiwan", "1234567890", "1234567890"),
        ("foreign_pr", "usa330602800515", "USA330602800515"),
        ("foreign_pr", "933060019805151234", "933060019805151234"),
        ("foreign_pr", "93306001980515123x", "93306001980515123X"),
    ],
)
def test_validate_id_number_good(id_type, raw, expected):
    assert validate_id_number(id_type, raw, TODAY) == expected


@pytest.mark.parametrize(
    "id_type, raw, fragment",
    [
        ("resident", "110105194912310021", "校验位"),
        ("resident", "110105491231002", "15位旧号码已停用"),
        ("passport", "E123", "护照号码"),
        ("passport", "A" * 21, "护照号码"),
        ("passport", "E1234-567", "护照号码"),
        ("passport", "护照12345", "护照号码"),
        ("hk_macao", "C12345678", "港澳"),
        ("hk_macao", "H1234567", "港澳"),
        ("hk_macao", "H123456789", "港澳"),
        ("hk_macao", "H123456789012", "港澳"),
        ("hk_macao", "12345678", "港澳"),
        ("taiwan", "1234567", "台湾"),
        ("taiwan", "123456789", "台湾"),
        ("taiwan", "T1234567", "台湾"),
        ("taiwan", "１２３４５６７８", "台湾"),
        ("foreign_pr", "US3306028005151", "外国人"),
        ("foreign_pr", "USA33060280051", "外国人"),
        ("foreign_pr", "833060019805151234", "外国人"),
        ("foreign_pr", "9330600198051512X4", "外国人"),
        ("foreign_pr", "93306001980515123", "外国人"),
    ],
)
def test_validate_id_number_bad(id_type, raw, fragment):
    with pytest.raises(InvalidInput) as e:
        validate_id_number(id_type, raw, TODAY)
    assert fragment in message(e)


@pytest.mark.parametrize("id_type", list(ID_TYPES))
@pytest.mark.parametrize("raw", ["", "   ", None])
def test_validate_id_number_empty(id_type, raw):
    with pytest.raises(InvalidInput) as e:
        validate_id_number(id_type, raw, TODAY)  # type: ignore[arg-type]
    assert message(e) == "请填写证件号码"


@pytest.mark.parametrize("id_type", ["id", "RESIDENT", "military"])
def test_validate_id_number_unknown_type(id_type):
    with pytest.raises(InvalidInput) as e:
        validate_id_number(id_type, "11010519491231002X", TODAY)
    assert id_type in message(e)


@pytest.mark.parametrize("id_type", ["", None])
def test_validate_id_number_missing_type(id_type):
    with pytest.raises(InvalidInput) as e:
        validate_id_number(id_type, "11010519491231002X", TODAY)  # type: ignore[arg-type]
    assert message(e) == "请选择证件类型"


def test_validate_id_number_passes_today_through():
    n = make_id("330602", TODAY + timedelta(days=1), "123")
    with pytest.raises(InvalidInput):
        validate_id_number("resident", n, TODAY)
    assert validate_id_number("resident", n, TODAY + timedelta(days=1)) == n


# --- check_birth_month ----------------------------------------------------------------

def test_birth_month_matches():
    n = make_id("330602", date(1980, 5, 15), "123")
    assert check_birth_month("resident", n, date(1980, 5, 1)) is None
    assert check_birth_month("resident", n, date(1980, 5, 31)) is None


@pytest.mark.parametrize("declared", [date(1981, 2, 1), date(1980, 4, 1), date(1980, 6, 1), date(1979, 5, 1)])
def test_birth_month_mismatch(declared):
    n = make_id("330602", date(1980, 5, 15), "123")
    with pytest.raises(InvalidInput) as e:
        check_birth_month("resident", n, declared)
    assert message(e) == (
        f"证件号码中的出生年月（1980年05月）与填写的出生年月"
        f"（{declared.year}年{declared.month:02d}月）不一致"
    )


def test_birth_month_example_message():
    n = make_id("330602", date(1980, 5, 15), "123")
    with pytest.raises(InvalidInput) as e:
        check_birth_month("resident", n, date(1981, 2, 1))
    assert message(e) == "证件号码中的出生年月（1980年05月）与填写的出生年月（1981年02月）不一致"


def test_birth_month_invalid_resident_number_raises():
    with pytest.raises(InvalidInput):
        check_birth_month("resident", "110105194912310021", date(1949, 12, 1))


@pytest.mark.parametrize("id_type", ["passport", "hk_macao", "taiwan", "foreign_pr"])
def test_birth_month_noop_for_other_types(id_type):
    # Digits that look like a mismatching resident number must not matter.
    assert check_birth_month(id_type, "330602198005151237", date(1999, 1, 1)) is None


def test_birth_month_unknown_type():
    with pytest.raises(InvalidInput):
        check_birth_month("bogus", "330602198005151237", date(1980, 5, 1))
