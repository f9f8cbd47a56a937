"""Benchmark-scale data: N experts in realistic organizations, inserted in bulk."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from models import Discipline, Expert, ManagingDepartment, Organization, ReferenceItem, db, utcnow
from models.encrypted import lookup_hash
from rules.credit_code import CHARSET, credit_code_check_char
from rules.idcard import resident_id_check_char
from seed.demo import GIVEN, SURNAMES
from seed.reference import DISTRICT_REGION_CODES

BATCH = 5000
# Status mix of a mature library: mostly admitted, some in every other state.
STATUS_WEIGHTS = {"admitted": 80, "dormant": 5, "exited": 3, "pending_unit": 3, "pending_dept": 2,
                  "pending_bureau": 2, "publicizing": 1, "draft": 2, "returned": 1, "rejected": 1}


def load_scale(experts: int, seed: int = 13745) -> dict[str, int]:
    """Add `experts` experts (and one organization per ~25 of them); returns what was added."""
    rng = random.Random(seed)
    start = db.session.scalar(select(func.count(Expert.id))) or 0
    districts = list(db.session.scalars(select(ReferenceItem).where(ReferenceItem.kind == "district")))
    unit_types = list(db.session.scalars(select(ReferenceItem).where(ReferenceItem.kind == "unit_type")))
    departments = list(db.session.scalars(select(ManagingDepartment)))
    second = list(db.session.scalars(select(Discipline.id).where(Discipline.parent_id.is_not(None))))
    n_orgs = max(1, experts // 25)
    org_rows = []
    for i in range(n_orgs):
        district = rng.choice(districts)
        region = DISTRICT_REGION_CODES[district.code]
        body = "91" + region + "".join(rng.choice(CHARSET) for _ in range(9))
        org_rows.append(dict(name=f"规模测试单位{start + i:06d}", credit_code=body + credit_code_check_char(body),
                             unit_type_id=rng.choice(unit_types).id, district_id=district.id, address="",
                             in_shaoxing=rng.random() < 0.9, department_id=rng.choice(departments).id,
                             verified=True))
    seen = set(db.session.scalars(select(Organization.credit_code)))
    org_rows = [r for r in org_rows if r["credit_code"] not in seen and not seen.add(r["credit_code"])]
    db.session.execute(insert(Organization), org_rows)
    org_ids = list(db.session.scalars(select(Organization.id).where(Organization.name.like("规模测试单位%"))))
    statuses, weights = zip(*STATUS_WEIGHTS.items())
    base = date(1958, 1, 1)
    now = utcnow()
    rows = []
    for n in range(start, start + experts):
        birth = base + timedelta(days=(n // 900) % 12000)  # (birth day, sequence) is unique per n
        body = f"330602{birth:%Y%m%d}{n % 900 + 100:03d}"
        status = rng.choices(statuses, weights)[0]
        number = body + resident_id_check_char(body)
        rows.append(dict(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN), id_type="resident",
            id_number=number, id_number_hash=lookup_hash(number), birth_month=birth.replace(day=1), birth_date=birth,
            sex="M" if int(body[16]) % 2 else "F", title_level=rng.choice(["senior", "associate", "associate", "intermediate"]),
            mobile=f"139{n:08d}"[-11:], email=f"scale{n}@example.cn", organization_id=rng.choice(org_ids),
            expert_type="financial" if rng.random() < 0.1 else "technical", basic_condition_declared=True,
            years_in_field=rng.randint(5, 35), primary_discipline_id=rng.choice(second), status=status,
            admission_route="open", admitted_on=date.today() - timedelta(days=rng.randint(30, 1500))
            if status in ("admitted", "dormant", "exited") else None, created_at=now, updated_at=now))
        if len(rows) == BATCH:
            db.session.execute(insert(Expert), rows)
            rows = []
    if rows:
        db.session.execute(insert(Expert), rows)
    return {"单位": len(org_rows), "专家": experts}
