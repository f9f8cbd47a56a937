"""What each role's home page counts; each card opens the list of exactly the rows it counts."""
from __future__ import annotations

from datetime import date

from flask import current_app, url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from sqlalchemy import func, select

from models import ChangeRequest, ExitRequest, Expert, Objection, db
from operations.lifecycle import absent_twice, overage_non_priority
from operations.scope import change_scope, expert_scope
from rules.admission import STATUSES as EXPERT_STATUSES
from rules.changes import CHANGE_OPEN

# The status each reviewing role has waiting for it.
WAITING = {"unit": "pending_unit", "dept": "pending_dept", "bureau": "pending_bureau"}


def list_url(endpoint: str, column: str, value: str) -> str:
    """The list page of `endpoint` filtered to `column` equal to `value` (Flask-Admin numbers its filters)."""
    view = next(v for v in current_app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == endpoint)
    key = next(k for k, (_i, flt) in view._filter_args.items()
               if type(flt) is FilterEqual and getattr(flt.column, "key", "") == column)
    return url_for(f"{endpoint}.index_view", **{f"flt0_{key}": value})


def cards_for(user) -> list[tuple[str, int, str | None]]:
    """(label, figure, link) cards: counts within the user's own scope."""
    if user.role not in ("bureau", "unit", "dept", "leader"):
        return []
    counts = dict(db.session.execute(
        select(Expert.status, func.count()).where(expert_scope(user)).group_by(Expert.status)
    ).all())
    cards = []
    if user.role in WAITING:
        status = WAITING[user.role]
        cards.append((EXPERT_STATUSES[status], counts.get(status, 0), list_url("expert", "status", status)))
        changes = db.session.scalar(select(func.count(ChangeRequest.id)).where(
            change_scope(user), ChangeRequest.status.in_(CHANGE_OPEN)))
        cards.append(("信息变更（审核中）", changes, url_for("change.index_view")))
    cards.append(("已入库专家", counts.get("admitted", 0), list_url("expert", "status", "admitted")))
    if user.role == "bureau":
        cards.append(("超过65周岁的非优先专家（待出库处理）", len(overage_non_priority(date.today())),
                      url_for("exitflags.index") + "#over-age"))
        cards.append(("接受邀请后无故缺席2次（待出库处理）", len(absent_twice()), url_for("exitflags.index") + "#absent"))
        objections = db.session.scalar(select(func.count(Objection.id)).where(Objection.status == "open"))
        cards.append(("公示异议（待处理）", objections, list_url("objection", "status", "open")))
        pending = db.session.scalar(select(func.count(ExitRequest.id)).where(ExitRequest.status == "pending"))
        cards.append(("专家申请出库（待处理）", pending, list_url("exitrequest", "status", "pending")))
    cards.append(("管理范围内专家总数", sum(counts.values()), url_for("expert.index_view")))
    return cards
