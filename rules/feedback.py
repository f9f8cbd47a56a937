"""The usage unit's feedback after an activity: the rating and the fee paid, as typed into the form."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from rules import InvalidInput

RATINGS = range(1, 6)
FEE_MAX = Decimal("1000000")  # one expert's fee for one activity; far above any real one, far inside NUMERIC(10, 2)
CENT = Decimal("0.01")


def parse_rating(text: str | None) -> int | None:
    """'' → None (not rated); '1'…'5' → the number; anything else raises InvalidInput."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 1 or not (text.isascii() and text.isdigit()) or int(text) not in RATINGS:
        raise InvalidInput("评分须为1到5的整数")
    return int(text)


def parse_fee(text: str | None) -> Decimal | None:
    """'' → None (not recorded); an amount in yuan, 0 to FEE_MAX, at most two decimals; else InvalidInput."""
    text = (text or "").strip()
    if not text:
        return None
    bad = InvalidInput("劳务费须为金额（元），如 800 或 800.50")
    if len(text) > 20:
        raise bad
    try:
        fee = Decimal(text)
    except InvalidOperation:
        raise bad from None
    if not fee.is_finite():  # NaN, sNaN, Infinity
        raise bad
    if fee < 0:
        raise InvalidInput("劳务费不能为负数")
    if fee > FEE_MAX:
        raise InvalidInput(f"劳务费不能超过{FEE_MAX:,}元")
    if fee != fee.quantize(CENT):
        raise InvalidInput("劳务费最多保留两位小数（分）")
    return fee.quantize(CENT)
