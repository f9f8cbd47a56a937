"""Admission eligibility of an expert applicant (notice rules §4 and §5)."""

import calendar
from dataclasses import dataclass
from datetime import date

from rules import InvalidInput

MAX_AGE = 65
MIN_YEARS = 5

TITLE_LEVELS: dict[str, tuple[str, int]] = {
    "senior": ("正高级", 4),
    "associate": ("副高级", 3),
    "intermediate": ("中级", 2),
    "junior": ("初级", 1),
    "none": ("无", 0),
}
_MIN_TITLE = "associate"

PRIORITY_CATEGORIES: dict[str, str] = {
    "academician": "两院院士",
    "talent_program": "国家级或省级人才计划入选者",
    "award": "国家科技奖励排名前6位或省部级科技奖励三等奖及以上排名前3位获得者",
    "project_leader": "近三年承担省部级及以上科研项目（课题）的负责人",
    "senior_professional": "从事科技管理、科技服务、财务、法律工作并获正高职称或国家注册执业资格",
}

EXPERT_TYPES = {"technical": "技术专家", "financial": "财务专家"}

# Short names used in the one-line summary.
CONDITION_LABELS: dict[str, str] = {
    "years": "工作年限",
    "title": "职称",
    "age": "年龄",
    "bad_record": "诚信记录",
}
_RELAXABLE = frozenset({"years", "title", "age"})


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_in(birth: date, year: int) -> date:
    """Return the birthday in the given year; 29 February falls on 1 March in common years."""
    if birth.month == 2 and birth.day == 29 and not _is_leap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)


def birth_date_for_age(birth_date: date | None, birth_month: date | None) -> date | None:
    """The day to count an expert's age from: the exact birth date where an ID number gives it; from a
    birth month alone (other identity documents), the month's last day, so that age is never overstated
    — the first of the month would make a 65-year-old read 66 for up to a month."""
    if birth_date is not None:
        return birth_date
    if birth_month is None:
        return None
    return birth_month.replace(day=calendar.monthrange(birth_month.year, birth_month.month)[1])


def age_on(birth: date, day: date) -> int:
    """Return the age in full years (周岁) on the given day."""
    if day < birth:
        raise InvalidInput("出生日期不能晚于计算年龄的日期")
    years = day.year - birth.year
    return years if day >= birthday_in(birth, day.year) else years - 1


@dataclass(frozen=True)
class Applicant:
    """The facts about an applicant that eligibility depends on (birth_date: see `birth_date_for_age`)."""

    birth_date: date | None
    years_in_field: int | None
    title_level: str | None
    equivalent_level: bool = False
    priority_categories: frozenset[str] = frozenset()
    bad_record: bool = False
    birth_date_from_month: bool = False  # only the birth month was known (see birth_date_for_age)


@dataclass(frozen=True)
class Condition:
    """One admission condition, identified by code, with a message for the user."""

    code: str
    message: str


@dataclass(frozen=True)
class EligibilityReport:
    """Outcome of an eligibility check."""

    unmet: tuple[Condition, ...]
    relaxed: tuple[Condition, ...]
    priority: bool
    notes: tuple[str, ...] = ()  # how a figure was arrived at, for the reviewer

    @property
    def eligible(self) -> bool:
        """True when no condition is unmet."""
        return not self.unmet

    def summary(self) -> str:
        """Return a one-line Chinese summary of the report."""
        if self.unmet:
            return "不符合：" + "；".join(c.message for c in self.unmet)
        if self.relaxed:
            return "优先入库：已放宽" + "、".join(CONDITION_LABELS[c.code] for c in self.relaxed) + "要求"
        return "符合入库条件"


def _years_condition(years: int | None) -> Condition | None:
    if years is None:
        return Condition("years", "未填写从事相关专业领域工作年限")
    if years < 0:
        raise InvalidInput("从事相关专业领域工作年限不能为负数")
    if years < MIN_YEARS:
        return Condition("years", f"从事相关专业领域工作不足{MIN_YEARS}年（现为{years}年）")
    return None


def _title_condition(level: str | None, equivalent: bool) -> Condition | None:
    if level is not None and level not in TITLE_LEVELS:
        raise InvalidInput(f"未知的职称级别：{level}")
    if equivalent:
        return None
    if level is None:
        return Condition("title", "未填写职称级别，且未声明同等专业技术水平")
    label, rank = TITLE_LEVELS[level]
    if rank >= TITLE_LEVELS[_MIN_TITLE][1]:
        return None
    if rank == 0:
        return Condition("title", "无专业技术职称，且未声明同等专业技术水平")
    return Condition("title", f"职称级别低于副高级（现为{label}），且未声明同等专业技术水平")


def _age_condition(birth: date | None, today: date) -> Condition | None:
    if birth is None:
        return Condition("age", "未填写出生日期")
    age = age_on(birth, today)
    if age > MAX_AGE:
        return Condition("age", f"年龄超过{MAX_AGE}周岁（现为{age}周岁）")
    return None


def check_eligibility(applicant: Applicant, today: date) -> EligibilityReport:
    """Check an applicant against the admission conditions as of today."""
    unknown = sorted(set(applicant.priority_categories) - PRIORITY_CATEGORIES.keys())
    if unknown:
        raise InvalidInput("未知的优先入库类别：" + "、".join(unknown))
    priority = bool(applicant.priority_categories)
    found = [
        _years_condition(applicant.years_in_field),
        _title_condition(applicant.title_level, applicant.equivalent_level),
        _age_condition(applicant.birth_date, today),
        Condition("bad_record", "有学术道德问题、科技信用不良或违纪违法记录")
        if applicant.bad_record else None,
    ]
    unmet: list[Condition] = []
    relaxed: list[Condition] = []
    for cond in found:
        if cond is None:
            continue
        # Notice §5: priority applicants may exceed the age, title and years limits,
        # but an integrity problem excludes everyone.
        if priority and cond.code in _RELAXABLE:
            relaxed.append(Condition(cond.code, cond.message + "，按优先入库条件放宽"))
        else:
            unmet.append(cond)
    notes = ("证件非居民身份证，出生日期未知：年龄按出生年月的最后一天计算（不会多算年龄）",) \
        if applicant.birth_date_from_month and applicant.birth_date else ()
    return EligibilityReport(unmet=tuple(unmet), relaxed=tuple(relaxed), priority=priority, notes=notes)
