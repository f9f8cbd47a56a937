"""Reference lists: disciplines, education, degrees, unit types, districts, departments."""
from __future__ import annotations

from sqlalchemy import select

from models import Discipline, ManagingDepartment, ReferenceItem, db
from seed.disciplines import DISCIPLINES

# (kind, code, name), in display order within each kind.
REFERENCE_ITEMS = [
    ("education", "doctoral", "博士研究生"),
    ("education", "master", "硕士研究生"),
    ("education", "bachelor", "大学本科"),
    ("education", "college", "大学专科"),
    ("education", "secondary", "中专及以下"),
    ("degree", "doctor", "博士"),
    ("degree", "master", "硕士"),
    ("degree", "bachelor", "学士"),
    ("degree", "none", "无"),
    ("unit_type", "university", "高等院校"),
    ("unit_type", "institute", "科研院所"),
    ("unit_type", "hospital", "医疗卫生机构"),
    ("unit_type", "enterprise", "企业"),
    ("unit_type", "government", "机关事业单位"),
    ("unit_type", "intermediary", "科技中介服务机构"),
    ("unit_type", "association", "社会团体"),
    ("unit_type", "other", "其他"),
    ("district", "yuecheng", "越城区"),
    ("district", "keqiao", "柯桥区"),
    ("district", "shangyu", "上虞区"),
    ("district", "zhuji", "诸暨市"),
    ("district", "shengzhou", "嵊州市"),
    ("district", "xinchang", "新昌县"),
]

# (name, kind): the district bureaus, city departments and universities that review.
DEPARTMENTS = [
    ("越城区科技局", "district"),
    ("柯桥区科技局", "district"),
    ("上虞区科技局", "district"),
    ("诸暨市科技局", "district"),
    ("嵊州市科技局", "district"),
    ("新昌县科技局", "district"),
    ("绍兴市经济和信息化局", "city"),
    ("绍兴市卫生健康委员会", "city"),
    ("绍兴市农业农村局", "city"),
    ("绍兴市财政局", "city"),
    ("绍兴市住房和城乡建设局", "city"),
    ("绍兴文理学院", "university"),
    ("浙江越秀外国语学院", "university"),
    ("绍兴职业技术学院", "university"),
]

# Shaoxing's administrative division codes, for ID and credit code generation.
DISTRICT_REGION_CODES = {
    "yuecheng": "330602", "keqiao": "330603", "shangyu": "330604",
    "zhuji": "330681", "shengzhou": "330683", "xinchang": "330624",
}


def load_reference() -> dict[str, int]:
    """Insert what is missing; leave what is there (the bureau may have renamed it)."""
    added = {"代码表": 0, "学科": 0, "归口管理部门": 0}
    existing = {(r.kind, r.code) for r in db.session.scalars(select(ReferenceItem))}
    for order, (kind, code, name) in enumerate(REFERENCE_ITEMS):
        if (kind, code) not in existing:
            db.session.add(ReferenceItem(kind=kind, code=code, name=name, sort_order=order))
            added["代码表"] += 1

    by_code = {d.code: d for d in db.session.scalars(select(Discipline))}
    for code, name, parent_code in DISCIPLINES:
        if code not in by_code:
            item = Discipline(code=code, name=name, parent=by_code.get(parent_code))
            db.session.add(item)
            by_code[code] = item
            added["学科"] += 1

    names = set(db.session.scalars(select(ManagingDepartment.name)))
    for name, kind in DEPARTMENTS:
        if name not in names:
            db.session.add(ManagingDepartment(name=name, kind=kind))
            added["归口管理部门"] += 1
    db.session.flush()
    if any(added.values()):
        from operations import audit

        audit.record("seed_reference", username="system", **added)
    return added
