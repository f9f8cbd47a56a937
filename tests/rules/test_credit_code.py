"""Tests for rules.credit_code."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rules import InvalidInput
from rules.credit_code import CHARSET, WEIGHTS, credit_code_check_char, validate_credit_code


def make_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def test_charset_excludes_confusable_letters():
    assert len(CHARSET) == 31
    assert len(set(CHARSET)) == 31
    assert not set("IOZSV") & set(CHARSET)
    assert CHARSET == "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


def test_standard_example():
    # The worked example in GB 32100-2015.
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "first17",
    [
        "91330600MA2BDX0L1",   # enterprise registered in Shaoxing
        "12330600002565789",   # public institution (事业单位)
        "11330600002492563",   # government body (机关)
        "52330602MJ9712345",   # social organisation (社会组织)
        "92330602MA2D12345",   # individual business (个体工商户)
        "00000000000000000",
    ],
)
def test_constructed_real_format_codes(first17):
    code = make_code(first17)
    assert validate_credit_code(code) == code


def test_check_value_31_maps_to_zero():
    # Sum ≡ 0 (mod 31) gives c = 31, which the standard maps to '0'.
    assert credit_code_check_char("00000000000000000") == "0"
    assert credit_code_check_char("10000000000000000") == "Y"  # 31 - 1 = 30


def test_every_check_character_reachable():
    seen = {credit_code_check_char(ch + "1330600MA2BDX0L1") for ch in CHARSET}
    assert seen == set(CHARSET)


@pytest.mark.parametrize("bad", ["", "9135010", "91350100M000100Y4I", "91350100M000100Y43"])
def test_check_char_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        credit_code_check_char(bad)


def test_normalizes_case_and_whitespace():
    code = make_code("91330600MA2BDX0L1")
    assert validate_credit_code(f"  {code.lower()}\t") == code


def test_wrong_check_char():
    code = make_code("91330600MA2BDX0L1")
    wrong = CHARSET[(CHARSET.index(code[-1]) + 1) % 31]
    with pytest.raises(InvalidInput) as e:
        validate_credit_code(code[:-1] + wrong)
    assert str(e.value) == "统一社会信用代码校验位错误，请核对最后一位"


@pytest.mark.parametrize("ch", ["I", "O", "Z", "S", "V", "-", "*", "中", "Ａ", " "])
def test_bad_characters_named(ch):
    code = "91330600MA2BDX" + ch + "L12"
    assert len(code) == 18
    with pytest.raises(InvalidInput) as e:
        validate_credit_code(code)
    assert str(e.value) == f"统一社会信用代码含有无效字符“{ch}”"


@pytest.mark.parametrize("ch", ["i", "o", "z", "s", "v"])
def test_lowercase_bad_letters_named_uppercase(ch):
    with pytest.raises(InvalidInput) as e:
        validate_credit_code("91330600MA2BDX" + ch + "L12")
    assert f"“{ch.upper()}”" in str(e.value)


@pytest.mark.parametrize("code", ["9133060", "91330600MA2BDX0L1", "91330600MA2BDX0L1XX", "9" * 30])
def test_wrong_length(code):
    with pytest.raises(InvalidInput) as e:
        validate_credit_code(code)
    assert str(e.value) == f"统一社会信用代码应为18位（现为{len(code)}位）"


@pytest.mark.parametrize("code", ["", "   ", None])
def test_empty(code):
    with pytest.raises(InvalidInput) as e:
        validate_credit_code(code)  # type: ignore[arg-type]
    assert str(e.value) == "请填写统一社会信用代码"


@pytest.mark.parametrize("pos", range(2, 8))
def test_region_code_must_be_digits(pos):
    first17 = "91330600MA2BDX0L1"
    first17 = first17[:pos] + "A" + first17[pos + 1:]
    with pytest.raises(InvalidInput) as e:
        validate_credit_code(make_code(first17))
    assert "第3至8位" in str(e.value)


def test_letters_allowed_outside_region():
    code = make_code("Y1330600ABCDEFGHJ")
    assert validate_credit_code(code) == code


def test_messages_are_distinct():
    cases = ["", "913306", "91330600MA2BDX" + "I" + "L12", make_code("91A30600MA2BDX0L1"), "91330600MA2BDX0L10"]
    msgs = set()
    for c in cases:
        with pytest.raises(InvalidInput) as e:
            validate_credit_code(c)
        msgs.add(str(e.value))
    assert len(msgs) == len(cases)


# --- properties -----------------------------------------------------------------------

charset_text = lambda k: st.text(alphabet=CHARSET, min_size=k, max_size=k)  # noqa: E731
valid_codes = st.tuples(
    charset_text(2), st.text(alphabet="0123456789", min_size=6, max_size=6), charset_text(9)
).map(lambda parts: make_code("".join(parts)))


@given(charset_text(9))
def test_shaoxing_codes_round_trip(tail):
    code = make_code("91330600" + tail)
    assert validate_credit_code(code) == code
    assert validate_credit_code(code.lower()) == code


@given(valid_codes)
def test_generated_codes_round_trip(code):
    assert validate_credit_code(code) == code


@given(valid_codes, st.integers(0, 17), st.sampled_from(CHARSET))
def test_any_single_substitution_is_refused(code, pos, ch):
    assume(code[pos] != ch)
    with pytest.raises(InvalidInput):
        validate_credit_code(code[:pos] + ch + code[pos + 1:])


@given(valid_codes, st.integers(0, 16))
def test_any_adjacent_transposition_is_refused(code, pos):
    assume(code[pos] != code[pos + 1])
    with pytest.raises(InvalidInput):
        validate_credit_code(code[:pos] + code[pos + 1] + code[pos] + code[pos + 2:])
