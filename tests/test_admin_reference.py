"""Organizations and accounts managed by the bureau: validated like the rules say."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import ManagingDepartment, Organization, ReferenceItem, User, db
from rules.credit_code import credit_code_check_char
from tests.conftest import field_error


def _code(body17="91330603MA2BC1234"):
    return body17 + credit_code_check_char(body17)


def _org_form(app, **changes):
    with app.app_context():
        unit_type = db.session.scalar(select(ReferenceItem.id).where(ReferenceItem.code == "enterprise"))
        district = db.session.scalar(select(ReferenceItem.id).where(ReferenceItem.code == "keqiao"))
        dept = db.session.scalar(select(ManagingDepartment.id).where(ManagingDepartment.name == "柯桥区科技局"))
    data = {"name": "绍兴测试新材料有限公司", "credit_code": _code(), "unit_type": str(unit_type),
            "district": str(district), "address": "柯桥区测试路1号", "in_shaoxing": "y",
            "department": str(dept)}
    data.update(changes)
    return data


def test_bureau_adds_an_organization(demo_app, demo_browser):
    demo_browser.login("bureau")
    response = demo_browser.post("/admin/organization/new/", _org_form(demo_app, credit_code=_code().lower()))
    assert response.status_code == 302
    with demo_app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.name == "绍兴测试新材料有限公司"))
        assert org.credit_code == _code()  # normalized to upper case


@pytest.mark.parametrize("code, message", [
    (_code()[:-1] + ("0" if _code()[-1] != "0" else "1"), "校验"),
    ("91330603MA2BC12I4X", "无效字符"),
    ("9133060", "18"),
])
def test_a_bad_credit_code_is_refused_at_the_field(demo_app, demo_browser, code, message):
    demo_browser.login("bureau")
    page = demo_browser.post("/admin/organization/new/", _org_form(demo_app, credit_code=code)).get_data(as_text=True)
    assert message in field_error(page, "credit_code")
    assert 'value="绍兴测试新材料有限公司"' in page
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).where(Organization.name == "绍兴测试新材料有限公司")) == 0


def test_a_credit_code_already_registered_is_refused(demo_app, demo_browser):
    demo_browser.login("bureau")
    with demo_app.app_context():
        taken = db.session.scalar(select(Organization.credit_code).limit(1))
    page = demo_browser.post("/admin/organization/new/", _org_form(demo_app, credit_code=taken)).get_data(as_text=True)
    assert "已经存在" in field_error(page, "credit_code")  # Flask-Admin's Unique, in its own Chinese


def _user_form(app, **changes):
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == "绍兴市人民医院"))
    data = {"username": "hospital_reviewer", "name": "医院审核员", "role": "unit",
            "organization": str(org), "department": "__None", "email": "rev@example.cn",
            "active": "y", "new_password": "Shaoxing2026"}
    data.update(changes)
    return data


def test_bureau_creates_an_account_that_can_log_in(demo_app, demo_browser):
    from tests.conftest import Browser

    demo_browser.login("bureau")
    assert demo_browser.post("/admin/user/new/", _user_form(demo_app)).status_code == 302
    other = Browser(demo_app.test_client())
    assert other.login("hospital_reviewer", "Shaoxing2026").status_code == 302
    # The bureau chose the password: the holder sets their own first (tests/test_sessions.py).
    assert other.get("/admin/expert/").headers["Location"].endswith("/password")
    assert other.post("/password", {"current_password": "Shaoxing2026", "new_password": "Hospital2027",
                                    "new_password2": "Hospital2027"}).status_code == 302
    assert other.get("/admin/expert/").status_code == 200


@pytest.mark.parametrize("changes, field, message", [
    ({"organization": "__None"}, "organization", "须选择所属单位"),
    ({"role": "dept", "organization": "__None"}, "department", "须选择所属归口管理部门"),
    ({"new_password": "short1"}, "new_password", "至少8位"),
    ({"new_password": "password123"}, "new_password", "常见"),
    ({"new_password": "onlyletters"}, "new_password", "字母和数字"),
    ({"username": "bureau"}, "username", "已被使用"),
    ({"username": "坏 名字"}, "username", "字母"),
])
def test_account_rules_are_enforced_at_the_field(demo_app, demo_browser, changes, field, message):
    demo_browser.login("bureau")
    page = demo_browser.post("/admin/user/new/", _user_form(demo_app, **changes)).get_data(as_text=True)
    assert message in field_error(page, field)
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).where(User.name == "医院审核员")) == 0


def test_editing_an_account_without_a_new_password_keeps_the_old_one(demo_app, demo_browser):
    from tests.conftest import Browser

    with demo_app.app_context():
        unit = db.session.scalar(select(User).where(User.username == "unit"))
        uid, org = unit.id, unit.organization_id
    demo_browser.login("bureau")
    response = demo_browser.post(f"/admin/user/edit/?id={uid}", _user_form(
        demo_app, username="unit", name="改名的审核员", organization=str(org), new_password=""),
        token_from="/admin/user/")
    assert response.status_code == 302
    assert Browser(demo_app.test_client()).login("unit").status_code == 302
