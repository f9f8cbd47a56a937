"""Each role's home page: what waits for this user (待办事项), then the figures of their scope; every count
opens the list of exactly the rows it counts."""
from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import func, select

from admin_views.base import filter_url
from admin_views.draws import LATE
from models import ChangeRequest, DrawRequest, ExitRequest, Expert, Objection, OutboxMessage, db, utcnow
from operations.lifecycle import absent_twice, overage_non_priority
from operations.scope import (awaiting_change, awaiting_review, change_scope, expert_scope, late_invitations,
                              request_scope)
from rules.admission import STATUSES as EXPERT_STATUSES
from rules.changes import CHANGE_OPEN

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
    if user.role in WAITING:
        status = WAITING[user.role]
        cards.append((EXPERT_STATUSES[status], counts.get(status, 0), filter_url("expert", column="status", value=status)))
        changes = db.session.scalar(select(func.count(ChangeRequest.id)).where(
            change_scope(user), ChangeRequest.status.in_(CHANGE_OPEN)))
        cards.append(("信息变更（审核中）", changes, url_for("change.index_view")))
    cards.append(("已入库专家", counts.get("admitted", 0), filter_url("expert", column="status", value="admitted")))
    cards.append(("管理范围内专家总数", sum(counts.values()), url_for("expert.index_view")))
    return cards


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*where)) or 0


def todo_for(user) -> list[tuple[str, int, str]]:
    """(what, how many, link) for each kind of work that waits for this user's decision or step."""
    todo = []
    if user.role in ("unit", "dept", "bureau"):
        todo.append(("待我审核的入库申请", _count(Expert, awaiting_review(user)), filter_url("expert")))
        todo.append(("待我审核的信息变更", _count(ChangeRequest, awaiting_change(user)), filter_url("change")))
    if user.role == "bureau":
        todo += [
            ("待审批的抽取申请", _count(DrawRequest, DrawRequest.status == "submitted"),
             filter_url("drawrequest", column="status", value="submitted")),
            ("已批准待抽取的申请", _count(DrawRequest, DrawRequest.status == "approved"),
             filter_url("drawrequest", column="status", value="approved")),
            ("待电话通知的专家（无邮箱、未开通短信）", _count(OutboxMessage, OutboxMessage.status == "phone_pending"),
             filter_url("outbox", column="status", value="phone_pending")),
            ("待处理的公示异议", _count(Objection, Objection.status == "open"), filter_url("objection", column="status", value="open")),
            ("待处理的出库申请", _count(ExitRequest, ExitRequest.status == "pending"),
             filter_url("exitrequest", column="status", value="pending")),
            ("超过65周岁的非优先专家（待出库处理）", len(overage_non_priority(date.today())),
             url_for("exitflags.index") + "#over-age"),
            ("接受邀请后无故缺席2次（待出库处理）", len(absent_twice()), url_for("exitflags.index") + "#absent"),
        ]
    if user.role in ("bureau", "usage"):
        # Until the daily job passes the place on, the bureau may still take the answer by telephone.
        todo.append(("有邀请超过答复期限未答复的抽取申请", _count(DrawRequest, late_invitations(user, utcnow())),
                     filter_url("drawrequest", named=LATE)))
    if user.role == "usage":
        todo += [
            ("尚未提交的抽取申请（草稿）", _count(DrawRequest, request_scope(user), DrawRequest.status == "draft"),
             filter_url("drawrequest", column="status", value="draft")),
            ("已公布名单、活动后待记录出席的申请", _count(DrawRequest, request_scope(user),
                                            DrawRequest.status == "released"),
             filter_url("drawrequest", column="status", value="released")),
        ]
    return todo
