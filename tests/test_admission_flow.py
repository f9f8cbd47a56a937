"""The admission path end to end over HTTP: portal, uploads, review chain, publicity, the daily job."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Expert, ExpertEvent, db
from tests.conftest import Browser, register, review, staff, submitted_application
from tests.factories import PDF, add_user, expert_where, make_expert, org, profile_form, resident_id, upload, user


def test_the_whole_open_admission_path(demo_app):
    b = register(demo_app)
    # A half-filled profile saves as a draft.
    assert b.post("/me/profile", profile_form(demo_app, id_number="", title_name="")).status_code == 302
    assert expert_where(demo_app, email="new@example.cn").status == "draft"
    page = b.get("/me/").get_data(as_text=True)
    assert "还缺少" in page and "证件号码" in page
    # Submitting too early is refused with what is missing.
    b.post("/me/submit", {})
    assert expert_where(demo_app, email="new@example.cn").status == "draft"
    # Complete it, upload, export the form.
    assert b.post("/me/profile", profile_form(demo_app)).status_code == 302
    for kind in ("title_certificate", "stamped_form"):
        response = b.post(f"/me/upload/{kind}", {"file": upload(PDF, f"{kind}.pdf")},
                          content_type="multipart/form-data")
        assert response.status_code == 302
    export = b.get("/me/form.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    assert "filename*=UTF-8''%E4%B8%93%E5%AE%B6%E4%BF%A1%E6%81%AF%E8%A1%A8" in export.headers["Content-Disposition"]
    b.post("/me/submit", {})
    expert = expert_where(demo_app, email="new@example.cn")
    assert expert.status == "pending_unit"

    assert review(staff(demo_app, "unit"), expert.id, "endorse").status_code == 302
    assert expert_where(demo_app, id=expert.id).status == "pending_dept"
    assert review(staff(demo_app, "dept"), expert.id, "endorse").status_code == 302
    assert expert_where(demo_app, id=expert.id).status == "pending_bureau"
    bureau = staff(demo_app, "bureau")
    assert review(bureau, expert.id, "publicize").status_code == 302
    assert expert_where(demo_app, id=expert.id).status == "publicizing"
    assert "新申请专家" in Browser(demo_app.test_client()).get("/publicity").get_data(as_text=True)

    runner = demo_app.test_cli_runner()
    day7 = (date.today() + timedelta(days=6)).isoformat()
    runner.invoke(args=["lifecycle", "--today", day7])
    assert expert_where(demo_app, id=expert.id).status == "publicizing"  # the 7th day is still publicity
    day8 = (date.today() + timedelta(days=7)).isoformat()
    result = runner.invoke(args=["lifecycle", "--today", day8])
    assert result.exit_code == 0
    admitted = expert_where(demo_app, id=expert.id)
    assert admitted.status == "admitted" and admitted.admitted_on.isoformat() == day8
    # The timeline shows every step with who did it.
    page = b.get("/me/").get_data(as_text=True)
    for text in ("待单位审核", "待归口部门审核", "待市科技局审核", "公示中", "已入库", "系统（公示期满）"):
        assert text in page
    with demo_app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(expert.id),
                                                                         AuditEntry.object_type == "Expert")))
    assert {"expert_submit", "expert_endorse", "expert_publicize", "expert_admit"} <= actions


@pytest.mark.parametrize("reviewer, steps", [("unit", []), ("dept", ["unit"]), ("bureau", ["unit", "dept"])])
def test_a_return_at_each_level_needs_a_reason_and_comes_back_to_the_unit(demo_app, reviewer, steps):
    expert_browser, expert_id = submitted_application(demo_app)
    for step in steps:
        review(staff(demo_app, step), expert_id, "endorse")
    b = staff(demo_app, reviewer)
    page = review(b, expert_id, "return", reason="  ").get_data(as_text=True)
    assert "请填写退回理由" in page
    before = expert_where(demo_app, id=expert_id).status
    assert before != "returned"
    review(b, expert_id, "return", reason="请补充近三年项目证明")
    assert expert_where(demo_app, id=expert_id).status == "returned"
    assert "请补充近三年项目证明" in expert_browser.get("/me/").get_data(as_text=True)
    expert_browser.post("/me/submit", {})
    assert expert_where(demo_app, id=expert_id).status == "pending_unit"


def test_the_bureau_stands_in_for_a_missing_department(demo_app):
    with demo_app.app_context():
        expert = make_expert("pending_unit", org_name="绍兴市工程咨询有限公司")
        add_user("consult_unit", "unit", org_name="绍兴市工程咨询有限公司")
        db.session.commit()
        expert_id = expert.id
    review(staff(demo_app, "consult_unit"), expert_id, "endorse")
    assert expert_where(demo_app, id=expert_id).status == "pending_dept"
    page = staff(demo_app, "bureau").get(f"/admin/expert/review/?id={expert_id}").get_data(as_text=True)
    assert "由市科技局代行归口部门审核" in page
    review(staff(demo_app, "bureau"), expert_id, "endorse")
    assert expert_where(demo_app, id=expert_id).status == "pending_bureau"


def test_an_expert_outside_shaoxing_is_reviewed_by_the_bureau_as_department(demo_app):
    with demo_app.app_context():
        expert = make_expert("pending_dept", org_name="浙江大学")
        db.session.commit()
        expert_id = expert.id
    review(staff(demo_app, "bureau"), expert_id, "endorse")
    assert expert_where(demo_app, id=expert_id).status == "pending_bureau"


def test_invitation_admission_needs_only_the_bureaus_confirmation(demo_app):
    bureau = staff(demo_app, "bureau")
    response = bureau.post("/admin/expert/invite/", {
        "name": "特邀院士", "mobile": "13905750001", "email": "ys@example.cn", "username": "academician1",
        "password": "Invite2026x", "password2": "Invite2026x"})
    assert response.status_code == 302
    invited = expert_where(demo_app, email="ys@example.cn")
    assert invited.status == "invited" and invited.admission_route == "invitation"
    b = Browser(demo_app.test_client())
    b.login("academician1", "Invite2026x")
    # The bureau chose that password: the expert must set their own before anything else.
    assert b.get("/me/").headers["Location"].endswith("/password")
    b.post("/password", {"current_password": "Invite2026x", "new_password": "Mine2026abc",
                         "new_password2": "Mine2026abc"})
    assert b.get("/me/").status_code == 200
    form = profile_form(demo_app, name="特邀院士", email="ys@example.cn", mobile="13905750001")
    assert b.post("/me/profile", form).status_code == 302
    b.post("/me/upload/title_certificate", {"file": upload()}, content_type="multipart/form-data")
    b.post("/me/submit", {})
    assert expert_where(demo_app, id=invited.id).status == "pending_bureau"  # no unit, no department
    review(bureau, invited.id, "confirm")
    assert expert_where(demo_app, id=invited.id).status == "admitted"  # no publicity


def test_provincial_library_expert_is_admitted_on_the_bureaus_check_of_the_proof(demo_app):
    b = register(demo_app, "provincial1")
    b.post("/me/profile", profile_form(demo_app, provincial_library="y"))
    b.post("/me/upload/title_certificate", {"file": upload()}, content_type="multipart/form-data")
    b.post("/me/submit", {})
    assert "浙江省科技专家库专家资格证明" in b.get("/me/").get_data(as_text=True)
    assert expert_where(demo_app, email="new@example.cn").status == "draft"
    b.post("/me/upload/provincial_proof", {"file": upload(name="省库证明.pdf")}, content_type="multipart/form-data")
    b.post("/me/submit", {})
    expert = expert_where(demo_app, email="new@example.cn")
    assert expert.status == "pending_bureau" and expert.admission_route == "provincial"
    page = staff(demo_app, "bureau").get(f"/admin/expert/review/?id={expert.id}").get_data(as_text=True)
    assert "省库证明.pdf" in page
    review(staff(demo_app, "bureau"), expert.id, "confirm")
    assert expert_where(demo_app, id=expert.id).status == "admitted"


def test_an_ineligible_non_priority_expert_needs_a_written_override(demo_app):
    with demo_app.app_context():
        expert = make_expert("pending_bureau", title_level="intermediate", years_in_field=3)
        db.session.commit()
        expert_id = expert.id
    bureau = staff(demo_app, "bureau")
    page = review(bureau, expert_id, "publicize").get_data(as_text=True)
    assert "须填写书面意见" in page
    assert expert_where(demo_app, id=expert_id).status == "pending_bureau"
    review(bureau, expert_id, "publicize", override="该专家为我市急需的产业技术骨干，经局务会研究同意")
    assert expert_where(demo_app, id=expert_id).status == "publicizing"
    with demo_app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "expert_publicize",
                                                           AuditEntry.object_id == str(expert_id)))
        assert "局务会研究同意" in entry.detail


def test_the_same_endorsement_twice_moves_one_step(demo_app):
    with demo_app.app_context():
        expert = make_expert("pending_unit")
        db.session.commit()
        expert_id = expert.id
    unit = staff(demo_app, "unit")
    review(unit, expert_id, "endorse")
    page = review(unit, expert_id, "endorse").get_data(as_text=True)
    assert "请选择一项您可以执行的操作" in page
    assert expert_where(demo_app, id=expert_id).status == "pending_dept"
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(ExpertEvent.id)).where(ExpertEvent.expert_id == expert_id)) == 1


def test_two_reviewers_at_the_same_moment_move_the_expert_once(demo_app):
    """Both load the record in pending_unit; the second compare-and-set finds it moved."""
    from operations.admission import transition
    from rules import InvalidInput

    with demo_app.app_context():
        expert = make_expert("pending_unit")
        second = add_user("unit2", "unit", org_name="绍兴越州纺织科技有限公司")
        db.session.commit()
        expert_id, second_id = expert.id, second.id
    with demo_app.app_context():
        from models import User

        stale = db.session.get(Expert, expert_id)  # reviewer 2 has the page open
        with demo_app.app_context():  # reviewer 1, in another session, endorses first
            transition(db.session.get(Expert, expert_id), "endorse", user("unit"))
            db.session.commit()
        assert stale.status == "pending_unit"
        with pytest.raises(InvalidInput, match="已被处理"):
            transition(stale, "endorse", db.session.get(User, second_id))
        db.session.rollback()
    assert expert_where(demo_app, id=expert_id).status == "pending_dept"


@pytest.mark.parametrize("content, name, message", [
    (b"MZ\x90\x00" + b"\x00" * 100, "证书.pdf", "只能上传"),
    (PDF + b"0" * (10 * 1024 * 1024), "大文件.pdf", "10 MB"),
    (PDF, "../../etc/passwd.pdf", "路径"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "图.png", "只能上传"),
])
def test_bad_uploads_are_refused_and_nothing_saved_is_touched(demo_app, content, name, message):
    b = register(demo_app)
    b.post("/me/profile", profile_form(demo_app))
    b.post("/me/upload/title_certificate", {"file": upload(PDF, "好的证书.pdf")}, content_type="multipart/form-data")
    before = expert_where(demo_app, email="new@example.cn")
    response = b.post("/me/upload/title_certificate", {"file": upload(content, name)},
                      content_type="multipart/form-data", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    after = expert_where(demo_app, email="new@example.cn")
    assert after.title_certificate_id == before.title_certificate_id and after.name == before.name


def test_uploads_cannot_be_replaced_after_submission(demo_app):
    b, expert_id = submitted_application(demo_app)
    before = expert_where(demo_app, id=expert_id).stamped_form_id
    page = b.post("/me/upload/stamped_form", {"file": upload()}, content_type="multipart/form-data",
                  follow_redirects=True).get_data(as_text=True)
    assert "不能再更换" in page
    assert expert_where(demo_app, id=expert_id).stamped_form_id == before


def test_files_are_readable_by_the_expert_and_their_reviewers_only(demo_app):
    b, expert_id = submitted_application(demo_app)
    file_id = expert_where(demo_app, id=expert_id).stamped_form_id
    assert b.get(f"/files/{file_id}").data == PDF
    assert staff(demo_app, "unit").get(f"/files/{file_id}").status_code == 200
    assert staff(demo_app, "bureau").get(f"/files/{file_id}").status_code == 200
    with demo_app.app_context():
        add_user("hospital_unit", "unit", org_name="绍兴市人民医院")
        db.session.commit()
    assert staff(demo_app, "hospital_unit").get(f"/files/{file_id}").status_code == 404
    assert staff(demo_app, "leader").get(f"/files/{file_id}").status_code == 404
    other = register(demo_app, "someoneelse")
    assert other.get(f"/files/{file_id}").status_code == 404


def test_a_new_work_unit_can_be_proposed_with_its_credit_code(demo_app):
    from rules.credit_code import credit_code_check_char

    b = register(demo_app)
    page = b.post("/me/profile", profile_form(demo_app, organization_name="绍兴某新创科技有限公司")).get_data(as_text=True)
    assert "统一社会信用代码" in page and 'value="绍兴某新创科技有限公司"' in page
    code = "91330602MA2D00001"
    code += credit_code_check_char(code)
    assert b.post("/me/profile", profile_form(demo_app, organization_name="绍兴某新创科技有限公司",
                                              new_org_credit_code=code)).status_code == 302
    with demo_app.app_context():
        new = org("绍兴某新创科技有限公司")
        assert new.credit_code == code and new.verified is False
        assert expert_where(demo_app, email="new@example.cn").organization_id == new.id


def test_profile_errors_are_shown_at_the_field_and_keep_what_was_typed(demo_app):
    b = register(demo_app)
    page = b.post("/me/profile", profile_form(demo_app, id_number="330602197803150000", mobile="12345")
                  ).get_data(as_text=True)
    assert "校验位" in page and "手机号" in page
    assert 'value="总工程师"' in page and 'value="功能纺织品"' in page
    assert expert_where(demo_app, email="new@example.cn").id_number is None


def test_the_bureau_recommends_for_a_unit_that_has_no_reviewer_account(demo_app):
    """Otherwise an application from such a unit would wait in 待单位审核 for ever."""
    from tests.factories import make_expert

    with demo_app.app_context():
        lonely = make_expert("pending_unit", org_name="绍兴市中医院", name="无审核账号单位的专家")
        staffed = make_expert("pending_unit", name="有审核账号单位的专家")  # the demo unit reviewer's unit
        db.session.commit()
        lonely_id, staffed_id = lonely.id, staffed.id
    bureau = staff(demo_app, "bureau")
    page = bureau.get(f"/admin/expert/review/?id={lonely_id}").get_data(as_text=True)
    assert 'value="endorse"' in page
    review(bureau, lonely_id, "endorse")
    assert expert_where(demo_app, id=lonely_id).status in ("pending_dept", "pending_bureau")
    # Where the unit has a reviewer, the bureau does not take its place.
    assert 'value="endorse"' not in bureau.get(f"/admin/expert/review/?id={staffed_id}").get_data(as_text=True)
    review(bureau, staffed_id, "endorse")
    assert expert_where(demo_app, id=staffed_id).status == "pending_unit"


def test_a_provincial_library_expert_enters_without_an_override_even_past_the_age(demo_app):
    """§5: 具有浙江省科技专家库专家资格的自动入库 — the bureau checks the proof and admits; no eligibility
    override is asked for, though an open applicant of the same age would need one."""
    from datetime import date

    with demo_app.app_context():
        old = make_expert("pending_bureau", route="provincial", name="省库老专家", id_number=resident_id("19500101"),
                          birth_month=date(1950, 1, 1), provincial_library=True)
        db.session.commit()
        expert_id = old.id
    bureau = staff(demo_app, "bureau")
    page = bureau.get(f"/admin/expert/review/?id={expert_id}").get_data(as_text=True)
    assert "年龄超过65周岁" in page  # shown to the reviewer all the same
    assert review(bureau, expert_id, "confirm").status_code == 302
    assert expert_where(demo_app, id=expert_id).status == "admitted"


def test_a_rejected_applicant_applies_again_on_the_same_account(demo_app):
    """常年受理: the reason is shown on /me/; the expert re-applies, a new application goes to the unit,
    and the next reviewers see the earlier rejection. A second account cannot take the same ID number."""
    b, expert_id = submitted_application(demo_app)
    for reviewer in ("unit", "dept"):
        assert review(staff(demo_app, reviewer), expert_id, "endorse").status_code == 302
    bureau = staff(demo_app, "bureau")
    assert review(bureau, expert_id, "reject", reason="从事本领域年限证明不足").status_code == 302
    page = b.get("/me/").get_data(as_text=True)
    assert "未获通过" in page and "从事本领域年限证明不足" in page and "重新申请入库" in page
    assert b.post("/me/reapply", {}).status_code == 302
    expert = expert_where(demo_app, id=expert_id)
    assert expert.status == "draft" and expert.stamped_form_id is None  # a new application, a new stamp
    b.post("/me/upload/stamped_form", {"file": upload(PDF, "盖章表.pdf")}, content_type="multipart/form-data")
    assert b.post("/me/submit", {}).status_code == 302
    assert expert_where(demo_app, id=expert_id).status == "pending_unit"
    page = staff(demo_app, "unit").get(f"/admin/expert/review/?id={expert_id}").get_data(as_text=True)
    assert "此前的申请曾不予入库" in page and "从事本领域年限证明不足" in page
    # The same person cannot start over with a second account and the same ID number.
    other = register(demo_app, "secondaccount")
    page = other.post("/me/profile", profile_form(demo_app, id_number=expert.id_number),
                      follow_redirects=True).get_data(as_text=True)
    assert "该证件号码已登记在库" in page and "原账号" in page


def test_an_expert_withdraws_an_application_before_the_unit_decides(demo_app):
    b, expert_id = submitted_application(demo_app)
    assert "撤回申请" in b.get("/me/").get_data(as_text=True)
    assert b.post("/me/withdraw", {}).status_code == 302
    assert expert_where(demo_app, id=expert_id).status == "draft"
    b.post("/me/submit", {})
    review(staff(demo_app, "unit"), expert_id, "endorse")
    b.post("/me/withdraw", {})  # too late: the unit has decided
    assert expert_where(demo_app, id=expert_id).status == "pending_dept"


@pytest.mark.parametrize("role", ["bureau", "dept"])
def test_the_review_page_of_an_exited_expert_opens_with_no_decision_to_take(demo_app, role):
    """A crawl found the department's review page of an exited expert answering 500."""
    with demo_app.app_context():
        expert_id = make_expert("exited", org_name="绍兴越州纺织科技有限公司").id
        db.session.commit()
    page = staff(demo_app, role).get(f"/admin/expert/review/?id={expert_id}")
    assert page.status_code == 200
    assert "已出库" in page.get_data(as_text=True) and 'name="decision"' not in page.get_data(as_text=True)
