"""The activity clock (notice §2.2): a year without login → dormant; two years → exit."""
from __future__ import annotations

from datetime import date, timedelta

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


def warning_due(last_login: date, today: date) -> str | None:
    """'dormancy' or 'exit' on the day 30 days before that state begins; else None."""
    if today == anniversary(last_login, 1) + timedelta(days=1) - timedelta(days=WARNING_DAYS):
        return "dormancy"
    if today == anniversary(last_login, 2) + timedelta(days=1) - timedelta(days=WARNING_DAYS):
        return "exit"
    return None


def may_reapply(reason: str) -> bool:
    """Whether an expert exited for this reason may apply again (own request, inactivity, age: yes)."""
    if reason not in EXIT_REASONS:
        raise ValueError(f"unknown exit reason {reason}")
    return EXIT_REASONS[reason][1]
