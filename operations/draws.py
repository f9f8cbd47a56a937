"""Draws against the database: the pool, the recorded execution, replay, invitations, feedback."""
from __future__ import annotations

import dataclasses
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from sqlalchemy import func, or_, select, union, update

from models import (Discipline, DrawRecord, DrawRequest, Expert, ExpertAvoidance, ExpertLeave, Invitation,
                    Organization, College, User, db, local_now, utcnow)
from models.base import serialise
from models.draws import ATTENDANCE
from models.experts import expert_secondary_discipline
from operations import audit
from rules import InvalidInput
from rules.conflicts import (DEFAULT_YEARLY_CAP, EXCLUSION_REASONS, Activity, Avoidance, Candidate,
                             Interval, Member, age_band_on, exclusions)
from rules.draw import ALGORITHM_VERSION, REPLAYABLE, draw, pool_digest, replay
from rules.eligibility import TITLE_LEVELS, age_on

_DRAW_LOCK = 7_202_612  # serialises draws (models.base.serialise): two draws never engage one expert twice
ENGAGING = ("invited", "accepted")


class PoolEntry(NamedTuple):
    """What the draw needs of a pool member; stored with the record for replay."""

    id: int
    org_id: int
    age_band: str | None
    sub_discipline: str | None


def _conditions(req: DrawRequest) -> dict:
    return {"disciplines": req.codes, "expert_type": req.expert_type, "min_title": req.min_title,
            "region": req.region, "age_min": req.age_min, "age_max": req.age_max,
            "max_per_org": req.max_per_org, "activity": [req.start_at.isoformat(), req.end_at.isoformat()]}


# Only the columns the conflict rules read, with the unit, college and discipline joined in:
# loading whole records costs ten times more at scale. Not the ID number: project members are
# declared by name and unit, and decrypting every candidate's number would cost more than the
# whole conflict check.
CANDIDATE_COLUMNS = (Expert.id, Expert.name, Expert.organization_id, Expert.status, Expert.birth_date,
                     Expert.birth_month, Organization.name.label("org_name"), Organization.credit_code,
                     College.name.label("college"), Discipline.code.label("sub_discipline"))


def _candidate_rows():
    return (select(*CANDIDATE_COLUMNS).join(Organization, Expert.organization_id == Organization.id)
            .outerjoin(College, Expert.college_id == College.id)
            .outerjoin(Discipline, Expert.primary_discipline_id == Discipline.id))


def _matching_clause(req: DrawRequest) -> list:
    """The request's conditions as WHERE terms (before any conflict or exclusion)."""
    terms = [Expert.status.in_(["admitted", "dormant"])]  # dormant ones are counted, then excluded as inactive
    if req.codes:
        # A union of the two discipline indexes: an OR of them makes both databases scan every expert.
        wanted = select(Discipline.id).where(or_(*[Discipline.code.like(c.strip() + "%") for c in req.codes]))
        terms.append(Expert.id.in_(union(
            select(Expert.id).where(Expert.primary_discipline_id.in_(wanted)),
            select(expert_secondary_discipline.c.expert_id).where(
                expert_secondary_discipline.c.discipline_id.in_(wanted)))))
    if req.expert_type:
        terms.append(Expert.expert_type == req.expert_type)
    floor = TITLE_LEVELS[req.min_title][1]
    levels = [code for code, (_label, rank) in TITLE_LEVELS.items() if rank >= floor]
    title_ok = Expert.title_level.in_(levels)
    if floor <= TITLE_LEVELS["associate"][1]:  # "or equivalent level" stands in for associate-senior
        title_ok = or_(title_ok, Expert.equivalent_level.is_(True))
    terms.append(title_ok)
    if req.region in ("in", "out"):
        terms.append(Expert.organization_id.in_(
            select(Organization.id).where(Organization.in_shaoxing.is_(req.region == "in"))))
    return terms


def matching_experts(req: DrawRequest) -> list:
    """Admitted experts meeting the request's conditions (before any conflict or exclusion), as rows."""
    # Through the connection: plain rows, without the ORM's per-row bookkeeping (thousands of rows).
    experts = db.session.connection().execute(_candidate_rows().where(*_matching_clause(req))
                                              .order_by(Expert.id)).all()
    day = req.start_at.date()
    if req.age_min is not None or req.age_max is not None:
        def fits(e):
            birth = e.birth_date or e.birth_month
            if birth is None:
                return False
            age = age_on(birth, day)
            return (req.age_min is None or age >= req.age_min) and (req.age_max is None or age <= req.age_max)
        experts = [e for e in experts if fits(e)]
    return experts


def _yearly_cap() -> int:
    return current_app.config.get("DRAW_YEARLY_CAP", DEFAULT_YEARLY_CAP)


def activity_of(req: DrawRequest) -> Activity:
    return Activity(
        period=Interval(req.start_at, req.end_at),
        members=tuple(Member(m.name, m.credit_code, m.college) for m in req.members),
        avoidances=tuple(Avoidance(a.kind, a.name, a.credit_code) for a in req.avoidances),
        yearly_cap=_yearly_cap(),
        applicant_credit_code=req.organization.credit_code if req.organization else "",
        max_per_org=req.max_per_org,
    )


def candidates_for(req: DrawRequest, experts: list) -> list[Candidate]:
    """Everything the conflict rules need, fetched in a handful of queries (never one per expert).

    `experts` are rows of matching_experts, or Expert records (a backup re-checked when called).
    The side tables are read for the request's whole matching set by sub-query, not by a list of
    thousands of bound ids: at 100,000 experts, binding and fetching those lists cost more than the draw.
    """
    if not experts:
        return []
    if isinstance(experts[0], Expert):
        experts = db.session.execute(_candidate_rows().where(Expert.id.in_([e.id for e in experts]))
                                     .order_by(Expert.id)).all()
    ids = {row[0] for row in experts}
    # The side tables are read by what can matter to this activity, not by a list of thousands of
    # candidate ids: avoidances are few (each is checked against the members by the rules), and
    # only engagements and leaves overlapping the activity, and only experts at the yearly cap, count.
    avoid_units, avoid_persons = defaultdict(set), defaultdict(set)
    for expert_id, kind, name, credit_code in db.session.execute(
            select(ExpertAvoidance.expert_id, ExpertAvoidance.kind, ExpertAvoidance.name, ExpertAvoidance.credit_code)):
        if expert_id not in ids:
            continue
        if kind == "unit" and credit_code:
            avoid_units[expert_id].add(credit_code)
        elif kind == "person":
            avoid_persons[expert_id].add(name)
    engagements = defaultdict(list)
    for expert_id, start, end in db.session.execute(
            select(Invitation.expert_id, DrawRequest.start_at, DrawRequest.end_at)
            .join(DrawRequest, Invitation.request_id == DrawRequest.id)
            .where(Invitation.status.in_(ENGAGING), DrawRequest.id != req.id,
                   DrawRequest.start_at <= req.end_at, DrawRequest.end_at >= req.start_at)):
        engagements[expert_id].append(Interval(start, end))
    leaves = defaultdict(list)
    for expert_id, start, end in db.session.execute(
            select(ExpertLeave.expert_id, ExpertLeave.start_date, ExpertLeave.end_date)
            .where(ExpertLeave.start_date <= req.end_at.date(), ExpertLeave.end_date >= req.start_at.date())):
        leaves[expert_id].append(Interval(start, end))
    year, cap = req.start_at.year, _yearly_cap()
    this_year = select(DrawRequest.id).where(DrawRequest.id != req.id, DrawRequest.start_at >= datetime(year, 1, 1),
                                             DrawRequest.start_at < datetime(year + 1, 1, 1))
    yearly = dict(db.session.execute(
        select(Invitation.expert_id, func.count())
        .where(Invitation.status == "accepted", Invitation.request_id.in_(this_year))
        .group_by(Invitation.expert_id).having(func.count() >= cap)).all())
    drawn_here = set(db.session.scalars(select(Invitation.expert_id).where(Invitation.request_id == req.id)))
    # Who of each unit is engaged for this request already: the per-unit cap holds across its draws.
    engaged_here = defaultdict(set)
    for expert_id, org_id in db.session.execute(
            select(Invitation.expert_id, Expert.organization_id).join(Expert, Invitation.expert_id == Expert.id)
            .where(Invitation.request_id == req.id, Invitation.status.in_(ENGAGING), Invitation.role != "special")):
        engaged_here[org_id].add(expert_id)
    day = req.start_at.date()
    none, empty = frozenset(), ()
    result = []
    for expert_id, name, org_id, status, birth_date, birth_month, org_name, credit_code, college, code in experts:
        birth = birth_date or birth_month
        band = age_band_on(birth, day) if birth else None
        result.append(Candidate(
            expert_id, name, org_id, org_name, credit_code, college or "", "", status,
            frozenset(avoid_units[expert_id]) if expert_id in avoid_units else none,
            frozenset(avoid_persons[expert_id]) if expert_id in avoid_persons else none,
            tuple(engagements[expert_id]) if expert_id in engagements else empty,
            tuple(leaves[expert_id]) if expert_id in leaves else empty,
            yearly.get(expert_id, 0), expert_id in drawn_here,
            len(engaged_here[org_id] - {expert_id}) if engaged_here else 0, band, code))
    return result


def split_pool(req: DrawRequest) -> tuple[list[Candidate], dict[str, list[int]]]:
    """The pool (no exclusion) and the excluded ids by their first reason."""
    pool, excluded = [], defaultdict(list)
    activity = activity_of(req)
    for candidate in candidates_for(req, matching_experts(req)):
        reasons = exclusions(candidate, activity)
        if reasons:
            excluded[reasons[0]].append(candidate.id)
        else:
            pool.append(candidate)
    return pool, dict(excluded)


def avoidance_share(req: DrawRequest) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """How many of the otherwise eligible experts the applicant's avoidances remove, overall and per discipline."""
    activity = activity_of(req)
    without = dataclasses.replace(activity, avoidances=())
    removed = total = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in candidates_for(req, matching_experts(req)):
        if exclusions(c, without):
            continue
        total += 1
        hit = "applicant_avoidance" in exclusions(c, activity)
        removed += hit
        key = next((code for code in req.codes if (c.sub_discipline or "").startswith(code)), "其他")
        per[key][0] += hit
        per[key][1] += 1
    return removed, total, {k: (v[0], v[1]) for k, v in per.items()}


def open_places(req: DrawRequest) -> int:
    engaged = db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.request_id == req.id, Invitation.status.in_(ENGAGING), Invitation.role != "special"))
    return max(0, req.need - engaged)


def run_draw(req: DrawRequest, user, *, reason: str = "", now: datetime | None = None) -> DrawRecord:
    """Execute a draw (the first, or a supplementary one with a reason) and invite the selected."""
    now = now or utcnow()
    serialise(_DRAW_LOCK)
    db.session.refresh(req)  # the status as of the lock, not as of page load
    previous = req.records[-1] if req.records else None
    if previous is None:
        if req.status != "approved":
            raise InvalidInput("只有已批准的申请才能抽取")
        need, backups, kind = req.need, req.backups, "initial"
    else:
        if req.status not in ("drawn", "released"):
            raise InvalidInput("该申请当前不能补充抽取")
        if not reason.strip():
            raise InvalidInput("补充抽取须写明原因")
        if db.session.scalar(select(Invitation.id).where(Invitation.request_id == req.id,
                                                         Invitation.status == "waiting")):
            raise InvalidInput("仍有备选专家未启用，不能补充抽取")
        need, backups, kind = open_places(req), req.backups, "supplement"
        if need == 0:
            raise InvalidInput("专家人数已满足，无需补充抽取")
    pool, excluded = split_pool(req)
    seed = secrets.token_hex(32)  # from the operating system; no person types it
    entries = [PoolEntry(c.id, c.org_id, c.age_band, c.sub_discipline) for c in pool]
    result = draw(entries, need, backups, seed, req.max_per_org)
    record = DrawRecord(
        request_id=req.id, parent_id=previous.id if previous else None, kind=kind, reason=reason.strip(),
        conditions=json.dumps(_conditions(req), ensure_ascii=False),
        pool=json.dumps(sorted(entries)),  # [id, org_id, age_band, sub_discipline] each, by id (ids are unique)
        pool_size=len(entries), pool_digest=pool_digest(e.id for e in entries),
        exclusion_counts=json.dumps({k: len(v) for k, v in excluded.items()}),
        excluded_ids=json.dumps(excluded), seed=seed, algorithm_version=ALGORITHM_VERSION,
        need=need, backups=backups, max_per_org=req.max_per_org,
        selected=json.dumps(result.selected), backup_ids=json.dumps(result.backups), operator_id=user.id)
    db.session.add(record)
    db.session.flush()
    position = db.session.scalar(select(func.max(Invitation.position)).where(Invitation.request_id == req.id)) or 0
    deadline = answer_by(req, now)
    invited = []
    for expert_id in result.selected:
        position += 1
        invited.append(Invitation(request=req, record_id=record.id, expert_id=expert_id, position=position,
                                  role="selected", status="invited", invited_at=now, deadline=deadline))
    for expert_id in result.backups:
        position += 1
        db.session.add(Invitation(request_id=req.id, record_id=record.id, expert_id=expert_id, position=position,
                                  role="backup", status="waiting"))
    db.session.add_all(invited)
    if kind == "initial":
        req.status = "drawn"
    db.session.flush()  # one flush for all the invitations: the emails need their ids
    # The accounts of the invited in one query: the email needs the account, not the whole record.
    accounts = dict(db.session.execute(select(Expert.id, User).join(User, Expert.user_id == User.id)
                                       .where(Expert.id.in_(result.selected))).all())
    for inv in invited:
        if inv.expert_id in accounts:  # an expert without an account has no address to write to
            tell_invited(inv, accounts[inv.expert_id])
    audit.record("draw_" + kind, record, user=user, request_id=req.id, pool_size=len(entries),
                 pool_digest=record.pool_digest, seed=seed, selected=result.selected, backups=result.backups,
                 exclusions={k: len(v) for k, v in excluded.items()}, reason=reason.strip())
    return record


@dataclass(frozen=True)
class Verdict:
    record_id: int
    ok: bool
    message: str


def verify(record: DrawRecord) -> Verdict:
    """Replay a stored draw from its inputs and compare with what was stored."""
    rows = json.loads(record.pool)
    entries = [PoolEntry(*row) for row in rows]
    if pool_digest(e.id for e in entries) != record.pool_digest or len(entries) != record.pool_size:
        return Verdict(record.id, False, "候选库与其摘要不符（候选名单被改动）")
    if record.algorithm_version not in REPLAYABLE:
        return Verdict(record.id, False, f"未知的算法版本{record.algorithm_version}，无法复核")
    result = replay(record.algorithm_version, entries, record.need, record.backups, record.seed,
                    record.max_per_org)
    if result.selected != record.ids("selected") or result.backups != record.ids("backup_ids"):
        return Verdict(record.id, False, "按存档的种子和候选库重新计算，结果与存档不一致")
    invited = list(db.session.scalars(select(Invitation.expert_id).where(Invitation.record_id == record.id)
                                      .order_by(Invitation.position)))
    if invited != result.selected + result.backups:
        return Verdict(record.id, False, "邀请名单与抽取结果不一致（有人被增加、删除或调换）")
    return Verdict(record.id, True, "复核一致")


def tell_invited(inv: Invitation, account: User | None = None) -> None:
    """The invitation email, with signed accept and decline links, to the expert's account."""
    from operations.notify import invitation_link, queue
    from web.filters import local_dt

    req = inv.request or db.session.get(DrawRequest, inv.request_id)
    account = account or db.session.get(Expert, inv.expert_id).user
    if account is None:
        return
    queue("invitation", account, title=req.title, place=req.place,
          start=req.start_at.strftime("%Y-%m-%d %H:%M"), end=req.end_at.strftime("%Y-%m-%d %H:%M"),
          deadline=local_dt(inv.deadline), accept_url=invitation_link(inv.id, "accept"),
          decline_url=invitation_link(inv.id, "decline"))


def remind_deadlines(now: datetime, within: timedelta = timedelta(hours=24)) -> int:
    """Once per invitation: a reminder when less than a day is left to answer."""
    from operations.notify import invitation_link, queue
    from web.filters import local_dt

    count = 0
    due = db.session.scalars(select(Invitation).where(Invitation.status == "invited",
                                                      Invitation.deadline > now, Invitation.deadline <= now + within))
    for inv in due:
        expert = db.session.get(Expert, inv.expert_id)
        if expert.user is None:
            continue
        if inv.reminded_at is not None:
            continue
        inv.reminded_at = now
        req = inv.request
        queue("deadline_reminder", expert.user, title=req.title, place=req.place,
              start=req.start_at.strftime("%Y-%m-%d %H:%M"), deadline=local_dt(inv.deadline),
              accept_url=invitation_link(inv.id, "accept"), decline_url=invitation_link(inv.id, "decline"))
        count += 1
    return count


def answer_by(req: DrawRequest, now: datetime) -> datetime:
    """The answer deadline (UTC): the request's hours, but never after the activity starts (Beijing time)."""
    start = req.start_at.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    return max(min(now + timedelta(hours=req.response_hours), start), now + timedelta(hours=1))


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
        nxt.status, nxt.responded_at = "conflict", now
        nxt.decline_reason = "启用时不可用：" + "；".join(EXCLUSION_REASONS[r] for r in reasons)
        audit.record("invitation_skipped", nxt, username="system", request_id=req.id, expert_id=nxt.expert_id,
                     reasons=reasons)
        db.session.flush()
    nxt.status, nxt.invited_at = "invited", now
    nxt.deadline = answer_by(req, now)
    audit.record("invitation_next", nxt, username="system", request_id=req.id, expert_id=nxt.expert_id)
    tell_invited(nxt)
    return nxt


def withdraw_expert(expert_id: int, reason: str, now: datetime | None = None) -> int:
    """An expert leaving the library gives up every engagement for activities not yet begun.

    Their invitations (waiting, invited or accepted) are cancelled with the reason and, where
    they held a place, the next backup is called. Past activities keep their record."""
    now = now or utcnow()
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    invitations = db.session.scalars(
        select(Invitation).join(DrawRequest, Invitation.request_id == DrawRequest.id)
        .where(Invitation.expert_id == expert_id, Invitation.status.in_(("waiting",) + ENGAGING),
               DrawRequest.start_at > local)).all()
    for inv in invitations:
        held_place = inv.status in ENGAGING
        inv.status, inv.responded_at, inv.decline_reason = "cancelled", now, reason
        audit.record("invitation_cancelled", inv, username="system", request_id=inv.request_id,
                     expert_id=expert_id, reason=reason)
        db.session.flush()
        if held_place:
            invite_next_backup(inv.request, now)
    return len(invitations)


def respond(inv: Invitation, accept: bool, user, reason: str = "", now: datetime | None = None,
            via: str = "portal") -> str:
    """The expert accepts or declines (on /me/ or by the emailed link: `via`); conflicts are checked again."""
    now = now or utcnow()
    if inv.status != "invited":
        raise InvalidInput("该邀请当前不能答复")
    if inv.deadline and now > inv.deadline:
        raise InvalidInput("已超过答复期限")
    req = inv.request
    if accept:
        reasons = late_conflicts(inv)
        new = "conflict" if reasons else "accepted"
        reason = "；".join(EXCLUSION_REASONS[r] for r in reasons)
    else:
        if not reason.strip():
            raise InvalidInput("请填写不能参加的原因")
        new = "declined"
    result = db.session.execute(update(Invitation).where(Invitation.id == inv.id, Invitation.status == "invited")
                                .values(status=new, responded_at=now, decline_reason=reason.strip())
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidInput("该邀请已答复")
    db.session.refresh(inv)
    audit.record("invitation_" + new, inv, user=user, request_id=req.id, reason=reason.strip(), via=via)
    if new != "accepted":
        invite_next_backup(req, now)
    return new


def expire_invitations(now: datetime) -> int:
    """The daily job's part: unanswered past the deadline → expired, next backup invited."""
    late = db.session.scalars(select(Invitation).where(Invitation.status == "invited",
                                                       Invitation.deadline < now)).all()
    for inv in late:
        inv.status = "expired"
        audit.record("invitation_expired", inv, username="system", request_id=inv.request_id)
        db.session.flush()
        invite_next_backup(inv.request, now)
    return len(late)


def record_attendance(inv: Invitation, user, *, attendance: str, reason: str = "", rating: int | None = None,
                      comments: str = "", fee=None) -> None:
    """After the activity the usage unit records attendance, a rating, comments and the fee."""
    if inv.status != "accepted":
        raise InvalidInput("只能为已接受邀请的专家记录出席情况")
    if local_now() < inv.request.end_at:
        raise InvalidInput("活动结束后方可记录出席情况")
    if attendance not in ATTENDANCE:
        raise InvalidInput("请选择出席情况")
    if attendance == "absent_excused" and not reason.strip():
        raise InvalidInput("请填写缺席理由")
    from rules.feedback import parse_fee, parse_rating

    # Whoever calls, the values must fit the rules and the column (the form checks them first).
    rating = parse_rating(None if rating is None else str(rating))
    fee = parse_fee(None if fee is None else str(fee))
    inv.attendance, inv.absence_reason, inv.rating = attendance, reason.strip(), rating
    inv.comments, inv.fee = comments.strip(), fee
    audit.record("attendance", inv, user=user, attendance=attendance, rating=rating, fee=str(fee))


def flagged_for_exit() -> list[tuple[int, int]]:
    """(expert id, count) for experts absent twice without reason after accepting (rules §8)."""
    return db.session.execute(
        select(Invitation.expert_id, func.count()).where(Invitation.attendance == "absent_unexcused")
        .group_by(Invitation.expert_id).having(func.count() >= 2)).all()


def _move(req: DrawRequest, old: str, new: str, user, action: str, **detail) -> None:
    """Compare-and-set on the request's status, audited."""
    result = db.session.execute(update(DrawRequest).where(DrawRequest.id == req.id, DrawRequest.status == old)
                                .values(status=new, **{k: v for k, v in detail.items() if k in
                                                       ("decision_reason", "decided_by_id", "decided_at",
                                                        "released_at")})
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidInput("该申请状态已变化，请刷新页面")
    db.session.refresh(req)
    audit.record("request_" + action, req, user=user, from_status=old, to_status=new,
                 reason=detail.get("decision_reason", ""))


def submit_request(req: DrawRequest, user) -> None:
    if req.status != "draft":
        raise InvalidInput("只有草稿可以提交")
    if req.organization_id != user.organization_id:
        raise InvalidInput("只能提交本单位的申请")
    _move(req, "draft", "submitted", user, "submit")


def decide_request(req: DrawRequest, user, approve: bool, reason: str = "") -> None:
    if not approve and not reason.strip():
        raise InvalidInput("请填写不予批准的理由")
    _move(req, "submitted", "approved" if approve else "rejected", user, "approve" if approve else "reject",
          decision_reason=reason.strip(), decided_by_id=user.id, decided_at=utcnow())


def release(req: DrawRequest, user) -> None:
    """The bureau releases the names to the usage unit (sealed until then)."""
    _move(req, "drawn", "released", user, "release", released_at=utcnow())


def decide_special(special, user, approve: bool) -> None:
    """The bureau approves or refuses a proposed special invited expert."""
    if special.status != "proposed":
        raise InvalidInput("该特邀专家建议已处理")
    special.status = "approved" if approve else "rejected"
    special.decided_by_id, special.decided_at = user.id, utcnow()
    audit.record("special_expert_" + special.status, special, user=user, request_id=special.request_id,
                 name=special.name)


def spot_check(inv: Invitation, user, note: str) -> None:
    """The bureau's spot-check evaluation of an expert's performance (rules §14)."""
    if not note.strip():
        raise InvalidInput("请填写抽查评价")
    inv.spot_check = note.strip()
    audit.record("spot_check", inv, user=user, request_id=inv.request_id, note=note.strip())
