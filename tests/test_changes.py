"""An admitted expert's edits: a change request; the old values stand until the bureau approves."""
from __future__ import annotations

from sqlalchemy import select

from models import ChangeRequest, Expert, db
from tests.conftest import Browser
from tests.factories import make_expert, org
from tests.conftest import staff
from tests.factories import expert_where, profile_form


def admitted_with_account(app, org_name="绍兴越州纺织科技有限公司"):
    from models import User

    with app.app_context():
        account = User(username="admitted1", name="已入库专家", role="expert")
        account.set_password("Expert2026")
        db.session.add(account)
        db.session.flush()
        expert = make_expert("admitted", org_name=org_name, user_id=account.id, position="工程师",
                             name="已入库专家")
        db.session.commit()
        form = profile_form(app, name="已入库专家", id_number=expert.id_number, birth_month="1975-06",
                            organization_name=org_name, position="总工程师")
        return expert.id, form


def _change(app, expert_id) -> ChangeRequest:
    with app.app_context():
        change = db.session.scalar(select(ChangeRequest).where(ChangeRequest.expert_id == expert_id)
                                   .order_by(ChangeRequest.id.desc()))
        db.session.expunge_all()
        return change


def _decide(browser, change_id, decision, reason=""):
    return browser.post(f"/admin/change/review/?id={change_id}", {"decision": decision, "reason": reason})


def test_a_change_takes_effect_only_on_the_bureaus_approval(demo_app):
    expert_id, form = admitted_with_account(demo_app)
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    assert b.post("/me/profile", form).status_code == 302
    change = _change(demo_app, expert_id)
    assert change.status == "pending_unit"
    assert expert_where(demo_app, id=expert_id).position == "工程师"  # old value still in force
    page = staff(demo_app, "unit").get(f"/admin/change/review/?id={change.id}").get_data(as_text=True)
    assert "工程师" in page and "总工程师" in page  # side by side
    _decide(staff(demo_app, "unit"), change.id, "endorse")
    _decide(staff(demo_app, "dept"), change.id, "endorse")
    assert _change(demo_app, expert_id).status == "pending_bureau"
    assert expert_where(demo_app, id=expert_id).position == "工程师"
    _decide(staff(demo_app, "bureau"), change.id, "approve")
    assert _change(demo_app, expert_id).status == "approved"
    assert expert_where(demo_app, id=expert_id).position == "总工程师"


def test_a_rejected_change_leaves_the_record_as_it_was(demo_app):
    expert_id, form = admitted_with_account(demo_app)
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    b.post("/me/profile", form)
    change = _change(demo_app, expert_id)
    page = _decide(staff(demo_app, "unit"), change.id, "reject").get_data(as_text=True)
    assert "请填写不予通过的理由" in page
    _decide(staff(demo_app, "unit"), change.id, "reject", "职务变更未见任命文件")
    assert _change(demo_app, expert_id).status == "rejected"
    assert expert_where(demo_app, id=expert_id).position == "工程师"
    assert "职务变更未见任命文件" in b.get("/me/").get_data(as_text=True)


def test_a_change_of_work_unit_goes_to_the_new_unit(demo_app):
    expert_id, form = admitted_with_account(demo_app, org_name="绍兴市人民医院")
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    form["organization_name"] = "绍兴越州纺织科技有限公司"
    b.post("/me/profile", form)
    change = _change(demo_app, expert_id)
    with demo_app.app_context():
        assert change.organization_id == org("绍兴越州纺织科技有限公司").id
    # The new unit's reviewer sees and decides it; the old unit's record is unchanged meanwhile.
    assert staff(demo_app, "unit").get(f"/admin/change/review/?id={change.id}").status_code == 200
    with demo_app.app_context():
        assert db.session.get(Expert, expert_id).organization.name == "绍兴市人民医院"


def test_only_one_change_request_at_a_time(demo_app):
    expert_id, form = admitted_with_account(demo_app)
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    b.post("/me/profile", form)
    form["position"] = "副总经理"
    page = b.post("/me/profile", form, follow_redirects=True).get_data(as_text=True)
    assert "已有一项变更申请在审核中" in page
