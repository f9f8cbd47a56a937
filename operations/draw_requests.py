"""A draw request's life: filing, approval, the draw and its supplements, release, special experts,
attendance and spot checks. Each step asks rules/draw_requests.py whether it may happen."""
from __future__ import annotations

import json
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from models import DrawRecord, DrawRequest, Invitation, SpecialExpert, db, local_now, utcnow
from models.base import serialise
from operations import audit
from operations.draws import open_places, record_draw
from operations.invitations import invite_drawn, invite_special
from operations.scope import request_scope, within
from rules import InvalidInput
from rules.draw_requests import ATTENDANCE, CONDITION_FIELDS, next_state
from rules.feedback import parse_fee, parse_rating

_DRAW_LOCK = 7_202_612  # serialises draws (models.base.serialise): two draws never engage one expert twice


def check(req: DrawRequest, action: str, user) -> str:
    """The state `action` leads to; InvalidInput when the request is not the user's to act on, or not now."""
    if not within(request_scope, user, req):
        raise InvalidInput("该申请不在您的管理范围内")
    return next_state(req.status, action, user.role)


def _move(req: DrawRequest, action: str, user, **values) -> None:
    """Compare-and-set of the request's status along the table, audited."""
    old = req.status
    new = check(req, action, user)
    result = db.session.execute(update(DrawRequest).where(DrawRequest.id == req.id, DrawRequest.status == old)
                                .values(status=new, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidInput("该申请状态已变化，请刷新页面")
    db.session.refresh(req)
    audit.record("request_" + action, req, user=user, from_status=old, to_status=new,
                 reason=values.get("decision_reason", ""))


def check_editable(req: DrawRequest, user) -> None:
    """A request is edited only as a draft, by its own usage unit."""
    check(req, "edit", user)


def submit_request(req: DrawRequest, user) -> None:
    _move(req, "submit", user)


def decide_request(req: DrawRequest, user, approve: bool, reason: str = "") -> None:
    if not approve and not reason.strip():
        raise InvalidInput("请填写不予批准的理由")
    _move(req, "approve" if approve else "reject", user,
          decision_reason=reason.strip(), decided_by_id=user.id, decided_at=utcnow())


def release(req: DrawRequest, user) -> None:
    """The bureau releases the names to the usage unit (sealed until then)."""
    _move(req, "release", user, released_at=utcnow())


def conditions_of(req: DrawRequest) -> dict:
    """The request's draw conditions as plain values."""
    return {field: getattr(req, field) for field in CONDITION_FIELDS}


def propose_conditions(req: DrawRequest, user, conditions: dict, reason: str) -> None:
    """The usage unit proposes revised conditions for a supplementary draw (§12); the bureau decides by drawing."""
    check(req, "propose_conditions", user)
    if open_places(req) == 0:
        raise InvalidInput("专家人数已满足，无需调整条件补充抽取")
    if not reason.strip():
        raise InvalidInput("请写明调整抽取条件的理由")
    if {k: conditions.get(k) for k in CONDITION_FIELDS} == conditions_of(req):
        raise InvalidInput("抽取条件没有变化")
    req.proposed_conditions = json.dumps({k: conditions.get(k) for k in CONDITION_FIELDS}, ensure_ascii=False)
    req.proposed_reason = reason.strip()
    audit.record("request_conditions_proposed", req, user=user, conditions=conditions, reason=reason.strip())


def _revise_conditions(req: DrawRequest, user, conditions: dict, reason: str) -> None:
    """The bureau draws a supplement on revised conditions: the request takes them (each record keeps the
    conditions it was drawn on, so the earlier and the revised sets both stay on record)."""
    new = {k: conditions.get(k, getattr(req, k)) for k in CONDITION_FIELDS}
    old = conditions_of(req)
    if new != old:
        for field, value in new.items():
            setattr(req, field, value)
        audit.record("request_conditions_revised", req, user=user, old=old, new=new, reason=reason.strip())
    req.proposed_conditions, req.proposed_reason = "", ""
    db.session.flush()


def draw(req: DrawRequest, user, *, reason: str = "", pool_reason: str = "", conditions: dict | None = None,
         now: datetime | None = None) -> DrawRecord:
    """The first draw of an approved request, or a supplementary one (with its reason, and on revised
    `conditions` if given, §12) for the places still open once the backups are used up; the drawn are
    invited at once. A pool under the configured multiple of the places needs `pool_reason`, which the
    record keeps."""
    now = now or utcnow()
    serialise(_DRAW_LOCK)
    db.session.refresh(req)  # the status as of the lock, not as of page load
    previous = req.records[-1] if req.records else None
    check(req, "draw" if previous is None else "supplement", user)
    separated = current_app.config["DRAW_SEPARATE_DUTIES"]
    if separated and req.decided_by_id == user.id:
        raise InvalidInput("职责分离：批准该申请的管理员不能再执行其抽取，请由另一位市科技局管理员抽取"
                           "（只有一位管理员的单位可由系统配置 DRAW_SEPARATE_DUTIES=0 关闭此项，抽取记录将注明）")
    common = dict(pool_reason=pool_reason, min_pool_ratio=current_app.config["DRAW_MIN_POOL_RATIO"],
                  duties_separated=separated)
    if previous is None:
        record = record_draw(req, user, kind="initial", need=req.need, **common)
    else:
        if not reason.strip():
            raise InvalidInput("补充抽取须写明原因")
        if db.session.scalar(select(Invitation.id).where(Invitation.request_id == req.id,
                                                         Invitation.status == "waiting")):
            raise InvalidInput("仍有备选专家未启用，不能补充抽取")
        need = open_places(req)
        if need == 0:
            raise InvalidInput("专家人数已满足，无需补充抽取")
        if conditions is not None:
            _revise_conditions(req, user, conditions, reason)
        record = record_draw(req, user, kind="supplement", need=need, reason=reason, previous=previous, **common)
    invite_drawn(req, record, now)
    if previous is None:
        _move(req, "draw", user)
    return record


def decide_special(special: SpecialExpert, user, approve: bool, now: datetime | None = None) -> None:
    """The bureau approves or refuses a proposed special invited expert (§12). Approved, they are invited at
    once and go through the same engagement as the library's experts — answer, attendance, rating, fee —
    marked 特邀."""
    check(special.request, "decide_special", user)
    # Compare-and-set: of two administrators deciding at once one wins, so nobody is invited twice.
    decided = db.session.execute(
        update(SpecialExpert).where(SpecialExpert.id == special.id, SpecialExpert.status == "proposed")
        .values(status="approved" if approve else "rejected", decided_by_id=user.id, decided_at=utcnow()))
    if decided.rowcount != 1:
        raise InvalidInput("该特邀专家建议已处理")
    db.session.refresh(special)
    audit.record("special_expert_" + special.status, special, user=user, request_id=special.request_id,
                 name=special.name)
    if approve:
        invite_special(special, now or utcnow())


def _after_the_activity(inv: Invitation, what: str) -> None:
    if inv.status != "accepted":
        raise InvalidInput(f"只能为已接受邀请的专家{what}")
    if local_now() < inv.request.end_at:
        raise InvalidInput(f"活动结束后方可{what}")


def spot_check(inv: Invitation, user, note: str) -> None:
    """The bureau's spot-check evaluation of an expert's performance (rules §14)."""
    check(inv.request, "spot_check", user)
    _after_the_activity(inv, "记录抽查评价")
    if not note.strip():
        raise InvalidInput("请填写抽查评价")
    inv.spot_check = note.strip()
    audit.record("spot_check", inv, user=user, request_id=inv.request_id, note=note.strip())


def record_attendance(inv: Invitation, user, *, attendance: str, reason: str = "", rating: int | None = None,
                      comments: str = "", fee=None) -> None:
    """After the activity the usage unit records attendance, a rating, comments and the fee."""
    check(inv.request, "attendance", user)
    _after_the_activity(inv, "记录出席情况")
    if attendance not in ATTENDANCE:
        raise InvalidInput("请选择出席情况")
    if attendance == "absent_excused" and not reason.strip():
        raise InvalidInput("请填写缺席理由")
    # Whoever calls, the values must fit the rules and the column (the form checks them first).
    rating = parse_rating(None if rating is None else str(rating))
    fee = parse_fee(None if fee is None else str(fee))
    inv.attendance, inv.absence_reason, inv.rating = attendance, reason.strip(), rating
    inv.comments, inv.fee = comments.strip(), fee
    audit.record("attendance", inv, user=user, attendance=attendance, rating=rating, fee=str(fee))
