"""The publicity period (公示期, rules §6): seven days, then admission if no objection stands."""
from datetime import date, timedelta

PUBLICITY_DAYS = 7


def publicity_period(start: date) -> tuple[date, date]:
    """First and last day of a period that starts on `start` (both days count)."""
    return start, start + timedelta(days=PUBLICITY_DAYS - 1)


def publicity_over(end: date, today: date) -> bool:
    """True from the day after the last day of publicity."""
    return today > end


def may_admit_after_publicity(end: date, today: date, open_objections: int) -> bool:
    """Seven days passed and no objection is open."""
    return publicity_over(end, today) and open_objections == 0
