"""Reading ids from what a browser sent: anything odd is "no such record", never a 500."""
from __future__ import annotations

from models import db

# The largest key an INTEGER column holds (PostgreSQL int4); SQLite overflows past 2**63.
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A record id typed or posted by a user, or None when it is empty, not ASCII digits or out of range.

    int() alone is not enough: it raises on "abc" and "²" (str.isdigit() is true for the latter) and
    accepts ids that overflow the database's integer type.
    """
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values) -> list[int] | None:
    """Every id of a list (e.g. the rows ticked for a bulk action), or None if any one is bad."""
    ids = [parse_id(v) for v in values or []]
    return None if any(i is None for i in ids) else ids


def get_by_id(model, value):
    """The row of `model` with the id `value` (any user input), or None."""
    key = parse_id(value)
    return None if key is None else db.session.get(model, key)
