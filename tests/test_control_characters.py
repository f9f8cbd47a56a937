"""No control characters in typed text, on any form (issue 16, item 3).

A name typed with a line break once broke the 专家信息表 download (a 500 on its Content-Disposition
header). Every form of the app is built on one base (forms/base.py AppForm, admin_views/forms.py
AdminForm) that refuses control characters in each text field, with the message at the field: a text
area keeps its line breaks and tabs, a one-line field keeps none.
"""
from __future__ import annotations

import importlib
import pkgutil
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from admin_views.forms import AdminForm
from forms.base import AppForm
from models import DrawRecord, DrawRequest, Expert, Invitation, Objection, User, db, local_now
from tests.conftest import field_error, form_error, register, request_step, staff
from tests.factories import admin_expert_form, expert_where, org, profile_form, request_form

BREAK = "张三\r\n"
SINGLE = "不能包含控制字符（如换行、制表符）"
MULTI = "不能包含控制字符（换行、制表符除外）"


# Every form class is built on the checking base. ------------------------------------------------------------

def _project_forms() -> list[type]:
    for package in ("forms", "web", "admin_views"):
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{package}.{info.name}")
    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("forms", "web", "admin_views"):
            found.append(cls)
    return found


def test_every_flask_form_of_the_app_checks_its_text():
    forms = _project_forms()
    assert {"RegisterForm", "ProfileForm", "ObjectionForm", "ConditionsForm", "LoginForm"} <= {f.__name__ for f in forms}
    assert not [f.__name__ for f in forms if not issubclass(f, AppForm)]


def test_every_admin_model_form_and_inline_form_checks_its_text(demo_app):
    with demo_app.test_request_context():
        admin = demo_app.extensions["admin"][0]
        checked = []
        for view in admin._views:
            for form_class in filter(None, (getattr(view, "_create_form_class", None),
                                            getattr(view, "_edit_form_class", None))):
                assert issubclass(form_class, AdminForm), view.endpoint
                checked.append(view.endpoint)
                for name in dir(form_class):
                    unbound = getattr(form_class, name)
                    if getattr(unbound, "field_class", None) and "Inline" in unbound.field_class.__name__:
                        assert issubclass(unbound.args[0], AdminForm), f"{view.endpoint}.{name}"
                        checked.append(f"{view.endpoint}.{name}")
    assert {"expert", "expert.avoidances", "drawrequest.members", "user", "organization.colleges"} <= set(checked)


# The forms people use, posted with a line break. ------------------------------------------------------------

def _pending_of_unit(app) -> int:
    with app.app_context():
        unit = db.session.scalar(select(User).where(User.username == "unit"))
        return db.session.scalar(select(Expert.id).where(Expert.organization_id == unit.organization_id,
                                                         Expert.status == "pending_unit").order_by(Expert.id))


@pytest.mark.parametrize("field, value", [
    ("name", BREAK), ("position", "\r\n"), ("research_keywords", "纺织\t材料"), ("title_name", "工程师\x1b"),
])
def test_the_admin_expert_form_refuses_a_control_character_at_the_field(demo_app, field, value):
    expert_id = _pending_of_unit(demo_app)
    before = expert_where(demo_app, id=expert_id)
    response = staff(demo_app, "bureau").post(f"/admin/expert/edit/?id={expert_id}",
                                              admin_expert_form(demo_app, expert_id, **{field: value},
                                                                bank_name="已改的开户行"),
                                              token_from="/admin/expert/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, field) == SINGLE
    assert 'value="已改的开户行"' in page
    after = expert_where(demo_app, id=expert_id)
    assert (after.name, after.position, after.bank_name, after.updated_at) == (
        before.name, before.position, before.bank_name, before.updated_at)


def test_an_inline_form_refuses_a_control_character_too(demo_app):
    """The expert's declared avoidances are an inline form: built on the same base."""
    expert_id = _pending_of_unit(demo_app)
    form = admin_expert_form(demo_app, expert_id) | {
        "avoidances-0-kind": "person", "avoidances-0-name": "李四\n", "avoidances-0-reason": "亲属"}
    page = staff(demo_app, "bureau").post(f"/admin/expert/edit/?id={expert_id}", form,
                                          token_from="/admin/expert/").get_data(as_text=True)
    assert field_error(page, "avoidances-0-name") == SINGLE
    with demo_app.app_context():
        assert not db.session.get(Expert, expert_id).avoidances


def test_the_portal_profile_refuses_a_control_character(clean_app):
    browser = register(clean_app)
    response = browser.post("/me/profile", profile_form(clean_app, name=BREAK, position="自己填的职务"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and form_error(page, "name") == SINGLE
    assert 'value="自己填的职务"' in page
    assert expert_where(clean_app, name="新申请专家") is not None  # the name registered stays


def test_registration_refuses_a_control_character(clean_app):
    from tests.conftest import Browser

    browser = Browser(clean_app.test_client())
    response = browser.post("/register", {"username": "ctrlname", "name": "李\r\n四", "mobile": "13905759876",
                                          "email": "c@example.cn", "password": "Expert2026",
                                          "password2": "Expert2026"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and form_error(page, "name") == SINGLE
    assert 'value="ctrlname"' in page
    with clean_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "ctrlname")) is None


def _publicizing(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Expert.id).where(Expert.status == "publicizing").order_by(Expert.id))


def _objections(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Objection.id)))


def test_an_objection_refuses_a_control_character_and_its_text_keeps_line_breaks(demo_app):
    from tests.conftest import Browser

    expert_id, before = _publicizing(demo_app), _objections(demo_app)
    public = Browser(demo_app.test_client())
    objection = {"expert_id": str(expert_id), "name": "王五", "contact": "13800000000",
                 "text": "第一，职称证书存疑；\r\n第二，\t工作年限不足。"}
    response = public.post(f"/publicity?expert={expert_id}", objection | {"name": "王\r\n五"},
                           token_from=f"/publicity?expert={expert_id}")
    assert response.status_code == 400 and form_error(response.get_data(as_text=True), "name") == SINGLE
    response = public.post(f"/publicity?expert={expert_id}", objection | {"text": "异议\x1b[2J"})
    assert response.status_code == 400 and form_error(response.get_data(as_text=True), "text") == MULTI
    assert _objections(demo_app) == before
    # A text area keeps its line breaks and tabs.
    assert public.post(f"/publicity?expert={expert_id}", objection).status_code == 302
    assert _objections(demo_app) == before + 1


def test_a_draw_request_refuses_a_control_character_in_its_form_and_its_members(demo_app):
    start = local_now() + timedelta(days=10)
    with demo_app.app_context():
        code = org("绍兴文理学院").credit_code
        before = db.session.scalar(select(func.count(DrawRequest.id)))
    usage = staff(demo_app, "usage")
    for field, value in [("title", "评审会\r\n"), ("members-0-name", "陈立\n新")]:
        response = usage.post("/admin/drawrequest/new/",
                              request_form(start, **{"members-0-credit_code": code, field: value}))
        assert response.status_code == 200
        assert field_error(response.get_data(as_text=True), field) == SINGLE
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(DrawRequest.id))) == before


def test_the_conditions_of_a_supplementary_draw_refuse_a_control_character(demo_app):
    with demo_app.app_context():
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "released").order_by(DrawRequest.id))
        req_id, codes, records = req.id, req.discipline_codes, len(req.records)
    response = request_step(staff(demo_app, "bureau"), "supplement", req_id, {
        "discipline_codes": codes + "\r\n", "expert_type": "", "min_title": "associate", "region": "any",
        "reason": "备选专家已用尽\x07"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and SINGLE in page
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(DrawRecord.id)).where(DrawRecord.request_id == req_id)) == records


def test_an_answer_to_an_invitation_refuses_a_control_character(demo_app):
    with demo_app.app_context():
        expert_user = db.session.scalar(select(User).where(User.username == "expert"))
        expert_id = db.session.scalar(select(Expert.id).where(Expert.user_id == expert_user.id))
        req_id = db.session.scalar(select(DrawRequest.id).where(DrawRequest.status == "released"))
        inv = Invitation(request_id=req_id, expert_id=expert_id, position=99, role="selected", status="invited",
                         deadline=local_now() + timedelta(days=2))
        db.session.add(inv)
        db.session.commit()
        inv_id = inv.id
    response = staff(demo_app, "expert").post(f"/me/invitations/{inv_id}",
                                              {"answer": "decline", "reason": "出差\r\n在外"}, token_from="/me/")
    assert response.status_code == 400 and SINGLE in response.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(Invitation, inv_id).status == "invited"
