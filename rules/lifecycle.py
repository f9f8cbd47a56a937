"""The activity clock (notice §2.2): a year without login → dormant; two years → exit."""
from __future__ import annotations

from datetime import date, timedelta

from rules import InvalidInput
from rules.eligibility import MAX_AGE, age_on

WARNING_DAYS = 30

# Exit reasons: the nine of rules §8, plus inactivity and age; and whether the expert may apply again.
EXIT_REASONS = {
    "ineligible": ("因超龄等个人原因不符合专家入库条件", True),
    "own_request": ("本人书面申请不再担任专家", True),
    "misconduct": ("徇私舞弊，接受或索取馈赠、宴请或不正当利益", False),
    "absent_twice": ("接受邀请后无故缺席2次", False),
    "not_objective": ("未能客观公正、科学合理履行专家职责", False),
    "leaking": ("擅自泄露评审内容、过程和结果等重要信息", False),
    "failed_to_recuse": ("应主动申请回避而不申请回避", False),
    "legal_liability": ("触犯法律、法规而被追究法律责任", False),
    "unsuitable": ("其他不适宜担任专家的情形", False),
    "inactivity": ("超过两年未登录，系统自动出库", True),
    "age": ("超过65周岁（非优先入库专家）", True),
}


# §8(四): absences without reason after accepting that make an expert leave the library.
ABSENCES_FOR_EXIT = 2

# An expert's written request to leave (§8(二)): the bureau grants it (an exit for "own_request") or not.
EXIT_REQUEST_STATES = {"pending": "待市科技局处理", "approved": "已同意出库", "rejected": "未同意"}


def anniversary(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February falls on 1 March in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def activity_state(last_login: date, today: date) -> str:
    """'active', 'dormant' from the day after the 1st anniversary of the last login, 'exit' after the 2nd."""
    if today > anniversary(last_login, 2):
        return "exit"
    if today > anniversary(last_login, 1):
        return "dormant"
    return "active"


def warning_day(last_login: date, warning: str) -> date:
    """The day dormancy ('dormancy', a year without login) or the automatic exit ('exit', two) begins."""
    return anniversary(last_login, 2 if warning == "exit" else 1) + timedelta(days=1)


def warning_due(last_login: date, today: date) -> str | None:
    """'dormancy' or 'exit' from 30 days before that state begins until it begins; else None.

    A whole window rather than one day: a daily job that did not run on the 30th day before (a holiday,
    a server down) still warns on its next run. The caller sends each warning once."""
    for warning in ("exit", "dormancy"):
        begins = warning_day(last_login, warning)
        if begins - timedelta(days=WARNING_DAYS) <= today < begins:
            return warning
    return None


def may_reapply(reason: str) -> bool:
    """Whether an expert exited for this reason may apply again (own request, inactivity, age: yes)."""
    if reason not in EXIT_REASONS:
        raise ValueError(f"unknown exit reason {reason}")
    return EXIT_REASONS[reason][1]


def over_age_for_exit(birth: date | None, priority_codes, today: date) -> bool:
    """§8(一): past 65 周岁 without a priority condition (§5 relaxes the age limit for those) — flagged for
    the bureau to exit, and kept out of draws until it does. (A draw asks this of thousands of candidates:
    the age is the difference of the years or one less, so only a difference of 66 needs the birthday.)"""
    if birth is None or priority_codes:
        return False
    years = today.year - birth.year
    if years != MAX_AGE + 1:
        return years > MAX_AGE + 1
    return age_on(birth, today) > MAX_AGE


# A leave (请假) keeps an admitted expert out of draws for a while. It is registered at most a year
# ahead and lasts at most a year: an expert away for longer asks to leave the library (§8(二)).
LEAVE_REASON_MAX = 200


def last_day_of_leave(start: date) -> date:
    """The latest end of a leave beginning on `start`: the day before its first anniversary."""
    return anniversary(start, 1) - timedelta(days=1)


def check_leave(start: date, end: date, reason: str, today: date) -> None:
    """Raise InvalidInput saying what is wrong with a leave from `start` to `end` (both days included)."""
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期")
    if end < today:
        raise InvalidInput("结束日期不能早于今天：已经过去的日子无需请假")
    if start > anniversary(today, 1):
        raise InvalidInput(f"开始日期最晚为{anniversary(today, 1):%Y年%m月%d日}：请假只能登记一年以内的")
    if end > last_day_of_leave(start):
        raise InvalidInput(f"请假最长一年：自{start:%Y年%m月%d日}开始的请假最晚到{last_day_of_leave(start):%Y年%m月%d日}"
                           "结束；更长时间不能参加的，可申请不再担任专家")
    if len(reason.strip()) > LEAVE_REASON_MAX:
        raise InvalidInput(f"事由不超过{LEAVE_REASON_MAX}字（现为{len(reason.strip())}字）")
