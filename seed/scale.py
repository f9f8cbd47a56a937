"""Benchmark-scale data: a province-sized library, inserted in bulk.

N experts in N/25 organizations, at every status with the timeline that led there, a login
account each (last logins spread so the activity clock is in its steady state), personal
avoidances and leaves; and N/100 draw requests of the last 18 months and the next two, each
with project members, declared avoidances, a real draw record (replayable: ``draws verify``
passes on it) and invitations answered, attended and rated as the date implies.

Rows are written with explicit ids in batches (no ORM unit of work): 100,000 experts take
about a minute. Scale accounts share the demo password so the load test can sign in; never
load this into a production database.
"""
from __future__ import annotations

import json
import random
import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from models import (Discipline, DrawRecord, DrawRequest, Expert, ExpertAvoidance, ExpertEvent, ExpertExit,
                    ExpertLeave, Invitation, ManagingDepartment, Organization, ProjectMember, ReferenceItem,
                    RequestAvoidance, User, db, utcnow)
from models.encrypted import lookup_hash
from models.experts import expert_secondary_discipline
from operations.draws import PoolEntry
from rules.conflicts import age_band_on
from rules.credit_code import CHARSET, credit_code_check_char
from rules.draw import ALGORITHM_VERSION, draw, pool_digest
from rules.idcard import resident_id_check_char
from seed.demo import DEMO_PASSWORD, GIVEN, SURNAMES
from seed.reference import DISTRICT_REGION_CODES

BATCH = 5000
PREFIX = "规模测试单位"
# Status mix of a mature library: mostly admitted, some in every other state.
STATUS_WEIGHTS = {"admitted": 80, "dormant": 5, "exited": 3, "pending_unit": 3, "pending_dept": 2,
                  "pending_bureau": 2, "publicizing": 1, "draft": 2, "returned": 1, "rejected": 1}
# The timeline each status implies: (action, from, to, actor).
PATHS = {
    "draft": [],
    "pending_unit": [("submit", "draft", "pending_unit", "expert")],
    "pending_dept": [("submit", "draft", "pending_unit", "expert"), ("endorse", "pending_unit", "pending_dept", "unit")],
    "pending_bureau": [("submit", "draft", "pending_unit", "expert"),
                       ("endorse", "pending_unit", "pending_dept", "unit"),
                       ("endorse", "pending_dept", "pending_bureau", "dept")],
    "returned": [("submit", "draft", "pending_unit", "expert"), ("return", "pending_unit", "returned", "unit")],
    "rejected": [("submit", "draft", "pending_unit", "expert"), ("endorse", "pending_unit", "pending_dept", "unit"),
                 ("endorse", "pending_dept", "pending_bureau", "dept"),
                 ("reject", "pending_bureau", "rejected", "bureau")],
}
PATHS["publicizing"] = PATHS["pending_bureau"] + [("publicize", "pending_bureau", "publicizing", "bureau")]
PATHS["admitted"] = PATHS["publicizing"] + [("admit", "publicizing", "admitted", "system")]
PATHS["dormant"] = PATHS["admitted"] + [("dormant", "admitted", "dormant", "system")]
PATHS["exited"] = PATHS["admitted"] + [("exit", "admitted", "exited", "bureau")]
REASONS = {"return": "请补充职称证书扫描件", "reject": "近五年无相关领域业绩", "dormant": "超过一年未登录，进入休眠",
           "exit": "本人书面申请不再担任专家"}


def _next_ids(*models) -> dict:
    return {m: (db.session.scalar(select(func.max(m.id))) or 0) + 1 for m in models}


def _insert(model_or_table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        db.session.execute(insert(model_or_table), rows[i:i + BATCH])


def _fix_sequences(*models) -> None:
    """Rows went in with explicit ids: move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for m in models:
        table = m.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def load_scale(experts: int, seed: int = 13745, today: date | None = None) -> dict[str, int]:
    """Add `experts` experts with their organizations, accounts, history and draws; returns the counts."""
    rng = random.Random(seed)
    today = today or date.today()
    now = utcnow()
    ids = _next_ids(Organization, User, Expert, ExpertEvent, ExpertExit, ExpertAvoidance, ExpertLeave, DrawRequest,
                    ProjectMember, RequestAvoidance, DrawRecord, Invitation)
    start = ids[Expert] - 1
    districts = list(db.session.scalars(select(ReferenceItem).where(ReferenceItem.kind == "district")))
    unit_types = list(db.session.scalars(select(ReferenceItem).where(ReferenceItem.kind == "unit_type")))
    departments = list(db.session.scalars(select(ManagingDepartment)))
    second = db.session.execute(select(Discipline.id, Discipline.code).where(Discipline.parent_id.is_not(None))).all()
    password_hash = generate_password_hash(DEMO_PASSWORD)

    # Organizations, each with a reviewer account; one in forty also requests draws.
    orgs, users = [], []
    seen = set(db.session.scalars(select(Organization.credit_code)))
    for i in range(max(1, experts // 25)):
        district = rng.choice(districts)
        body = "91" + DISTRICT_REGION_CODES[district.code] + "".join(rng.choice(CHARSET) for _ in range(9))
        code = body + credit_code_check_char(body)
        if code in seen:
            continue
        seen.add(code)
        org_id = ids[Organization] + len(orgs)
        orgs.append(dict(id=org_id, name=f"{PREFIX}{org_id:06d}", credit_code=code,
                         unit_type_id=rng.choice(unit_types).id, district_id=district.id, address="",
                         in_shaoxing=rng.random() < 0.9, department_id=rng.choice(departments).id, verified=True))
        for role in ("unit", "usage") if i % 40 == 0 else ("unit",):
            users.append(dict(id=ids[User] + len(users), username=f"s{role}{org_id}", name=f"{role}{org_id}",
                              role=role, organization_id=org_id, password_hash=password_hash,
                              session_token=secrets.token_hex(16), created_at=now))
    _insert(Organization, orgs)
    usage_users = [u for u in users if u["role"] == "usage"]

    statuses, weights = zip(*STATUS_WEIGHTS.items())
    base = date(1962, 1, 1)
    rows, events, exits, avoid, leaves, secondary = [], [], [], [], [], []
    admitted_by_code = defaultdict(list)  # second-level code -> [(id, org_id, birth)]
    for n in range(start, start + experts):
        expert_id = n + 1
        birth = base + timedelta(days=n % 12000)  # ages 31 to 64; (birth day, sequence) is unique per n
        body = f"330602{birth:%Y%m%d}{n // 12000 % 900 + 100:03d}"
        status = rng.choices(statuses, weights)[0]
        number = body + resident_id_check_char(body)
        registered = now - timedelta(days=rng.randint(40, 1500))
        admitted_on = last_login = None
        if status in ("admitted", "exited"):
            admitted_on = (registered + timedelta(days=30)).date()
            last_login = now - timedelta(days=rng.randint(0, 360), minutes=rng.randint(0, 1440))
        elif status == "dormant":
            admitted_on = min((registered + timedelta(days=30)).date(), today - timedelta(days=400))
            last_login = datetime.combine(today - timedelta(days=rng.randint(370, 720)), datetime.min.time())
            registered = min(registered, last_login - timedelta(days=40))
        else:
            last_login = registered + timedelta(days=rng.randint(0, 30))
        user_id = ids[User] + len(users)
        users.append(dict(id=user_id, username=f"scale{expert_id}", name=f"专家{expert_id}", role="expert",
                          email=f"scale{expert_id}@example.cn", password_hash=password_hash, last_login_at=last_login, session_token=secrets.token_hex(16),
                          created_at=registered))
        org = rng.choice(orgs)
        discipline_id, code = rng.choice(second)
        rows.append(dict(
            id=expert_id, user_id=user_id, name=rng.choice(SURNAMES) + rng.choice(GIVEN), id_type="resident",
            id_number=number, id_number_hash=lookup_hash(number), birth_month=birth.replace(day=1), birth_date=birth,
            sex="M" if int(body[16]) % 2 else "F",
            title_level=rng.choice(["senior", "associate", "associate", "intermediate"]),
            mobile=f"139{n:08d}"[-11:], email=f"scale{expert_id}@example.cn", organization_id=org["id"],
            expert_type="financial" if rng.random() < 0.1 else "technical", basic_condition_declared=True,
            years_in_field=rng.randint(5, 35), primary_discipline_id=discipline_id, status=status,
            research_keywords=f"{code} 方向研究", admission_route="open", admitted_on=admitted_on,
            created_at=registered, updated_at=registered))
        if rng.random() < 0.5:
            other_id, _ = rng.choice(second)
            if other_id != discipline_id:
                secondary.append(dict(expert_id=expert_id, discipline_id=other_id))
        at = registered
        for action, old, new, actor in PATHS[status]:
            at += timedelta(days=rng.randint(1, 6))
            events.append(dict(id=ids[ExpertEvent] + len(events), expert_id=expert_id, at=at, action=action,
                               actor_label={"expert": "专家本人", "unit": "推荐单位", "dept": "归口部门",
                                            "bureau": "市科技局", "system": "系统"}[actor],
                               from_status=old, to_status=new, reason=REASONS.get(action, "")))
        if status == "exited":
            exits.append(dict(id=ids[ExpertExit] + len(exits), expert_id=expert_id, reason="own_request",
                              evidence="本人书面申请", reapply_allowed=True, at=at))
        if status == "admitted":
            admitted_by_code[code].append((expert_id, org["id"], birth))
            if rng.random() < 0.02:
                other = rng.choice(orgs)
                avoid.append(dict(id=ids[ExpertAvoidance] + len(avoid), expert_id=expert_id, kind="unit",
                                  name=other["name"], credit_code=other["credit_code"], reason="配偶工作单位"))
            if rng.random() < 0.01:
                begin = today + timedelta(days=rng.randint(-30, 60))
                leaves.append(dict(id=ids[ExpertLeave] + len(leaves), expert_id=expert_id, start_date=begin,
                                   end_date=begin + timedelta(days=rng.randint(3, 60)), reason="出国访学"))
    _insert(User, users)
    _insert(Expert, rows)
    for model, batch in ((expert_secondary_discipline, secondary), (ExpertEvent, events), (ExpertExit, exits),
                         (ExpertAvoidance, avoid), (ExpertLeave, leaves)):
        _insert(model, batch)
    made = _load_draws(rng, experts // 100, orgs, usage_users, admitted_by_code, ids, now)
    _fix_sequences(Organization, User, Expert, ExpertEvent, ExpertExit, ExpertAvoidance, ExpertLeave, DrawRequest,
                   ProjectMember, RequestAvoidance, DrawRecord, Invitation)
    return {"单位": len(orgs), "账号": len(users), "专家": experts, "履历": len(events), **made}


def _load_draws(rng, count, orgs, usage_users, admitted_by_code, ids, now) -> dict[str, int]:
    """Draw requests over the last 18 months and the next two, with records that replay."""
    if not usage_users:
        return {"抽取申请": 0}
    codes = sorted(admitted_by_code)
    requests, members, avoidances, records, invitations = [], [], [], [], []
    for r in range(count):
        request_id, usage = ids[DrawRequest] + r, rng.choice(usage_users)
        start_at = (now + timedelta(days=rng.randint(-540, 60))).replace(hour=9, minute=0, second=0, microsecond=0)
        chosen = rng.sample(codes, k=min(len(codes), rng.choice([1, 2, 2, 3])))
        need, backups = rng.randint(5, 9), rng.randint(2, 3)
        past = start_at < now
        status = "closed" if past else rng.choice(["drawn", "drawn", "released", "approved", "submitted"])
        requests.append(dict(id=request_id, organization_id=usage["organization_id"], created_by_id=usage["id"],
                             title=f"{start_at:%Y年%m月}项目评审{request_id}", activity_type="review",
                             start_at=start_at, end_at=start_at + timedelta(hours=8), place="市科技局会议室",
                             need=need, backups=backups, max_per_org=1, response_hours=48,
                             discipline_codes=",".join(chosen), status=status, decided_at=start_at - timedelta(days=20),
                             created_at=start_at - timedelta(days=25),
                             released_at=start_at - timedelta(days=7) if status in ("closed", "released") else None))
        conflicted = {usage["organization_id"]}
        for p in range(5):
            org = rng.choice(orgs)
            conflicted.add(org["id"])
            members.append(dict(id=ids[ProjectMember] + len(members), request_id=request_id, project=f"项目{p + 1}",
                                name=rng.choice(SURNAMES) + rng.choice(GIVEN), is_leader=True, unit_name=org["name"],
                                credit_code=org["credit_code"]))
        org = rng.choice(orgs)
        conflicted.add(org["id"])
        avoidances.append(dict(id=ids[RequestAvoidance] + len(avoidances), request_id=request_id, kind="unit",
                               name=org["name"], credit_code=org["credit_code"], reason="存在竞争关系"))
        if status in ("approved", "submitted"):
            continue
        day = start_at.date()
        pool = [PoolEntry(i, o, age_band_on(b, day), code)
                for code in chosen for i, o, b in admitted_by_code[code] if o not in conflicted]
        seed = secrets.token_hex(32)
        result = draw(pool, need, backups, seed, 1)
        record_id = ids[DrawRecord] + len(records)
        records.append(dict(
            id=record_id, request_id=request_id, kind="initial", reason="",
            conditions=json.dumps({"disciplines": chosen, "expert_type": "", "min_title": "associate"}),
            pool=json.dumps([[e.id, e.org_id, e.age_band, e.sub_discipline] for e in sorted(pool, key=lambda e: e.id)]),
            pool_size=len(pool), pool_digest=pool_digest(e.id for e in pool), exclusion_counts="{}",
            excluded_ids="{}", seed=seed, algorithm_version=ALGORITHM_VERSION, need=need, backups=backups,
            max_per_org=1, selected=json.dumps(result.selected), backup_ids=json.dumps(result.backups),
            created_at=start_at - timedelta(days=14)))
        # Past activities were answered long ago; open ones were invited in the last day.
        invited_at = start_at - timedelta(days=14) if past else now - timedelta(hours=rng.randint(1, 20))
        declined = 0
        for position, expert_id in enumerate(result.selected + result.backups, start=1):
            is_backup = position > len(result.selected)
            row = dict(id=ids[Invitation] + len(invitations), request_id=request_id, record_id=record_id,
                       expert_id=expert_id, position=position, role="backup" if is_backup else "selected",
                       status="waiting")
            if not is_backup or declined > 0:
                declined -= is_backup
                answer = rng.random()
                row.update(invited_at=invited_at, deadline=min(invited_at + timedelta(hours=48), start_at))
                if not past and answer < 0.3:
                    row["status"] = "invited"
                elif answer < 0.9:
                    row.update(status="accepted", responded_at=invited_at + timedelta(hours=rng.randint(1, 40)))
                    if past:
                        row.update(attendance="attended", rating=rng.choice([3, 4, 4, 5, 5]), fee=Decimal("1500.00"))
                else:
                    row.update(status="declined", decline_reason="时间冲突",
                               responded_at=invited_at + timedelta(hours=rng.randint(1, 40)))
                    declined += 1
            invitations.append(row)
    _insert(DrawRequest, requests)
    _insert(ProjectMember, members)
    _insert(RequestAvoidance, avoidances)
    _insert(DrawRecord, records)
    _insert(Invitation, invitations)
    # Each draw has its audit entry, as a draw made through the app does (draws verify checks both ways).
    from operations import audit

    for record in records:
        audit.record("draw_initial", SimpleNamespace(id=record["id"]), object_type="DrawRecord", username="seed",
                     request_id=record["request_id"], pool_size=record["pool_size"], pool_digest=record["pool_digest"],
                     seed=record["seed"], selected=json.loads(record["selected"]),
                     backups=json.loads(record["backup_ids"]), exclusions={}, reason="")
    return {"抽取申请": len(requests), "抽取记录": len(records), "邀请": len(invitations)}

