"""Demo data: realistic organizations, the seven demo accounts and ~200 experts in every status.

Deterministic (a fixed random seed) and idempotent: rows are keyed by credit code, user
name and ID number, and only missing ones are inserted.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from models import (College, Discipline, Expert, ManagingDepartment, Organization,
                    ReferenceItem, User, db, utcnow)
from models.encrypted import lookup_hash
from rules.credit_code import CHARSET, credit_code_check_char
from rules.idcard import resident_id_check_char
from seed.reference import DISTRICT_REGION_CODES

DEMO_PASSWORD = "Demo@2026"
HANGZHOU = "330106"
# Birth dates count back from a fixed day so that ID numbers (the experts' keys) never change.
ANCHOR = date(2026, 11, 28)


@dataclass(frozen=True)
class OrgSpec:
    name: str
    unit_type: str
    district: str | None  # None: outside Shaoxing
    department: str | None
    disciplines: tuple[str, ...]  # first-level codes its experts work in
    colleges: tuple[str, ...] = ()
    kind: str = "9"  # first character of the credit code: 9 enterprises, 1 public bodies


ORGS = [
    OrgSpec("绍兴文理学院", "university", "yuecheng", "绍兴文理学院",
            ("320", "530", "460", "520", "630", "540", "560"),
            ("医学院", "化学化工学院", "机械与电气工程学院", "计算机科学与工程学院",
             "经济与管理学院", "纺织科学与工程学院", "土木工程学院"), kind="1"),
    OrgSpec("绍兴职业技术学院", "university", "yuecheng", "绍兴职业技术学院",
            ("460", "520", "560"), ("机电工程学院", "信息工程学院", "建筑工程学院"), kind="1"),
    OrgSpec("绍兴市人民医院", "hospital", "yuecheng", "绍兴市卫生健康委员会", ("320", "330", "350"), kind="1"),
    OrgSpec("绍兴市中医院", "hospital", "yuecheng", "绍兴市卫生健康委员会", ("360", "320"), kind="1"),
    OrgSpec("诸暨市人民医院", "hospital", "zhuji", "诸暨市科技局", ("320", "310"), kind="1"),
    OrgSpec("绍兴市农业科学研究院", "institute", "yuecheng", "绍兴市农业农村局", ("210", "220", "230", "240"), kind="1"),
    OrgSpec("绍兴越州纺织科技有限公司", "enterprise", "keqiao", "柯桥区科技局", ("540", "530")),
    OrgSpec("浙江柯岩印染集团有限公司", "enterprise", "keqiao", "柯桥区科技局", ("540", "610")),
    OrgSpec("绍兴鉴湖新材料股份有限公司", "enterprise", "keqiao", "柯桥区科技局", ("430", "530")),
    OrgSpec("浙江会稽机电股份有限公司", "enterprise", "shangyu", "上虞区科技局", ("460", "470")),
    OrgSpec("上虞曹娥精细化工有限公司", "enterprise", "shangyu", "上虞区科技局", ("530", "150")),
    OrgSpec("诸暨暨阳环保科技有限公司", "enterprise", "zhuji", "诸暨市科技局", ("610", "570")),
    OrgSpec("浙江浣江五金制造有限公司", "enterprise", "zhuji", "诸暨市科技局", ("460", "450")),
    OrgSpec("嵊州剡溪电器有限公司", "enterprise", "shengzhou", "嵊州市科技局", ("470", "510")),
    OrgSpec("新昌天姥制药有限公司", "enterprise", "xinchang", "新昌县科技局", ("350", "530")),
    OrgSpec("新昌沃洲轴承有限公司", "enterprise", "xinchang", "新昌县科技局", ("460",)),
    OrgSpec("绍兴古越软件有限公司", "enterprise", "yuecheng", "越城区科技局", ("520", "510")),
    OrgSpec("绍兴市建筑设计研究院有限公司", "enterprise", "yuecheng", "绍兴市住房和城乡建设局", ("560", "570")),
    OrgSpec("绍兴安信会计师事务所有限公司", "intermediary", "yuecheng", "绍兴市财政局", ("790", "630")),
    OrgSpec("绍兴市工程咨询有限公司", "intermediary", "yuecheng", None, ("630", "560")),
    OrgSpec("浙江大学", "university", None, None, ("520", "320", "460", "530"),
            ("计算机科学与技术学院", "医学院", "机械工程学院", "化学工程与生物工程学院"), kind="1"),
    OrgSpec("绍兴市科技信息研究院", "institute", "yuecheng", None, ("630", "870"), kind="1"),
]

USAGE_ORG = "绍兴市科技信息研究院"

# username: (name, role, organization, department)
DEMO_ACCOUNTS = {
    "bureau": ("张楚奇", "bureau", None, None),
    # A second bureau account: the one who approves a draw request may not also draw it (separation of duties).
    "bureau2": ("李文静", "bureau", None, None),
    "dept": ("柯桥区科技局审核员", "dept", None, "柯桥区科技局"),
    "unit": ("越州纺织审核员", "unit", "绍兴越州纺织科技有限公司", None),
    "expert": ("王建国", "expert", None, None),
    "usage": ("钱纪明", "usage", USAGE_ORG, None),
    "leader": ("局领导", "leader", None, None),
    "supervisor": ("纪检监督员", "supervisor", None, None),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀英", "华", "慧", "建华", "志强", "海燕", "国平", "晓东", "文杰", "立新", "红梅",
         "建平", "永康", "卫东", "春华", "晓峰", "雪梅", "宏伟", "子涵", "浩然", "一鸣", "思远", "嘉怡"]
# Given names a reader takes for a man's or a woman's: the name drawn is swapped for one of the expert's sex.
GIVEN_BY_SEX = {"M": ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "建华", "志强", "国平", "晓东",
                      "文杰", "立新", "建平", "永康", "卫东", "晓峰", "宏伟", "浩然", "一鸣", "思远"],
                "F": ["芳", "娜", "敏", "静", "丽", "艳", "娟", "秀英", "华", "慧", "海燕", "红梅", "春华",
                      "雪梅", "子涵", "嘉怡"]}
# What titles and posts a unit of each type has (no 主任医师 at a textile firm).
TITLES_BY_UNIT = {
    "university": {"senior": ["教授", "研究员"], "associate": ["副教授", "副研究员"], "intermediate": ["讲师"]},
    "hospital": {"senior": ["主任医师"], "associate": ["副主任医师"], "intermediate": ["主治医师"]},
    "institute": {"senior": ["研究员", "正高级工程师"], "associate": ["副研究员", "高级工程师"],
                  "intermediate": ["助理研究员", "工程师"]},
    "intermediary": {"senior": ["正高级会计师", "正高级工程师"], "associate": ["高级会计师", "高级工程师"],
                     "intermediate": ["会计师", "工程师"]},
}
TITLES_ELSEWHERE = {"senior": ["正高级工程师"], "associate": ["高级工程师"], "intermediate": ["工程师"]}
POSTS_BY_UNIT = {"university": ["院长", "系主任", "学科带头人", ""], "hospital": ["科室主任", "副院长", ""],
                 "institute": ["所长", "研究室主任", "首席专家", ""],
                 "intermediary": ["总经理", "技术总监", "财务总监", ""]}
POSTS_ELSEWHERE = ["总工程师", "技术总监", "研发中心主任", ""]
# The degree a person with each education usually holds.
DEGREE_OF = {"doctoral": "doctor", "master": "master", "bachelor": "bachelor"}


def _fitting(options: list[str], drawn: str, pool: list[str]) -> str:
    """`drawn` if it fits, else the fitting option in the same place: the random sequence stays as it was,
    so every later value (and so every demo key) is unchanged."""
    return drawn if drawn in options else options[pool.index(drawn) % len(options)] if options else drawn


POSITIONS = ["教授", "主任医师", "总工程师", "研究员", "副院长", "技术总监", "高级工程师", "科室主任",
             "副教授", "副主任医师", "财务总监", "高级会计师", ""]
TITLES = {"senior": ["教授", "主任医师", "研究员", "正高级工程师", "正高级会计师"],
          "associate": ["副教授", "副主任医师", "副研究员", "高级工程师", "高级会计师"],
          "intermediate": ["讲师", "主治医师", "工程师", "会计师"],
          "junior": ["助理工程师"], "none": [""]}
BANKS = ["中国工商银行绍兴分行", "中国农业银行绍兴分行", "中国银行绍兴分行", "中国建设银行绍兴分行",
         "绍兴银行", "浙江绍兴瑞丰农村商业银行"]
KEYWORDS = {"320": "心血管疾病；微创外科；临床诊疗", "540": "功能纺织品；印染工艺；纤维材料",
            "530": "精细化工；催化；分离工程", "460": "机械设计；智能制造；数控技术",
            "520": "人工智能；软件工程；数据安全", "630": "科技管理；项目评估；绩效评价",
            "790": "财务审计；成本核算；财政资金绩效"}

# Statuses and how many demo experts hold each; the demo unit and department get some of each pending step.
STATUS_PLAN = [("admitted", 120), ("draft", 8), ("pending_unit", 12), ("pending_dept", 10),
               ("pending_bureau", 12), ("returned", 6), ("rejected", 4), ("publicizing", 10),
               ("invited", 3), ("dormant", 8), ("exited", 7)]


def _credit_code(rng: random.Random, kind: str, region: str) -> str:
    body = kind + ("1" if kind == "9" else "2") + region + "".join(rng.choice(CHARSET) for _ in range(9))
    return body + credit_code_check_char(body)


def _resident_id(rng: random.Random, region: str, birth: date, sex: str) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if sex == "M" else 0)
    body = f"{region}{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"[:17]
    return body + resident_id_check_char(body)


def _active_days_ago(n: int, drawn: int, status: str) -> int:
    """How long ago a demo expert was last active (admitted, for those without an account): most within the
    year, one in forty a month short of a year (the first daily job marks nobody dormant at once), the
    dormant ones between one and two years — a few of them a month short of two (nobody exits at once)."""
    if status == "dormant":
        return 705 + drawn % 20 if n % 4 == 0 else 400 + drawn % 300
    if n % 40 == 1:
        return 340 + drawn % 20
    return 30 + drawn % 300


def _ref(kind: str) -> dict[str, ReferenceItem]:
    return {r.code: r for r in db.session.scalars(select(ReferenceItem).where(ReferenceItem.kind == kind))}


def load_demo() -> str:
    """Insert the demo organizations, accounts and experts that are missing."""
    rng = random.Random(20261128)
    unit_types, districts = _ref("unit_type"), _ref("district")
    educations, degrees = _ref("education"), _ref("degree")
    departments = {d.name: d for d in db.session.scalars(select(ManagingDepartment))}
    orgs = {o.credit_code: o for o in db.session.scalars(select(Organization))}
    disciplines = {d.code: d for d in db.session.scalars(select(Discipline))}
    children: dict[str, list[Discipline]] = {}
    for d in disciplines.values():
        if len(d.code) == 5:
            children.setdefault(d.code[:3], []).append(d)
    added = {"单位": 0, "账号": 0, "专家": 0}

    by_name: dict[str, Organization] = {}
    for spec in ORGS:
        region = DISTRICT_REGION_CODES.get(spec.district or "", HANGZHOU)
        code = _credit_code(rng, spec.kind, region)
        org = orgs.get(code)
        if org is None:
            org = Organization(
                name=spec.name, credit_code=code, unit_type=unit_types[spec.unit_type],
                district=districts.get(spec.district or ""), in_shaoxing=spec.district is not None,
                department=departments.get(spec.department or ""),
                address=("浙江省杭州市" if spec.district is None else "浙江省绍兴市") + spec.name[:2] + "路1号",
                colleges=[College(name=c) for c in spec.colleges],
            )
            db.session.add(org)
            added["单位"] += 1
        by_name[spec.name] = org
    db.session.flush()

    password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash for all demo accounts: fast seeding
    users = {u.username: u for u in db.session.scalars(select(User))}
    for username, (name, role, org_name, dept_name) in DEMO_ACCOUNTS.items():
        if username not in users:
            user = User(username=username, name=name, role=role, password_hash=password_hash,
                        organization=by_name.get(org_name or ""), department=departments.get(dept_name or ""),
                        email=f"{username}@demo.sx.gov.cn")
            db.session.add(user)
            users[username] = user
            added["账号"] += 1
    db.session.flush()

    existing_ids = set(db.session.scalars(select(Expert.id_number_hash)))
    statuses = [s for s, n in STATUS_PLAN for _ in range(n)]
    # The demo unit and department must find work waiting: put some pending experts there.
    demo_unit = by_name["绍兴越州纺织科技有限公司"]
    keqiao_units = [o for o in by_name.values() if o.department and o.department.name == "柯桥区科技局"]
    today = date.today()
    for n, status in enumerate(statuses):
        if status == "pending_unit" and n % 2 == 0 or (n == 0):
            org = demo_unit
        elif status == "pending_dept" and n % 2 == 0:
            org = rng.choice(keqiao_units)
        else:
            org = rng.choice(list(by_name.values()))
        spec = next(s for s in ORGS if s.name == org.name)
        sex = rng.choice("MF")
        if n == 0:
            sex = "M"  # the demo expert is 王建国
        age = rng.randint(33, 64) if n % 17 else rng.randint(66, 72)  # a few over 65
        birth = ANCHOR - timedelta(days=age * 365 + rng.randint(0, 364))
        region = DISTRICT_REGION_CODES.get(spec.district or "", HANGZHOU)
        id_number = _resident_id(rng, region, birth, sex)
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        name = DEMO_ACCOUNTS["expert"][0] if n == 0 else surname + _fitting(GIVEN_BY_SEX[sex], given, GIVEN)
        first = rng.choice(spec.disciplines)
        primary = rng.choice(children.get(first) or [disciplines[first]])
        level = rng.choices(["senior", "associate", "intermediate"], weights=[40, 50, 10])[0]
        priority = rng.choice(["", "", "", "", "project_leader", "talent_program", "award"])
        if n % 34 == 0 and not priority:  # some of the over-65s are priority experts, the rest are flagged (§8(一))
            priority = "academician"
        expert_type = "financial" if first in ("790",) or spec.unit_type == "intermediary" and rng.random() < .5 else "technical"
        expert = Expert(
            name=name, id_type="resident", id_number=id_number,
            birth_month=birth.replace(day=1), birth_date=birth, sex=sex, title_level=level,
            position=_fitting(POSTS_BY_UNIT.get(spec.unit_type, POSTS_ELSEWHERE), rng.choice(POSITIONS), POSITIONS),
            education=educations[(education := rng.choice(["doctoral", "master", "bachelor"]))],
            degree=degrees[_fitting([DEGREE_OF[education]], rng.choice(["doctor", "master", "bachelor"]),
                                    ["doctor", "master", "bachelor"])],
            mobile=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            office_phone=f"0575-8{rng.randrange(1000000, 9999999)}",
            # Some experts have no e-mail: their invitations and warnings go by SMS or telephone.
            email="" if n % 9 == 4 else f"expert{n + 1:04d}@demo-mail.cn", bank_name=rng.choice(BANKS),
            bank_account="62" + "".join(str(rng.randrange(10)) for _ in range(17)),
            organization=org, college=rng.choice(org.colleges) if org.colleges else None,
            expert_type=expert_type, basic_condition_declared=level in ("senior", "associate"),
            years_in_field=rng.randint(3, 35), primary_discipline=primary,
            secondary_disciplines=[rng.choice(children.get(first) or [primary])] if rng.random() < .3 else [],
            priority_categories=priority, research_keywords=KEYWORDS.get(first, primary.name),
            title_name=_fitting(TITLES_BY_UNIT.get(spec.unit_type, TITLES_ELSEWHERE).get(level, []),
                                rng.choice(TITLES[level]), TITLES[level]) if TITLES[level][0] else "",
            title_issued_on=today - timedelta(days=rng.randint(400, 7000)),
            status=status,
            admission_route="invitation" if status == "invited" else "open",
            admitted_on=today - timedelta(days=_active_days_ago(n, rng.randint(30, 1200), status))
            if status in ("admitted", "dormant", "exited") else None,
            user=users["expert"] if n == 0 else None,
        )
        # Every random draw is made before this check, so the sequence (and so every key) is
        # the same on each run and existing rows are recognised.
        if lookup_hash(id_number) in existing_ids:
            continue
        if expert.user is None:  # every expert signs in with an account of their own (expert0002, …)
            expert.user = User(username=f"expert{n + 1:04d}", name=name, role="expert", email=expert.email,
                               password_hash=password_hash)
            added["账号"] += 1
        db.session.add(expert)
        existing_ids.add(lookup_hash(id_number))
        added["专家"] += 1
    db.session.flush()
    added["流程记录"] = _workflow(users, today)
    from seed.demo_draws import load_demo_draws

    added["抽取申请"] = load_demo_draws(users)
    if any(added.values()):
        from operations import audit

        audit.record("seed_demo", username="system", at=utcnow().isoformat(), **added)
    return "演示数据：" + "，".join(f"新增{k} {v}" for k, v in added.items())


RETURN_REASONS = ["职称证书扫描件不清晰，请重新上传", "单位盖章的专家信息表缺少日期，请补充后重新上传",
                  "从事本领域年限与简历不符，请核实"]


def _workflow(users: dict, today: date) -> int:
    """Timelines, a running publicity batch, an objection and change requests: work waiting for every role."""
    import json

    from models import ChangeRequest, ExpertEvent, Objection, PublicityBatch
    from rules.publicity import publicity_period

    if db.session.scalar(select(ExpertEvent.id).limit(1)) is not None:
        return 0
    bureau = users["bureau"]
    experts = db.session.scalars(select(Expert).order_by(Expert.id)).all()
    start, end = publicity_period(today - timedelta(days=3))
    batch = PublicityBatch(start_date=start, end_date=end, created_by_id=bureau.id)
    db.session.add(batch)
    db.session.flush()
    # The steps each status has been through, as (action, from, to, who).
    paths = {
        "pending_unit": [("submit", "draft", "pending_unit", "expert")],
        "pending_dept": [("submit", "draft", "pending_unit", "expert"), ("endorse", "pending_unit", "pending_dept", "unit")],
        "pending_bureau": [("submit", "draft", "pending_unit", "expert"), ("endorse", "pending_unit", "pending_dept", "unit"),
                           ("endorse", "pending_dept", "pending_bureau", "dept")],
        "returned": [("submit", "draft", "pending_unit", "expert"), ("return", "pending_unit", "returned", "unit")],
    }
    paths["publicizing"] = paths["pending_bureau"] + [("publicize", "pending_bureau", "publicizing", "bureau")]
    paths["rejected"] = paths["pending_bureau"] + [("reject", "pending_bureau", "rejected", "bureau")]
    paths["admitted"] = paths["publicizing"] + [("admit", "publicizing", "admitted", "system")]
    count = 0
    for n, expert in enumerate(experts):
        when = datetime.combine(today - timedelta(days=40), datetime.min.time()) + timedelta(hours=n % 9)
        for step, (action, old, new, who) in enumerate(paths.get(expert.status, [])):
            actor = {"expert": expert.name, "unit": "单位审核员", "dept": "归口部门审核员",
                     "bureau": bureau.name, "system": "系统（公示期满）"}[who]
            reason = RETURN_REASONS[n % 3] if action in ("return", "reject") else ""
            db.session.add(ExpertEvent(expert_id=expert.id, at=when + timedelta(days=3 * step), actor_label=actor,
                                       action=action, from_status=old, to_status=new, reason=reason))
            count += 1
        if expert.status == "publicizing":
            expert.publicity_batch_id = batch.id
    # One application came back from publicity: the bureau upheld an objection and weighs it again.
    objected = next(e for e in experts if e.status == "pending_bureau")
    objected.publicity_batch_id = batch.id
    said = "该专家近三年有项目验收未通过的情况，请核实。"
    db.session.add(Objection(expert_id=objected.id, batch_id=batch.id, name="李明", contact="13857500000",
                             text=said, status="upheld", decided_by_id=bureau.id, decided_at=utcnow(),
                             decision_reason="经初步核实属实，退回重新审核。"))
    db.session.add(ExpertEvent(expert_id=objected.id, at=utcnow(), actor_label=bureau.name, action="object",
                               from_status="publicizing", to_status="pending_bureau",
                               reason=f"公示异议成立（李明）：{said}；处理意见：经初步核实属实，退回重新审核。"))
    # Another objection, against an expert still in publicity, waits for the bureau's decision.
    in_publicity = next((e for e in experts if e.status == "publicizing"), None)
    if in_publicity is not None:
        db.session.add(Objection(expert_id=in_publicity.id, batch_id=batch.id, name="王芳",
                                 contact="wangfang@example.com",
                                 text="该专家填报的代表性成果与实际不符，请核实。"))
    # Change requests waiting at the demo unit and at the bureau, and one at a unit with no reviewer
    # account of its own (the bureau stands in for it: rules §7, notice §2.1.3).
    unit_org = users["unit"].organization_id
    admitted_here = [e for e in experts if e.status == "admitted" and e.organization_id == unit_org]
    no_reviewer = [e for e in experts if e.status == "admitted" and e.organization_id != unit_org
                   and e.organization and e.organization.department and e.organization.department.name == "柯桥区科技局"]
    for expert, status in zip(admitted_here[:2] + no_reviewer[:1], ["pending_unit", "pending_bureau", "pending_unit"]):
        db.session.add(ChangeRequest(expert_id=expert.id, organization_id=expert.organization_id, status=status,
                                     changes=json.dumps({"position": [expert.position, "研发中心主任"],
                                                         "office_phone": [expert.office_phone, "0575-85123456"]},
                                                        ensure_ascii=False)))
    # An expert's written request to leave (§8(二)), waiting for the bureau.
    from models import ExitRequest

    leaving = next(e for e in reversed(experts) if e.status == "admitted" and e.organization_id != unit_org)
    db.session.add(ExitRequest(expert_id=leaving.id, reason="已退休，不再从事相关专业工作。", created_at=utcnow()))
    db.session.add(ExpertEvent(expert_id=leaving.id, at=utcnow(), actor_label=leaving.name, action="exit_request",
                               from_status="admitted", to_status="admitted", reason="已退休，不再从事相关专业工作。"))
    return count
