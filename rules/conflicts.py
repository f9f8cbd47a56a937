"""Who may not be drawn for an activity (回避, rules §13) and who is unavailable.

Plain values in, reason codes out. Units are matched by unified social credit code, never
by spelling; inside a university, by college/department.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import NamedTuple

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
    "org_full": "本次活动该单位专家已达上限",
    # Flagged for an exit (§8(一), §8(四)) the bureau has not yet decided: not drawn meanwhile.
    "over_age": "超过65周岁且无优先入库条件（待出库处理）",
    "absent_twice": "接受邀请后无故缺席2次（待出库处理）",
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


@lru_cache(maxsize=1 << 16)  # a draw normalises the same unit names and codes thousands of times
def _norm(text: str | None) -> str:
    return "".join((text or "").split()).upper()


@dataclass(frozen=True)
class Member:
    """A project leader or member as the applicant declared them. `id_hash`: the keyed hash of their ID
    number where the applicant gave one (the number itself is never kept), compared with the expert's."""

    name: str
    credit_code: str = ""
    college: str = ""
    id_hash: str = ""


@dataclass(frozen=True)
class Avoidance:
    """An avoidance the applicant declares: a unit (by credit code or name) or a person."""

    kind: str  # "unit" or "person"
    name: str = ""
    credit_code: str = ""


class Candidate(NamedTuple):
    """An expert as the conflict rules see them (a tuple: a draw builds thousands)."""

    id: int
    name: str
    org_id: int
    org_name: str
    credit_code: str
    college: str = ""
    id_hash: str = ""  # the keyed hash of the expert's ID number
    status: str = "admitted"
    avoid_unit_codes: frozenset = frozenset()
    avoid_persons: frozenset = frozenset()
    engagements: tuple = ()
    leaves: tuple = ()
    draws_this_year: int = 0
    already_drawn: bool = False  # drawn before for this same request (a supplementary draw)
    org_engaged_here: int = 0  # experts of the same unit invited or accepted for this request
    age_band: str | None = None
    sub_discipline: str | None = None
    exit_flags: frozenset = frozenset()  # "over_age", "absent_twice": awaiting the bureau's exit decision
    splits_by_college: bool = False  # a university: its colleges are separate units for §13(三)


@dataclass(frozen=True)
class Activity:
    period: Interval
    members: tuple = ()
    avoidances: tuple = ()
    yearly_cap: int = DEFAULT_YEARLY_CAP
    applicant_credit_code: str = ""
    max_per_org: int | None = None  # the request's cap per unit, across all its draws


class _Index:
    """The activity's members and avoidances, normalised once, for O(1) look-ups per candidate."""

    def __init__(self, activity: Activity):
        self.person_ids = {m.id_hash for m in activity.members if m.id_hash}
        self.persons = {(_norm(m.name), _norm(m.credit_code)) for m in activity.members}
        self.member_names = {_norm(m.name) for m in activity.members}
        self.unit_members: dict[str, list[tuple[str, str]]] = {}
        for m in activity.members:
            if m.credit_code:
                self.unit_members.setdefault(_norm(m.credit_code), []).append((_norm(m.name), _norm(m.college)))
        self.avoid_codes = {_norm(a.credit_code) for a in activity.avoidances if a.kind == "unit" and a.credit_code}
        self.avoid_unit_names = {_norm(a.name) for a in activity.avoidances if a.kind == "unit" and not a.credit_code}
        self.avoid_persons = {(_norm(a.name), _norm(a.credit_code)) for a in activity.avoidances if a.kind == "person"}
        self.applicant = _norm(activity.applicant_credit_code)
        self.member_codes = frozenset(self.unit_members)


_indexes: dict[int, tuple[Activity, _Index]] = {}


def _index(activity: Activity) -> _Index:
    cached = _indexes.get(id(activity))
    if cached is None or cached[0] is not activity:
        if len(_indexes) > 64:
            _indexes.clear()
        cached = _indexes[id(activity)] = (activity, _Index(activity))
    return cached[1]


def exclusions(candidate: Candidate, activity: Activity) -> list[str]:
    """Every reason this candidate may not be drawn, in EXCLUSION_REASONS order; [] if none."""
    ix = _index(activity)
    reasons = set()
    if candidate.status != "admitted":
        reasons.add("inactive")
    name, code, college = _norm(candidate.name), _norm(candidate.credit_code), _norm(candidate.college)
    # A person is matched by ID number where both sides give one (under whatever unit the member was
    # listed); else by name within the same unit.
    if (candidate.id_hash and candidate.id_hash in ix.person_ids) or (name, code) in ix.persons:
        reasons.add("project_member")
    for member_name, member_college in ix.unit_members.get(code, ()):
        if member_name == name:
            continue  # the candidate themselves: a project member, above
        # §13(三): the same unit; only a university splits into colleges (同一高校的同一院系), and then
        # only when both colleges are known. A 科研院所 or company is one unit whatever 院系 is recorded.
        if not candidate.splits_by_college or not college or not member_college or college == member_college:
            reasons.add("same_unit")
            break
    own_codes = {_norm(c) for c in candidate.avoid_unit_codes} if candidate.avoid_unit_codes else set()
    if own_codes & ix.member_codes or \
            (candidate.avoid_persons and {_norm(p) for p in candidate.avoid_persons} & ix.member_names):
        reasons.add("expert_avoidance")
    if code in ix.avoid_codes or _norm(candidate.org_name) in ix.avoid_unit_names or \
            (name, "") in ix.avoid_persons or (name, code) in ix.avoid_persons:
        reasons.add("applicant_avoidance")
    # Both ways: the expert declared an avoidance of the applicant (the usage unit) itself.
    if ix.applicant and ix.applicant in own_codes:
        reasons.add("expert_avoidance")
    if candidate.engagements and any(activity.period.overlaps(e) for e in candidate.engagements):
        reasons.add("engaged")
    if candidate.leaves and any(activity.period.overlaps(leave) for leave in candidate.leaves):
        reasons.add("on_leave")
    if candidate.draws_this_year >= activity.yearly_cap:
        reasons.add("yearly_cap")
    if candidate.already_drawn:
        reasons.add("already_drawn")
    # A supplementary draw must not take a unit over the cap the first draw respected.
    if activity.max_per_org is not None and candidate.org_engaged_here >= activity.max_per_org:
        reasons.add("org_full")
    reasons |= candidate.exit_flags
    return [c for c in EXCLUSION_REASONS if c in reasons] if reasons else []


_BAND_EDGES = (40, 50, 60)


def age_band(age: int) -> str:
    """Ten-year bands for spreading ages: '<40', '40-49', '50-59', '60+'."""
    if age < _BAND_EDGES[0]:
        return "<40"
    if age < _BAND_EDGES[1]:
        return "40-49"
    if age < _BAND_EDGES[2]:
        return "50-59"
    return "60+"


def age_band_on(birth: date, day: date) -> str:
    """The band of the age (周岁) on `day`. The age is the difference of the years or one less,
    and both fall in the same band unless the difference is a band's edge: only then is the
    birthday looked at (a draw bands thousands of candidates)."""
    years = day.year - birth.year
    if years in _BAND_EDGES or years <= 0:
        from rules.eligibility import age_on

        return age_band(age_on(birth, day))
    return age_band(years)
