"""Who may not be drawn for an activity (回避, rules §13) and who is unavailable.

Plain values in, reason codes out. Units are matched by unified social credit code, never
by spelling; inside a university, by college/department.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

EXCLUSION_REASONS = {
    "inactive": "休眠、出库或未入库",
    "project_member": "参评项目负责人或成员",
    "same_unit": "与项目成员同单位（高校为同院系）",
    "applicant_avoidance": "申请方声明回避",
    "expert_avoidance": "专家声明的回避涉及参评项目",
    "engaged": "同一时段已受聘其他活动",
    "on_leave": "请假期间",
    "yearly_cap": "本年度受聘次数已达上限",
    "already_drawn": "本次活动已抽中过",
}
DEFAULT_YEARLY_CAP = 10


@dataclass(frozen=True)
class Interval:
    start: datetime | date
    end: datetime | date

    def overlaps(self, other: Interval) -> bool:
        """Closed intervals: touching ends overlap (an expert cannot be in two places at 12:00)."""
        return _as_dt(self.start) <= _as_dt(other.end, end=True) and \
            _as_dt(other.start) <= _as_dt(self.end, end=True)


def _as_dt(value, end: bool = False) -> datetime:
    """A whole day (a leave from 10 to 12 December) runs to the end of its last day."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.max if end else time.min)


def _norm(text: str | None) -> str:
    return "".join((text or "").split()).upper()


@dataclass(frozen=True)
class Member:
    """A project leader or member as the applicant declared them."""

    name: str
    credit_code: str = ""
    college: str = ""
    id_number: str = ""


@dataclass(frozen=True)
class Avoidance:
    """An avoidance the applicant declares: a unit (by credit code or name) or a person."""

    kind: str  # "unit" or "person"
    name: str = ""
    credit_code: str = ""


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    org_id: int
    org_name: str
    credit_code: str
    college: str = ""
    id_number: str = ""
    status: str = "admitted"
    avoid_unit_codes: frozenset = frozenset()
    avoid_persons: frozenset = frozenset()
    engagements: tuple = ()
    leaves: tuple = ()
    draws_this_year: int = 0
    already_drawn: bool = False  # drawn before for this same request (a supplementary draw)
    age_band: str | None = None
    sub_discipline: str | None = None


@dataclass(frozen=True)
class Activity:
    period: Interval
    members: tuple = ()
    avoidances: tuple = ()
    yearly_cap: int = DEFAULT_YEARLY_CAP
    applicant_credit_code: str = ""


def _same_person(candidate: Candidate, member: Member) -> bool:
    if candidate.id_number and member.id_number:
        return _norm(candidate.id_number) == _norm(member.id_number)
    return _norm(candidate.name) == _norm(member.name) and _norm(candidate.credit_code) == _norm(member.credit_code)


def _same_unit(candidate: Candidate, member: Member) -> bool:
    if not member.credit_code or _norm(member.credit_code) != _norm(candidate.credit_code):
        return False
    if candidate.college and member.college:
        return _norm(candidate.college) == _norm(member.college)
    return True  # the same unit with no college known on one side: avoid, to be safe


def exclusions(candidate: Candidate, activity: Activity) -> list[str]:
    """Every reason this candidate may not be drawn, in EXCLUSION_REASONS order; [] if none."""
    reasons = set()
    if candidate.status != "admitted":
        reasons.add("inactive")
    for member in activity.members:
        if _same_person(candidate, member):
            reasons.add("project_member")
        elif _same_unit(candidate, member):
            reasons.add("same_unit")
        member_code = _norm(member.credit_code)
        if (member_code and member_code in {_norm(c) for c in candidate.avoid_unit_codes}) or \
                _norm(member.name) in {_norm(p) for p in candidate.avoid_persons}:
            reasons.add("expert_avoidance")
    for avoidance in activity.avoidances:
        if avoidance.kind == "unit":
            hit = (_norm(avoidance.credit_code) == _norm(candidate.credit_code)) if avoidance.credit_code \
                else _norm(avoidance.name) == _norm(candidate.org_name)
        else:
            hit = _norm(avoidance.name) == _norm(candidate.name) and (
                not avoidance.credit_code or _norm(avoidance.credit_code) == _norm(candidate.credit_code))
        if hit:
            reasons.add("applicant_avoidance")
    # Both ways: the expert declared an avoidance of the applicant (the usage unit) itself.
    if activity.applicant_credit_code and \
            _norm(activity.applicant_credit_code) in {_norm(c) for c in candidate.avoid_unit_codes}:
        reasons.add("expert_avoidance")
    if any(activity.period.overlaps(e) for e in candidate.engagements):
        reasons.add("engaged")
    if any(activity.period.overlaps(leave) for leave in candidate.leaves):
        reasons.add("on_leave")
    if candidate.draws_this_year >= activity.yearly_cap:
        reasons.add("yearly_cap")
    if candidate.already_drawn:
        reasons.add("already_drawn")
    return [code for code in EXCLUSION_REASONS if code in reasons]


def age_band(age: int) -> str:
    """Ten-year bands for spreading ages: '<40', '40-49', '50-59', '60+'."""
    if age < 40:
        return "<40"
    if age < 50:
        return "40-49"
    if age < 60:
        return "50-59"
    return "60+"
