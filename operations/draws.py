"""The draw against the database: the pool, the recorded execution and its replay (rules §12–§13).

Inviting the drawn is operations/invitations.py; the request's life around the draw,
operations/draw_requests.py.
"""
from __future__ import annotations

import dataclasses
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple
from datetime import datetime

from flask import current_app

from sqlalchemy import func, or_, select, union

from models import (AuditEntry, College, Discipline, DrawRecord, DrawRequest, Expert, ExpertAvoidance, ExpertLeave,
                    Invitation, Organization, ReferenceItem, db)
from models.experts import expert_secondary_discipline
from operations import audit
from operations.lifecycle import absent_twice
from rules.admission import IN_LIBRARY
from rules import InvalidInput
from rules.conflicts import (DEFAULT_YEARLY_CAP, Activity, Avoidance, Candidate, Interval, Member, age_band_on,
                             exclusions)
from rules.draw import ALGORITHM_VERSION, REPLAYABLE, draw, pool_digest, replay
from rules.eligibility import TITLE_LEVELS, age_on, birth_date_for_age
from rules.invitations import ENGAGING
from rules.lifecycle import over_age_for_exit

OVER_AGE, ABSENT_TWICE = frozenset({"over_age"}), frozenset({"absent_twice"})


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
                     College.name.label("college"), Discipline.code.label("sub_discipline"),
                     Expert.priority_categories, Expert.id_number_hash)


def _candidate_rows():
    return (select(*CANDIDATE_COLUMNS).join(Organization, Expert.organization_id == Organization.id)
            .outerjoin(College, Expert.college_id == College.id)
            .outerjoin(Discipline, Expert.primary_discipline_id == Discipline.id))


def _matching_clause(req: DrawRequest) -> list:
    """The request's conditions as WHERE terms (before any conflict or exclusion)."""
    terms = [Expert.status.in_(IN_LIBRARY)]  # dormant ones are counted, then excluded as inactive
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
            birth = birth_date_for_age(e.birth_date, e.birth_month)
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
        members=tuple(Member(m.name, m.credit_code, m.college, m.id_number_hash or "") for m in req.members),
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
            select(ExpertAvoidance.expert_id, ExpertAvoidance.kind, ExpertAvoidance.name, ExpertAvoidance.credit_code)
            .where(or_(ExpertAvoidance.until.is_(None), ExpertAvoidance.until >= req.start_at.date()))):
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
    # Flagged for an exit the bureau has not decided yet (§8(一), §8(四)): kept out meanwhile.
    absent = {expert_id for expert_id, _count in absent_twice()}
    universities = set(db.session.scalars(select(Organization.id).join(
        ReferenceItem, Organization.unit_type_id == ReferenceItem.id).where(ReferenceItem.code == "university")))
    day = req.start_at.date()
    none, empty = frozenset(), ()
    result = []
    for (expert_id, name, org_id, status, birth_date, birth_month, org_name, credit_code, college, code, priority,
         id_hash) in experts:
        birth = birth_date_for_age(birth_date, birth_month)
        band = age_band_on(birth, day) if birth else None
        flags = none
        if over_age_for_exit(birth, priority, day):
            flags = OVER_AGE
        if expert_id in absent:
            flags = flags | ABSENT_TWICE
        result.append(Candidate(
            expert_id, name, org_id, org_name, credit_code, college or "", id_hash or "", status,
            frozenset(avoid_units[expert_id]) if expert_id in avoid_units else none,
            frozenset(avoid_persons[expert_id]) if expert_id in avoid_persons else none,
            tuple(engagements[expert_id]) if expert_id in engagements else empty,
            tuple(leaves[expert_id]) if expert_id in leaves else empty,
            yearly.get(expert_id, 0), expert_id in drawn_here,
            len(engaged_here[org_id] - {expert_id}) if engaged_here else 0, band, code, flags, org_id in universities))
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


def small_pool(size: int, need: int, ratio: float) -> bool:
    """§17: a pool under `ratio` times the places narrows a random draw towards a chosen few."""
    return size < ratio * need


def record_draw(req: DrawRequest, user, *, kind: str, need: int, reason: str = "",
                previous: DrawRecord | None = None, pool_reason: str = "", min_pool_ratio: float = 0,
                duties_separated: bool | None = None) -> DrawRecord:
    """Draw `need` experts and the request's backups from today's pool, and keep the record.

    The seed comes from the operating system (no person types it); the record holds everything
    needed to replay the draw. A pool under `min_pool_ratio` times `need` is drawn from only with a
    written `pool_reason`. The caller holds the draw lock and invites the drawn.
    """
    pool, excluded = split_pool(req)
    if small_pool(len(pool), need, min_pool_ratio) and not pool_reason.strip():
        raise InvalidInput(f"候选库仅 {len(pool)} 人，不足所需 {need} 人的 {min_pool_ratio:g} 倍：请写明在此候选库中"
                           "抽取的理由（将记入抽取记录，供监督复核），或调整抽取条件")
    seed = secrets.token_hex(32)
    entries = [PoolEntry(c.id, c.org_id, c.age_band, c.sub_discipline) for c in pool]
    result = draw(entries, need, req.backups, seed, req.max_per_org)
    record = DrawRecord(
        request_id=req.id, parent_id=previous.id if previous else None, kind=kind, reason=reason.strip(),
        conditions=json.dumps(_conditions(req), ensure_ascii=False),
        pool=json.dumps(sorted(entries)),  # [id, org_id, age_band, sub_discipline] each, by id (ids are unique)
        pool_size=len(entries), pool_digest=pool_digest(e.id for e in entries),
        exclusion_counts=json.dumps({k: len(v) for k, v in excluded.items()}),
        excluded_ids=json.dumps(excluded), seed=seed, algorithm_version=ALGORITHM_VERSION,
        need=need, backups=req.backups, max_per_org=req.max_per_org,
        selected=json.dumps(result.selected), backup_ids=json.dumps(result.backups), operator_id=user.id,
        pool_reason=pool_reason.strip() if small_pool(len(pool), need, min_pool_ratio) else "",
        duties_separated=duties_separated)
    db.session.add(record)
    db.session.flush()
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
    logged = draw_audit_entries().get(record.id)
    if logged is None:
        return Verdict(record.id, False, "审计日志中没有这次抽取（记录不是经系统抽取产生的）")
    if not _same_as_logged(record, logged[1]):
        return Verdict(record.id, False, f"与审计日志第 {logged[0]} 条记载的种子、候选库摘要或抽取结果不一致")
    return Verdict(record.id, True, "复核一致（含审计日志）")


DRAW_ACTIONS = ("draw_initial", "draw_supplement")


def draw_audit_entries() -> dict[int, tuple[int, dict]]:
    """Every draw the audit log records: record id → (the entry's sequence number, its details)."""
    rows = db.session.execute(select(AuditEntry.seq, AuditEntry.object_id, AuditEntry.detail)
                              .where(AuditEntry.action.in_(DRAW_ACTIONS)))
    return {int(object_id): (seq, json.loads(detail)) for seq, object_id, detail in rows if object_id.isdigit()}


def _same_as_logged(record: DrawRecord, logged: dict) -> bool:
    return (logged.get("seed") == record.seed and logged.get("pool_digest") == record.pool_digest
            and logged.get("selected") == record.ids("selected") and logged.get("backups") == record.ids("backup_ids"))


def unrecorded_draws() -> list[str]:
    """Draws the audit log records but whose record is gone (deleted to redo a draw, §17)."""
    kept = set(db.session.scalars(select(DrawRecord.id)))
    return [f"审计日志第 {seq} 条记载的抽取记录 #{record_id} 已不存在（抽取记录被删除）"
            for record_id, (seq, _detail) in sorted(draw_audit_entries().items()) if record_id not in kept]
