"""A relation chosen on a back-office form is one the form offers (issue 16, item 2).

The outside probe: a unit reviewer posted the expert edit form with another unit's id, and the
application was saved with no work unit, out of every reviewer's sight. Each choice not offered —
another unit, a made-up id, the blank choice of a required relation — is an error at the field: the
form comes back (200) with what was typed, and nothing is saved.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Discipline, Expert, ManagingDepartment, Organization, ReferenceItem, User, db
from tests.conftest import field_error, form_error, register, staff
from tests.factories import admin_expert_form, expert_where, profile_form, resident_id

MADE_UP = "987654"


def _pending_of(app, username: str) -> int:
    """An application pending under `username`'s unit or department."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        status = "pending_unit" if user.role == "unit" else "pending_dept"
        query = select(Expert.id).join(Organization).where(Expert.status == status)
        if user.role == "unit":
            query = query.where(Expert.organization_id == user.organization_id)
        else:
            query = query.where(Organization.department_id == user.department_id)
        return db.session.scalar(query.order_by(Expert.id).limit(1))


def _outside(app, username: str) -> str:
    """The id of a unit outside `username`'s scope."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        query = select(Organization.id)
        if user.role == "unit":
            query = query.where(Organization.id != user.organization_id)
        else:
            query = query.where((Organization.department_id != user.department_id)
                                | Organization.department_id.is_(None))
        return str(db.session.scalar(query.order_by(Organization.id).limit(1)))


def _stored(app, expert_id: int):
    with app.app_context():
        e = db.session.get(Expert, expert_id)
        return e.organization_id, e.position, e.primary_discipline_id, e.updated_at


@pytest.mark.parametrize("username", ["unit", "dept"])
@pytest.mark.parametrize("posted, message", [
    ("outside", "不在您的管理范围内"),
    (MADE_UP, "不在您的管理范围内"),
    ("__None", "请选择工作单位"),
    ("", "请选择工作单位"),
    (None, "请选择工作单位"),  # left out of the post altogether
])
def test_a_reviewer_cannot_move_an_application_out_of_review(demo_app, username, posted, message):
    expert_id = _pending_of(demo_app, username)
    assert expert_id is not None
    before = _stored(demo_app, expert_id)
    browser = staff(demo_app, username)
    form = admin_expert_form(demo_app, expert_id, position="试图改动的职务")
    if posted is None:
        del form["organization"]
    else:
        form["organization"] = _outside(demo_app, username) if posted == "outside" else posted
    response = browser.post(f"/admin/expert/edit/?id={expert_id}", form, token_from="/admin/expert/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, response.headers.get("Location")
    assert message in field_error(page, "organization")
    assert 'value="试图改动的职务"' in page  # what was typed stays in the form
    assert _stored(demo_app, expert_id) == before  # nothing saved
    # The application is still where its reviewers see it.
    assert browser.get(f"/admin/expert/details/?id={expert_id}").status_code == 200


def test_the_unit_reviewer_is_offered_only_their_own_unit(demo_app):
    expert_id = _pending_of(demo_app, "unit")
    page = staff(demo_app, "unit").get(f"/admin/expert/edit/?id={expert_id}").get_data(as_text=True)
    offered = page.split('id="organization"', 1)[1].split("</select>", 1)[0]
    assert f'value="{_outside(demo_app, "unit")}"' not in offered


def _bureau_form(app, **changes) -> dict:
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == "绍兴越州纺织科技有限公司"))
        discipline = db.session.scalar(select(Discipline.id).where(Discipline.code == "54010"))
        education = db.session.scalar(select(ReferenceItem.id).where(ReferenceItem.code == "doctoral"))
    data = {"name": "探测专家", "id_type": "resident", "id_number": resident_id("19750612"),
            "birth_month": "1975-06", "title_level": "senior", "position": "总工程师", "education": str(education),
            "degree": "__None", "mobile": "13905751234", "email": "probe@example.cn", "organization": str(org),
            "college": "__None", "expert_type": "technical", "years_in_field": "20",
            "primary_discipline": str(discipline)}
    data.update(changes)
    return data


def _reference_id(app, kind: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(ReferenceItem.id).where(ReferenceItem.kind == kind).limit(1)))


@pytest.mark.parametrize("field, value, message", [
    ("organization", MADE_UP, "请从列表中选择工作单位"),
    ("organization", "__None", "请选择工作单位"),
    ("primary_discipline", MADE_UP, "请从列表中选择"),
    ("primary_discipline", "__None", "请选择主学科"),
    ("education", MADE_UP, "请从列表中选择"),
    ("education", "degree", "请从列表中选择"),  # a row of another list: a degree is no education
    ("college", MADE_UP, "请从列表中选择"),
    ("secondary_disciplines", MADE_UP, "请从列表中选择"),
])
def test_the_bureau_creates_no_expert_with_a_choice_not_offered(demo_app, field, value, message):
    browser = staff(demo_app, "bureau")
    with demo_app.app_context():
        before = db.session.scalar(select(func.count(Expert.id)))
    if value == "degree":
        value = _reference_id(demo_app, "degree")
    response = browser.post("/admin/expert/new/", _bureau_form(demo_app, **{field: value}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in field_error(page, field)
    assert 'value="探测专家"' in page
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(Expert.id))) == before


def test_the_bureau_form_still_saves_good_choices(demo_app):
    """The checks refuse only what is not offered: a valid form with secondary disciplines saves."""
    browser = staff(demo_app, "bureau")
    with demo_app.app_context():
        secondary = [str(i) for i in db.session.scalars(select(Discipline.id).where(
            Discipline.code.in_(("54020", "52010"))))]
    response = browser.post("/admin/expert/new/", _bureau_form(demo_app, secondary_disciplines=secondary))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with demo_app.app_context():
        expert = db.session.scalar(select(Expert).where(Expert.name == "探测专家"))
        assert expert.organization.name == "绍兴越州纺织科技有限公司"
        assert sorted(str(d.id) for d in expert.secondary_disciplines) == sorted(secondary)


def test_an_account_is_not_given_a_made_up_unit_or_department(demo_app):
    browser = staff(demo_app, "bureau")
    base = {"username": "probeuser", "name": "探测", "email": "", "active": "y", "new_password": "Probe2026x"}
    for data, field in [({"role": "unit", "organization": MADE_UP, "department": "__None"}, "organization"),
                        ({"role": "dept", "organization": "__None", "department": MADE_UP}, "department")]:
        response = browser.post("/admin/user/new/", base | data)
        assert response.status_code == 200
        assert "请从列表中选择" in field_error(response.get_data(as_text=True), field)
    with demo_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "probeuser")) is None


def test_a_unit_is_not_given_a_unit_type_for_a_district(demo_app):
    browser = staff(demo_app, "bureau")
    with demo_app.app_context():
        unit = db.session.scalar(select(Organization).where(Organization.name == "绍兴越州纺织科技有限公司"))
        unit_id, district_id = unit.id, unit.district_id
        department = db.session.scalar(select(ManagingDepartment.id).limit(1))
        data = {"name": unit.name, "credit_code": unit.credit_code,
                "unit_type": str(unit.unit_type_id) if unit.unit_type_id else "__None",
                "district": _reference_id(demo_app, "unit_type"), "address": unit.address or "",
                "department": str(department), "in_shaoxing": "y", "verified": "y"}
    response = browser.post(f"/admin/organization/edit/?id={unit_id}", data)
    assert response.status_code == 200
    assert "请从列表中选择" in field_error(response.get_data(as_text=True), "district")
    with demo_app.app_context():
        assert db.session.get(Organization, unit_id).district_id == district_id


@pytest.mark.parametrize("field, value", [
    ("education", MADE_UP), ("degree", MADE_UP), ("college", MADE_UP), ("primary_discipline", MADE_UP),
    ("secondary_disciplines", MADE_UP), ("priority_categories", "made_up"),
])
def test_the_expert_profile_takes_only_choices_offered(clean_app, field, value):
    browser = register(clean_app)
    before = expert_where(clean_app, name="新申请专家")
    response = browser.post("/me/profile", profile_form(clean_app, **{field: value}, position="自己填的职务"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    message = form_error(page, field)
    assert "选择" in message and "valid" not in message  # in Chinese
    assert 'value="自己填的职务"' in page
    after = expert_where(clean_app, name="新申请专家")
    assert (after.position, after.education_id, after.primary_discipline_id) == (
        before.position, before.education_id, before.primary_discipline_id)
