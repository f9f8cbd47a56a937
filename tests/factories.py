"""Small builders for test data on top of the reference and demo seeds."""
from __future__ import annotations

import io
import itertools
from datetime import timedelta

from sqlalchemy import select

from models import (Discipline, DrawRequest, Expert, Organization, ProjectMember, ReferenceItem, User, db,
                    local_now)
from operations import draw_requests
from rules.idcard import resident_id_check_char

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_serial = itertools.count(1)


def resident_id(birth: str = "19750612") -> str:
    body = f"330602{birth}{next(_serial) % 1000:03d}"
    return body + resident_id_check_char(body)


def org(name: str) -> Organization:
    return db.session.scalar(select(Organization).where(Organization.name == name))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def make_expert(status: str = "draft", org_name: str = "绍兴越州纺织科技有限公司", route: str = "open",
                **fields) -> Expert:
    """A complete, eligible expert record in the given state (no uploads)."""
    number = resident_id()
    from datetime import date

    values = dict(
        name="测试专家", id_type="resident", id_number=number, birth_month=date(1975, 6, 1),
        birth_date=date(1975, 6, 12), sex="M", title_level="senior", mobile="13905751234",
        email="t@example.cn", organization=org(org_name), expert_type="technical",
        basic_condition_declared=True, years_in_field=20, title_name="正高级工程师",
        education=db.session.scalar(select(ReferenceItem).where(ReferenceItem.code == "doctoral")),
        primary_discipline=db.session.scalar(select(Discipline).where(Discipline.code == "54020")),
        status=status, admission_route=route,
    )
    values.update(fields)
    expert = Expert(**values)
    db.session.add(expert)
    db.session.flush()
    return expert


def add_user(username: str, role: str, *, org_name: str | None = None, dept_name: str | None = None) -> User:
    from models import ManagingDepartment

    account = User(username=username, name=username, role=role,
                   organization=org(org_name) if org_name else None,
                   department=db.session.scalar(select(ManagingDepartment).where(
                       ManagingDepartment.name == dept_name)) if dept_name else None)
    account.set_password("Demo@2026")
    db.session.add(account)
    db.session.flush()
    return account


def upload(content: bytes = PDF, name: str = "证书.pdf"):
    return (io.BytesIO(content), name)


def expert_where(app, **where) -> Expert:
    """The first expert with these column values, detached from the session."""
    with app.app_context():
        query = select(Expert)
        for key, value in where.items():
            query = query.where(getattr(Expert, key) == value)
        expert = db.session.scalar(query)
        db.session.expunge_all()
        return expert


def profile_form(app, **changes) -> dict:
    with app.app_context():
        education = db.session.scalar(select(ReferenceItem.id).where(ReferenceItem.code == "doctoral"))
        discipline = db.session.scalar(select(Discipline.id).where(Discipline.code == "54020"))
    data = {
        "name": "新申请专家", "id_type": "resident", "id_number": resident_id("19780315"),
        "birth_month": "1978-03", "title_level": "senior", "position": "总工程师",
        "education": str(education), "degree": "", "mobile": "13905759876", "office_phone": "0575-85001234",
        "email": "new@example.cn", "bank_name": "绍兴银行", "bank_account": "6222020000111122223",
        "organization_name": "绍兴越州纺织科技有限公司", "new_org_credit_code": "", "college": "",
        "expert_type": "technical", "basic_condition_declared": "y", "years_in_field": "18",
        "primary_discipline": str(discipline), "research_keywords": "功能纺织品",
        "title_name": "正高级工程师", "title_issued_on": "2016-05-01",
    }
    data.update(changes)
    return data


def request_form(start, **changes) -> dict:
    """A usage unit's draw request form, one project member and one declared avoidance."""
    from datetime import timedelta

    uni = "绍兴文理学院"
    data = {
        "title": "测试项目评审会", "activity_type": "review",
        "start_at": start.strftime("%Y-%m-%dT%H:%M"), "end_at": (start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        "place": "市科技局会议室", "need": "3", "backups": "2", "response_hours": "48",
        "discipline_codes": "540", "expert_type": "", "min_title": "associate", "region": "any",
        "age_min": "", "age_max": "",
        "members-0-project": "功能纺织品关键技术", "members-0-name": "陈立新", "members-0-is_leader": "y",
        "members-0-unit_name": uni, "members-0-college": "纺织科学与工程学院",
        "avoidances-0-kind": "unit", "avoidances-0-name": "绍兴鉴湖新材料股份有限公司", "avoidances-0-reason": "合作单位",
    }
    data.update(changes)
    return data


def supplement_form(app, req_id: int, reason: str, **changes) -> dict:
    """The supplementary draw's form as the page fills it: the request's conditions, `changes` revised."""
    with app.app_context():
        req = db.session.get(DrawRequest, req_id)
        data = {"discipline_codes": req.discipline_codes, "expert_type": req.expert_type, "min_title": req.min_title,
                "region": req.region, "age_min": req.age_min or "", "age_max": req.age_max or ""}
    data.update(changes, reason=reason)
    return {k: "" if v is None else str(v) for k, v in data.items()}


# Draw requests on a handful of textile experts (discipline 540), for the draw tests. --------------------

def textile_experts(app, n=14, **fields):
    """Admitted textile experts in distinct units, enough for draws, backups and a supplement."""
    from rules.credit_code import credit_code_check_char

    with app.app_context():
        for i in range(n):
            body = f"91330603MA2T{i:05d}"
            code = body + credit_code_check_char(body)
            unit = Organization(name=f"柯桥纺织测试企业{i:02d}", credit_code=code, in_shaoxing=True,
                                department=org("绍兴越州纺织科技有限公司").department)
            db.session.add(unit)
            db.session.flush()
            make_expert("admitted", org_name=unit.name, name=f"纺织专家{i:02d}", **fields)
        db.session.commit()


def approved_request(app, *, need=2, backups=2, max_per_org=1, start=None) -> int:
    """An approved textile request with no project members in the way."""
    with app.app_context():
        usage = user("usage")
        start = start or local_now().replace(second=0, microsecond=0) + timedelta(days=10)
        req = DrawRequest(organization_id=usage.organization_id, created_by_id=usage.id, title="单位上限测试评审",
                          activity_type="review", start_at=start, end_at=start + timedelta(hours=6), place="会议室",
                          need=need, backups=backups, discipline_codes="540", min_title="associate", region="any",
                          max_per_org=max_per_org)
        req.members = [ProjectMember(project="测试项目", name="外省负责人", is_leader=True, unit_name="外省某大学")]
        db.session.add(req)
        db.session.flush()
        draw_requests.submit_request(req, usage)
        draw_requests.decide_request(req, user("bureau2"), True)  # "bureau" draws: separation of duties
        db.session.commit()
        return req.id


def admin_expert_form(app, expert_id: int, **changes) -> dict:
    """The back office's expert form as the edit page fills it for the record `expert_id` (the numbers as
    stored), with `changes`."""
    with app.app_context():
        e = db.session.get(Expert, expert_id)
        data = {
            "name": e.name, "id_type": e.id_type, "id_number": e.id_number or "",
            "birth_month": e.birth_month.strftime("%Y-%m") if e.birth_month else "",
            "title_level": e.title_level, "position": e.position or "",
            "education": str(e.education_id) if e.education_id else "__None",
            "degree": str(e.degree_id) if e.degree_id else "__None",
            "mobile": e.mobile or "", "office_phone": e.office_phone or "", "email": e.email or "",
            "bank_name": e.bank_name or "", "bank_account": e.bank_account or "",
            "organization": str(e.organization_id) if e.organization_id else "__None",
            "college": str(e.college_id) if e.college_id else "__None", "expert_type": e.expert_type,
            "years_in_field": str(e.years_in_field or ""),
            "primary_discipline": str(e.primary_discipline_id) if e.primary_discipline_id else "__None",
            "research_keywords": e.research_keywords or "", "title_name": e.title_name or "",
            "title_issued_on": e.title_issued_on.isoformat() if e.title_issued_on else "",
        }
        data["secondary_disciplines"] = [str(d.id) for d in e.secondary_disciplines]
        data["priority_categories"] = sorted(e.priority_codes)
        for flag in ("basic_condition_declared", "equivalent_level", "provincial_library", "bad_record"):
            if getattr(e, flag):
                data[flag] = "y"  # a ticked box; an unticked one is not posted
    data.update(changes)
    return data
