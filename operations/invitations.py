"""Inviting the drawn in order ("one draw, one engagement"): messages, answers, backups, expiry, reminders.

Every change of an invitation's state is asked of rules/invitations.py first.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_datetime, to_user_timezone, to_utc
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from models import DrawRecord, DrawRequest, Expert, Invitation, OutboxMessage, db, utcnow
from operations import audit
from operations.draws import activity_of, candidates_for, open_places
from rules import InvalidInput
from rules.conflicts import EXCLUSION_REASONS, exclusions
from rules.invitations import ENGAGING, holds_place, next_state


def answer_by(req: DrawRequest, now: datetime) -> datetime:
    """The answer deadline (UTC): the request's hours, but never after the activity starts (Beijing time)."""
    return max(min(now + timedelta(hours=req.response_hours), to_utc(req.start_at)), now + timedelta(hours=1))


def invite_drawn(req: DrawRequest, record: DrawRecord, now: datetime) -> list[Invitation]:
    """The drawn are invited at once, the backups wait their turn, in the draw's order; returns the invited."""
    position = db.session.scalar(select(func.max(Invitation.position))
                                 .where(Invitation.request_id == req.id)) or 0
    deadline = answer_by(req, now)
    invited = []
    for role, ids in (("selected", record.ids("selected")), ("backup", record.ids("backup_ids"))):
        for expert_id in ids:
            position += 1
            inv = Invitation(request_id=req.id, record_id=record.id, expert_id=expert_id, position=position,
                             role=role, status="waiting")
            if role == "selected":
                inv.status = next_state("waiting", "call")
                inv.invited_at, inv.deadline = now, deadline
                invited.append(inv)
            db.session.add(inv)
    db.session.flush()  # one flush for all the invitations: the messages need their ids
    # The invited experts in one query, with their accounts: each message needs their addresses.
    experts = {e.id: e for e in db.session.scalars(select(Expert).options(joinedload(Expert.user))
                                                   .where(Expert.id.in_([i.expert_id for i in invited])))}
    for inv in invited:
        tell_invited(inv, req, experts[inv.expert_id])
    return invited


def invite_special(special, now: datetime) -> Invitation:
    """A special expert the bureau approved is invited like a drawn one, after the drawn, marked 特邀."""
    req = special.request
    position = db.session.scalar(select(func.max(Invitation.position)).where(Invitation.request_id == req.id)) or 0
    inv = Invitation(request_id=req.id, special_expert_id=special.id, position=position + 1, role="special",
                     status=next_state("waiting", "call"), invited_at=now, deadline=answer_by(req, now))
    db.session.add(inv)
    db.session.flush()
    audit.record("invitation_special", inv, username="system", request_id=req.id, name=special.name)
    tell_invited(inv, req)
    return inv


def _message_context(inv: Invitation, req: DrawRequest) -> dict:
    from operations.notify import invitation_link

    return dict(title=req.title, place=req.place, start=req.start_at.strftime("%Y-%m-%d %H:%M"),
                end=req.end_at.strftime("%Y-%m-%d %H:%M"), deadline=format_datetime(inv.deadline),
                accept_url=invitation_link(inv.id, "accept"), decline_url=invitation_link(inv.id, "decline"))


def tell_invited(inv: Invitation, req: DrawRequest | None = None, expert: Expert | None = None,
                 kind: str = "invitation") -> None:
    """The invitation (or its reminder) by every channel that reaches the expert: e-mail, SMS, or — with
    neither — a telephone call the bureau is asked to make (the message waits as 待电话通知)."""
    from operations.notify import notify_expert

    req = req or inv.request
    notify_expert(kind, expert or inv.person, inv, **_message_context(inv, req))


def remind_deadlines(now: datetime, within: timedelta = timedelta(hours=24)) -> int:
    """Once per invitation: a reminder when less than a day is left to answer, by the same channels."""
    due = db.session.scalars(select(Invitation).where(Invitation.status == "invited", Invitation.reminded_at.is_(None),
                                                      Invitation.deadline > now, Invitation.deadline <= now + within)).all()
    for inv in due:
        inv.reminded_at = now
        tell_invited(inv, kind="deadline_reminder")
    return len(due)


def late_conflicts(inv: Invitation) -> list[str]:
    """Exclusions that arose after the draw (a new engagement, leave, exit...), the draw itself aside."""
    candidate = next(iter(candidates_for(inv.request, [inv.expert])))
    return [r for r in exclusions(candidate, activity_of(inv.request)) if r != "already_drawn"]


def invite_next_backup(req: DrawRequest, now: datetime) -> Invitation | None:
    """The next waiting backup free to come, in order, is invited; None when backups are used up.

    A backup who has since become unavailable (engaged elsewhere, on leave, exited...) is
    skipped with the reason recorded, never invited into a conflict."""
    if open_places(req) == 0:
        return None
    while True:
        nxt = db.session.scalar(select(Invitation).where(Invitation.request_id == req.id,
                                                         Invitation.status == "waiting")
                                .order_by(Invitation.position).limit(1))
        if nxt is None:
            return None
        reasons = late_conflicts(nxt)
        if not reasons:
            break
        nxt.status, nxt.responded_at = next_state(nxt.status, "skip"), now
        nxt.decline_reason = "启用时不可用：" + "；".join(EXCLUSION_REASONS[r] for r in reasons)
        audit.record("invitation_skipped", nxt, username="system", request_id=req.id, expert_id=nxt.expert_id,
                     reasons=reasons)
        db.session.flush()
    nxt.status, nxt.invited_at = next_state(nxt.status, "call"), now
    nxt.deadline = answer_by(req, now)
    audit.record("invitation_next", nxt, username="system", request_id=req.id, expert_id=nxt.expert_id)
    tell_invited(nxt, req)
    return nxt


def withdraw_expert(expert_id: int, reason: str, now: datetime | None = None) -> int:
    """An expert leaving the library gives up every engagement for activities not yet begun.

    Their invitations (waiting, invited or accepted) are cancelled with the reason and, where
    they held a place, the next backup is called. Past activities keep their record."""
    now = now or utcnow()
    local = to_user_timezone(now).replace(tzinfo=None)  # activity times are Beijing wall-clock times
    invitations = db.session.scalars(
        select(Invitation).join(DrawRequest, Invitation.request_id == DrawRequest.id)
        .where(Invitation.expert_id == expert_id, Invitation.status.in_(("waiting",) + ENGAGING),
               DrawRequest.start_at > local)).all()
    for inv in invitations:
        held_place = holds_place(inv.status)
        inv.status, inv.responded_at, inv.decline_reason = next_state(inv.status, "cancel"), now, reason
        audit.record("invitation_cancelled", inv, username="system", request_id=inv.request_id,
                     expert_id=expert_id, reason=reason)
        db.session.flush()
        if held_place:
            invite_next_backup(inv.request, now)
    return len(invitations)


ANSWERS = {"accept": "接受", "decline": "不能参加", "recuse": "申请回避"}


def respond(inv: Invitation, accept: bool, user, reason: str = "", now: datetime | None = None,
            via: str = "portal") -> str:
    """The expert accepts or declines (on /me/, by the emailed link or through the bureau's telephone call:
    `via`); conflicts are checked again on accepting."""
    return answer(inv, "accept" if accept else "decline", user, reason, now=now, via=via)


def answer(inv: Invitation, given: str, user, reason: str = "", *, now: datetime | None = None,
           via: str = "portal") -> str:
    """Accept, decline or ask to recuse (§13, §8(七)); anything but an acceptance calls the next backup.
    Returns the invitation's new state."""
    now = now or utcnow()
    if given not in ANSWERS:
        raise InvalidInput("请选择接受、不能参加或申请回避")
    next_state(inv.status, "accept")  # only an open invitation takes an answer
    if inv.deadline and now > inv.deadline:
        raise InvalidInput("已超过答复期限")
    req = inv.request
    if given == "accept":
        reasons = late_conflicts(inv) if inv.expert_id else []  # a special expert has no record to check
        event = "conflict" if reasons else "accept"
        reason = "；".join(EXCLUSION_REASONS[r] for r in reasons)
    else:
        if not reason.strip():
            raise InvalidInput("请填写申请回避的理由" if given == "recuse" else "请填写不能参加的原因")
        event = given
    new = next_state(inv.status, event)
    # Compare-and-set: a second answer (another tab, the emailed link) finds it answered already.
    result = db.session.execute(update(Invitation).where(Invitation.id == inv.id, Invitation.status == "invited")
                                .values(status=new, responded_at=now, decline_reason=reason.strip())
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidInput("该邀请已答复")
    db.session.refresh(inv)
    audit.record("invitation_" + new, inv, user=user, request_id=req.id, reason=reason.strip(), via=via)
    if new != "accepted" and inv.role != "special":  # a special expert holds none of the drawn places
        invite_next_backup(req, now)
    return new


def record_phone_answer(inv: Invitation, user, given: str, called_at: datetime, note: str,
                        now: datetime | None = None) -> str:
    """The bureau telephoned the expert (no e-mail or SMS reached them, or they called back): who called,
    when, what was said, and the answer given — applied as the expert's own."""
    if not note.strip():
        raise InvalidInput("请记录通话内容（专家的答复原话或要点）")
    now = now or utcnow()
    if called_at > to_user_timezone(now).replace(tzinfo=None):
        raise InvalidInput("通话时间不能晚于现在")
    new = answer(inv, given, user, note, now=now, via="phone")
    inv.phoned_by_id, inv.phoned_at, inv.phone_note = user.id, to_utc(called_at), note.strip()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.invitation_id == inv.id,
                                                   OutboxMessage.status == "phone_pending").values(status="phoned"))
    return new


def expire_invitations(now: datetime) -> int:
    """The daily job's part: unanswered past the deadline → expired, next backup invited."""
    late = db.session.scalars(select(Invitation).where(Invitation.status == "invited",
                                                       Invitation.deadline < now)).all()
    for inv in late:
        inv.status = next_state(inv.status, "expire")
        audit.record("invitation_expired", inv, username="system", request_id=inv.request_id)
        db.session.flush()
        invite_next_backup(inv.request, now)
    return len(late)
