"""An admitted expert's edits: a change request; the old values stand until the bureau approves."""
from __future__ import annotations

import json

import pytest

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


def test_the_bureau_recommends_a_change_for_a_unit_without_a_reviewer_account(demo_app):
    """浙江柯岩印染集团 has no reviewer account: the bureau stands in for it, then the department and the
    bureau decide as usual — the change never waits for ever."""
    expert_id, form = admitted_with_account(demo_app, org_name="浙江柯岩印染集团有限公司")
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    assert b.post("/me/profile", form).status_code == 302
    change = _change(demo_app, expert_id)
    assert change.status == "pending_unit"
    assert staff(demo_app, "unit").get(f"/admin/change/review/?id={change.id}").status_code == 404  # not theirs
    bureau = staff(demo_app, "bureau")
    assert "所在单位无审核员账号" in bureau.get(f"/admin/change/review/?id={change.id}").get_data(as_text=True)
    assert _decide(bureau, change.id, "endorse").status_code == 302
    assert _change(demo_app, expert_id).status == "pending_dept"
    assert _decide(bureau, change.id, "approve").status_code == 200  # the department has its reviewer
    assert _change(demo_app, expert_id).status == "pending_dept"
    assert _decide(staff(demo_app, "dept"), change.id, "endorse").status_code == 302
    assert _change(demo_app, expert_id).status == "pending_bureau"
    assert _decide(bureau, change.id, "approve").status_code == 302
    assert _change(demo_app, expert_id).status == "approved"
    assert expert_where(demo_app, id=expert_id).position == "总工程师"


def test_the_bureau_stands_in_for_a_department_without_a_reviewer_account(demo_app):
    """绍兴市人民医院's department (卫健委) has no reviewer account: after the unit, the bureau decides both steps."""
    from tests.factories import add_user

    with demo_app.app_context():
        add_user("hospital", "unit", org_name="绍兴市人民医院")
        db.session.commit()
    expert_id, form = admitted_with_account(demo_app, org_name="绍兴市人民医院")
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    b.post("/me/profile", form)
    change = _change(demo_app, expert_id)
    bureau = staff(demo_app, "bureau")
    _decide(bureau, change.id, "endorse")
    assert _change(demo_app, expert_id).status == "pending_unit"  # the unit has its own reviewer now
    assert _decide(staff(demo_app, "hospital"), change.id, "endorse").status_code == 302
    assert _change(demo_app, expert_id).status == "pending_dept"
    assert _decide(bureau, change.id, "endorse").status_code == 302
    assert _change(demo_app, expert_id).status == "pending_bureau"
    _decide(bureau, change.id, "approve")
    assert _change(demo_app, expert_id).status == "approved"


def _panel_form(app, expert_id, browser, **changes) -> dict:
    """The panel's change form for an expert, as the browser would post it back, with `changes`."""
    import re
    from html import unescape

    page = browser.get(f"/admin/expert/change/?id={expert_id}").get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input [^>]*>", page):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if "name" not in attrs or attrs["name"] == "csrf_token" or attrs.get("type") == "hidden":
            continue
        if attrs.get("type") == "checkbox" and "checked" not in tag:
            continue
        data.setdefault(attrs["name"], []).append(unescape(attrs.get("value", "")))
    for name, value in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>.*?<option selected value="([^"]*)"', page, re.S):
        data[name] = value
    data.update(changes)
    return data


def test_an_unchanged_record_posted_back_proposes_nothing(demo_app):
    """The form posted back as shown differs in nothing: no change request (and no stray field in it)."""
    expert_id, _form = admitted_with_account(demo_app)
    bureau = staff(demo_app, "bureau")
    page = bureau.post(f"/admin/expert/change/?id={expert_id}",
                       _panel_form(demo_app, expert_id, bureau) | {"change_reason": "核对"}).get_data(as_text=True)
    assert "没有需要变更的内容" in page
    assert _change(demo_app, expert_id) is None


def test_a_unit_proposes_a_correction_the_bureau_decides_and_the_expert_sees_it(demo_app):
    expert_id, _form = admitted_with_account(demo_app)
    unit = staff(demo_app, "unit")
    # The ordinary edit page of a record in the library leads to the change page.
    assert "/admin/expert/change/" in unit.get(f"/admin/expert/edit/?id={expert_id}").headers["Location"]
    form = _panel_form(demo_app, expert_id, unit, position="总工程师")
    page = unit.post(f"/admin/expert/change/?id={expert_id}", form).get_data(as_text=True)
    assert "请填写变更理由" in page
    assert _change(demo_app, expert_id) is None
    response = unit.post(f"/admin/expert/change/?id={expert_id}", form | {"change_reason": "单位发文任命"})
    assert response.status_code == 302
    change = _change(demo_app, expert_id)
    assert change.status == "pending_bureau" and change.proposal_reason == "单位发文任命"
    assert expert_where(demo_app, id=expert_id).position == "工程师"  # not in force yet
    # The expert sees who proposed what, old and new.
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    me = b.get("/me/").get_data(as_text=True)
    assert "由所在单位提出" in me and "单位发文任命" in me and "工程师" in me and "总工程师" in me
    assert _decide(staff(demo_app, "bureau"), change.id, "approve").status_code == 302
    assert expert_where(demo_app, id=expert_id).position == "总工程师"


def test_the_bureaus_own_correction_is_recorded_as_a_change_never_a_silent_edit(demo_app):
    expert_id, _form = admitted_with_account(demo_app)
    bureau = staff(demo_app, "bureau")
    form = _panel_form(demo_app, expert_id, bureau, position="研究员级高级工程师")
    # A direct save through the ordinary edit page is refused for a record in the library.
    bureau.post(f"/admin/expert/edit/?id={expert_id}", form)
    assert expert_where(demo_app, id=expert_id).position == "工程师"
    assert _change(demo_app, expert_id) is None
    response = bureau.post(f"/admin/expert/change/?id={expert_id}", form | {"change_reason": "职称晋升，见证书"})
    assert response.status_code == 302
    change = _change(demo_app, expert_id)
    assert change.status == "approved" and change.decided_at is not None
    assert json.loads(change_plain(demo_app, change.id))["position"] == ["工程师", "研究员级高级工程师"]
    assert expert_where(demo_app, id=expert_id).position == "研究员级高级工程师"


def change_plain(app, change_id) -> str:
    with app.app_context():
        return db.session.get(ChangeRequest, change_id).changes


def test_a_department_cannot_propose_a_change_for_an_expert_outside_its_scope(demo_app):
    expert_id, _form = admitted_with_account(demo_app, org_name="绍兴市人民医院")  # 卫健委, not 柯桥区科技局
    assert staff(demo_app, "dept").get(f"/admin/expert/change/?id={expert_id}").status_code == 404


def test_a_changed_personal_number_is_shown_masked_to_those_who_weigh_the_change(demo_app):
    """Found beside issue 16 item 6: the review page showed a new bank account and mobile in full."""
    expert_id, form = admitted_with_account(demo_app)
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    assert b.post("/me/profile", form | {"mobile": "13912345678", "bank_account": "6222021234567890123"}
                  ).status_code == 302
    change = _change(demo_app, expert_id)
    for who in ("unit", "bureau"):
        page = staff(demo_app, who).get(f"/admin/change/review/?id={change.id}").get_data(as_text=True)
        assert "13912345678" not in page and "6222021234567890123" not in page
        assert "139****5678" in page
    mine = b.get("/me/").get_data(as_text=True)
    assert "6222021234567890123" not in mine


def test_an_admitted_expert_sends_a_new_certificate_with_a_change_and_it_replaces_the_old_on_approval(demo_app):
    from tests.factories import PDF, upload

    expert_id, form = admitted_with_account(demo_app, org_name="绍兴市人民医院")
    with demo_app.app_context():
        old_certificate = db.session.get(Expert, expert_id).title_certificate_id
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    page = b.get("/me/profile").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "新的职称证书" in page
    form["organization_name"] = "绍兴越州纺织科技有限公司"  # reviewed by the new unit, not yet its record
    form["title_level"] = "senior"
    form["attach_title_certificate"] = upload(PDF, "正高级证书.pdf")
    form["attach_priority_proof"] = upload(PDF, "人才计划证明.pdf")
    assert b.post("/me/profile", form, content_type="multipart/form-data").status_code == 302
    change = _change(demo_app, expert_id)
    with demo_app.app_context():
        sent = {f.kind: f.file_id for f in db.session.get(ChangeRequest, change.id).files}
    assert set(sent) == {"title_certificate", "priority_proof"}
    assert "正高级证书.pdf" in b.get("/me/").get_data(as_text=True)
    unit = staff(demo_app, "unit")
    review = unit.get(f"/admin/change/review/?id={change.id}").get_data(as_text=True)
    assert "随变更提交的材料" in review and "正高级证书.pdf" in review
    # The new unit's reviewer opens the file though the expert is not yet in its scope; others do not.
    assert unit.get(f"/files/{sent['title_certificate']}").status_code == 200
    assert staff(demo_app, "usage").get(f"/files/{sent['title_certificate']}").status_code in (403, 404)
    with demo_app.app_context():
        assert db.session.get(Expert, expert_id).title_certificate_id == old_certificate  # old one stands
    _decide(unit, change.id, "endorse")
    _decide(staff(demo_app, "dept"), change.id, "endorse")
    _decide(staff(demo_app, "bureau"), change.id, "approve")
    with demo_app.app_context():
        from models import ExpertFile

        expert = db.session.get(Expert, expert_id)
        assert expert.title_certificate_id == sent["title_certificate"] and expert.title_level == "senior"
        assert sent["priority_proof"] in db.session.scalars(select(ExpertFile.file_id).where(
            ExpertFile.expert_id == expert_id, ExpertFile.kind == "priority_proof")).all()


def test_a_change_may_be_only_a_new_file_and_a_refused_file_is_named_at_its_field(demo_app):
    from tests.factories import PDF, upload

    expert_id, form = admitted_with_account(demo_app)
    form["position"] = "工程师"  # nothing typed changes
    b = Browser(demo_app.test_client())
    b.login("admitted1", "Expert2026")
    form["attach_stamped_form"] = upload(b"<html>not a scan</html>", "表.html")
    page = b.post("/me/profile", form, content_type="multipart/form-data").get_data(as_text=True)
    assert "invalid-feedback d-block" in page and _change(demo_app, expert_id) is None
    form["attach_stamped_form"] = upload(PDF, "盖章表.pdf")
    assert b.post("/me/profile", form, content_type="multipart/form-data").status_code == 302
    change = _change(demo_app, expert_id)
    assert change.status == "pending_unit"
    with demo_app.app_context():
        assert [f.kind for f in db.session.get(ChangeRequest, change.id).files] == ["stamped_form"]


def test_files_come_with_a_change_only_a_draft_takes_them_on_its_upload_form(demo_app):
    """A draft's /me/profile posted with an attachment (the form offers none before admission) is refused
    with the way to upload, and nothing is saved; operations refuse a kind of file the record does not know."""
    from models import UploadedFile
    from operations.profile import propose_change
    from rules import InvalidInput
    from tests.conftest import register
    from tests.factories import PDF, upload

    browser = register(demo_app, "draftfiles")
    form = profile_form(demo_app, name="草稿专家", position="工程师")
    form["attach_title_certificate"] = upload(PDF, "证书.pdf")
    page = browser.post("/me/profile", form, content_type="multipart/form-data").get_data(as_text=True)
    assert "材料请在“上传材料”处上传" in page
    with demo_app.app_context():
        assert expert_where(demo_app, name="草稿专家") is None
        expert_id, _form = admitted_with_account(demo_app)
        expert = db.session.get(Expert, expert_id)
        row = db.session.scalar(select(UploadedFile).limit(1)) or UploadedFile(
            stored_name="x" * 64, original_name="x.pdf", content_type="application/pdf", size=1, sha256="0" * 64)
        with pytest.raises(InvalidInput, match="未知的材料类别"):
            propose_change(expert, {}, expert.user, files={"bogus": row})
