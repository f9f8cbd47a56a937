"""What each role's home page counts."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from models import Expert, db
from rules.admission import STATUSES as EXPERT_STATUSES
from operations.scope import expert_scope

# The status each reviewing role has waiting for it.
WAITING = {"unit": "pending_unit", "dept": "pending_dept", "bureau": "pending_bureau"}


def cards_for(user) -> list[tuple[str, int, str | None]]:
    """(label, figure, link) cards: counts within the user's own scope."""
    if user.role not in ("bureau", "unit", "dept", "leader"):
        return []
    counts = dict(db.session.execute(
        select(Expert.status, func.count()).where(expert_scope(user)).group_by(Expert.status)
    ).all())
    cards = []
    link = url_for("expert.index_view")
    if user.role in WAITING:
        status = WAITING[user.role]
        cards.append((EXPERT_STATUSES[status], counts.get(status, 0), link))
    cards.append(("已入库专家", counts.get("admitted", 0), link))
    if user.role == "bureau":
        from datetime import date

        from operations.draw_requests import flagged_for_exit
        from operations.lifecycle import overage_non_priority

        cards.append(("超过65周岁的非优先专家（待处理）", len(overage_non_priority(date.today())), link))
        cards.append(("接受邀请后无故缺席2次（拟出库）", len(flagged_for_exit()), link))
    cards.append(("管理范围内专家总数", sum(counts.values()), link))
    return cards
