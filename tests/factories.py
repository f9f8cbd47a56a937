"""Small builders for test data on top of the reference and demo seeds."""
from __future__ import annotations

import io
import itertools

from sqlalchemy import select

from models import Discipline, Expert, Organization, ReferenceItem, User, db
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
