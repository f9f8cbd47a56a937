"""The publicity period (公示期, rules §6): seven days, then admission if no objection stands."""
from datetime import date, timedelta

from rules import InvalidInput

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


# An objection (rules §6) is recorded and shown to the bureau; it stops admission at the end of the
# period until the bureau decides it, and nothing else moves. Upheld: the expert goes back to the
# bureau's review with the objection attached. Dismissed: with the bureau's reason; the period runs on.
OBJECTION_STATES = {"open": "待处理", "upheld": "异议成立（已退回审核）", "dismissed": "异议不成立（已驳回）"}
OBJECTION_DECISIONS = {"uphold": "异议成立，退回重新审核", "dismiss": "异议不成立，予以驳回"}
_DECIDED = {"uphold": "upheld", "dismiss": "dismissed"}


def decide_objection(status: str, decision: str, reason: str) -> str:
    """The objection's state after the bureau's decision; refuses a decided objection, an unknown
    decision and a dismissal without its reason."""
    if status != "open":
        raise InvalidInput("该异议已处理")
    if decision not in _DECIDED:
        raise InvalidInput("请选择异议成立或不成立")
    if decision == "dismiss" and not reason.strip():
        raise InvalidInput("驳回异议须写明理由")
    return _DECIDED[decision]
