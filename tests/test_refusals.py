"""Each refusal of operations/ that the other tests do not pin down, one test each: the message the user
sees, and that nothing was saved.

Through the views where a view reaches the refusal. Where the view's own scoping (a 404) or its form refuses
first, the operation is called as the view would call it: it must refuse on its own all the same. The
compare-and-set refusals (two people acting on one row at the same moment) move the row behind the
session's back, then act on the object loaded before.
"""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from models import (ChangeRequest, DrawRequest, ExitRequest, Expert, ExpertEvent, ExpertExit, ExpertLeave,
                    Invitation, Objection, Organization, PublicityBatch, SpecialExpert, UploadedFile, db, utcnow)
from operations import admission, draw_requests, invitations
from operations.changes import decide as decide_change
from operations.files import attach_to_expert
from operations.lifecycle import decide_exit_request, exit_expert
from operations.profile import propose_change, save_profile, snapshot
from rules import InvalidInput
from tests.conftest import register, request_step, staff, submitted_application
from tests.factories import (PDF, add_user, approved_request, expert_where, make_expert, org, profile_form,
                             supplement_form, textile_experts, user)

HOSPITAL = "绍兴市人民医院"  # neither the demo unit reviewer's unit nor under the demo department


def behind_the_back(model, row_id: int, status: str) -> None:
    """Someone else's step meanwhile: the row's status moves; the object loaded before keeps the old one."""
    db.session.execute(update(model).where(model.id == row_id).values(status=status)
                       .execution_options(synchronize_session=False))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def status_of(model, row_id: int) -> str:
    return db.session.scalar(select(model.status).where(model.id == row_id))


# Admission ------------------------------------------------------------------------------------------------

def test_a_unit_reviewer_cannot_move_an_expert_of_another_unit(demo_app):
    """The lists and the review page never show them the expert; the operation refuses all the same."""
    with demo_app.app_context():
        expert = make_expert("pending_unit", org_name=HOSPITAL)
        with pytest.raises(InvalidInput, match="该专家不在您的管理范围内"):
            admission.transition(expert, "endorse", user("unit"))
        assert status_of(Expert, expert.id) == "pending_unit"
        assert count(ExpertEvent, ExpertEvent.expert_id == expert.id) == 0


def test_the_review_page_takes_review_decisions_only_not_admission_after_publicity(demo_app):
    """入库 after publicity is the bulk action's or the daily job's; the review form offers it to nobody."""
    with demo_app.app_context():
        ended = PublicityBatch(start_date=date.today() - timedelta(days=10), end_date=date.today() - timedelta(days=3))
        db.session.add(ended)
        db.session.flush()
        expert = make_expert("publicizing", publicity_batch_id=ended.id)
        with pytest.raises(InvalidInput, match="请选择一项您可以执行的操作"):
            admission.decide(expert, "admit", user("bureau"))
        assert status_of(Expert, expert.id) == "publicizing"


def test_only_an_expert_in_publicity_is_admitted_after_it(demo_app):
    with demo_app.app_context():
        expert_id = make_expert("pending_bureau", name="未公示专家").id
        db.session.commit()
    page = staff(demo_app, "bureau").post("/admin/expert/action/", {"action": "admit", "rowid": [str(expert_id)]},
                                          follow_redirects=True).get_data(as_text=True)
    assert "未公示专家：该专家不在公示中" in page
    assert expert_where(demo_app, id=expert_id).status == "pending_bureau"


def test_no_objection_is_lodged_against_an_expert_not_in_publicity(demo_app):
    """The publicity page lists only experts in publicity; the operation refuses any other all the same."""
    with demo_app.app_context():
        expert = make_expert("pending_bureau")
        with pytest.raises(InvalidInput, match="该专家不在公示期内"):
            admission.lodge_objection(expert, "王五", "13800000000", "职称证书存疑")
        assert count(Objection, Objection.expert_id == expert.id) == 0
        assert status_of(Expert, expert.id) == "pending_bureau"


# Change requests ------------------------------------------------------------------------------------------

def _change_request(status: str, org_name: str = "绍兴越州纺织科技有限公司") -> ChangeRequest:
    expert = make_expert("admitted", org_name=org_name, position="工程师")
    change = ChangeRequest(expert_id=expert.id, organization_id=expert.organization_id, status=status,
                           changes=json.dumps({"position": ["工程师", "总工程师"]}, ensure_ascii=False))
    db.session.add(change)
    db.session.flush()
    return change


def test_a_unit_reviewer_cannot_decide_a_change_request_of_another_unit(demo_app):
    """The change's page answers 404 to them (tests/test_changes.py); the operation refuses all the same."""
    with demo_app.app_context():
        change = _change_request("pending_unit", HOSPITAL)
        with pytest.raises(InvalidInput, match="该变更申请不在您的管理范围内"):
            decide_change(change, "endorse", user("unit"))
        assert status_of(ChangeRequest, change.id) == "pending_unit"


def test_a_change_request_rejected_meanwhile_is_not_approved(demo_app):
    with demo_app.app_context():
        change = _change_request("pending_bureau")
        behind_the_back(ChangeRequest, change.id, "rejected")  # another bureau administrator, a moment earlier
        with pytest.raises(InvalidInput, match="该变更申请已被处理，请刷新页面"):
            decide_change(change, "approve", user("bureau"))
        assert status_of(ChangeRequest, change.id) == "rejected"
        assert db.session.scalar(select(Expert.position).where(Expert.id == change.expert_id)) == "工程师"


# Draw requests --------------------------------------------------------------------------------------------

def _demo_request(status: str) -> DrawRequest:
    return db.session.scalar(select(DrawRequest).where(DrawRequest.status == status).order_by(DrawRequest.id))


def test_a_usage_unit_cannot_submit_another_units_request(demo_app):
    """Another unit's request is not found on its pages (tests/test_draws.py); the operation refuses too."""
    with demo_app.app_context():
        other = add_user("usage2", "usage", org_name=HOSPITAL)
        req = _demo_request("draft")
        with pytest.raises(InvalidInput, match="该申请不在您的管理范围内"):
            draw_requests.submit_request(req, other)
        assert status_of(DrawRequest, req.id) == "draft"


def test_a_request_rejected_meanwhile_is_not_approved(demo_app):
    with demo_app.app_context():
        req = _demo_request("submitted")
        behind_the_back(DrawRequest, req.id, "rejected")  # the other bureau administrator, a moment earlier
        with pytest.raises(InvalidInput, match="该申请状态已变化，请刷新页面"):
            draw_requests.decide_request(req, user("bureau"), True)
        assert tuple(db.session.execute(select(DrawRequest.status, DrawRequest.decided_by_id)
                                        .where(DrawRequest.id == req.id)).one()) == ("rejected", None)


def test_a_request_is_not_rejected_with_a_blank_reason(demo_app):
    """The decision form refuses a blank reason first (it strips); the operation refuses it all the same."""
    with demo_app.app_context():
        req = _demo_request("submitted")
        with pytest.raises(InvalidInput, match="请填写不予批准的理由"):
            draw_requests.decide_request(req, user("bureau"), False, "   ")
        assert status_of(DrawRequest, req.id) == "submitted"


def test_no_supplementary_draw_while_every_place_is_taken(demo_app):
    textile_experts(demo_app)
    req_id = approved_request(demo_app, need=2, backups=0)
    bureau = staff(demo_app, "bureau")
    assert request_step(bureau, "draw", req_id).status_code == 302  # two invited: both places held
    response = request_step(bureau, "supplement", req_id, supplement_form(demo_app, req_id, reason="再多抽一位"))
    assert response.status_code == 400 and "专家人数已满足，无需补充抽取" in response.get_data(as_text=True)
    with demo_app.app_context():
        assert len(db.session.get(DrawRequest, req_id).records) == 1


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_a_special_expert_is_decided_once(demo_app, second):
    with demo_app.app_context():
        special = db.session.scalar(select(SpecialExpert).where(SpecialExpert.status == "proposed"))
        req_id, special_id = special.request_id, special.id
    bureau = staff(demo_app, "bureau")
    decide = {"special_id": str(special_id)}
    assert request_step(bureau, "special", req_id, decide | {"decision": "approve"}).status_code == 302
    response = request_step(bureau, "special", req_id, decide | {"decision": second})
    assert response.status_code == 400 and "该特邀专家建议已处理" in response.get_data(as_text=True)
    with demo_app.app_context():
        assert status_of(SpecialExpert, special_id) == "approved"
        assert count(Invitation, Invitation.special_expert_id == special_id) == 1  # invited once


def _of_the_finished_activity(app, status: str) -> tuple[int, int]:
    """The demo's request whose activity is over (attendance recorded), and one invitation of it in `status`."""
    with app.app_context():
        inv = db.session.scalar(select(Invitation).join(DrawRequest).where(
            DrawRequest.title.like("%柯桥区产业技术攻关%"), Invitation.status == status).order_by(Invitation.id))
        return inv.request_id, inv.id


def _feedback(app, inv_id: int) -> tuple:
    with app.app_context():
        return tuple(db.session.execute(select(Invitation.attendance, Invitation.absence_reason, Invitation.rating,
                                               Invitation.fee, Invitation.spot_check)
                                        .where(Invitation.id == inv_id)).one())


@pytest.mark.parametrize("who, step, data, said", [
    ("bureau", "spot-check", {"note": "抽查：评审意见完整"}, "只能为已接受邀请的专家记录抽查评价"),
    ("usage", "attendance", {"attendance": "attended", "rating": "5", "fee": "800"}, "只能为已接受邀请的专家记录出席情况"),
], ids=["spot-check", "attendance"])
def test_an_expert_who_declined_is_neither_spot_checked_nor_marked_present(demo_app, who, step, data, said):
    req_id, inv_id = _of_the_finished_activity(demo_app, "declined")
    before = _feedback(demo_app, inv_id)
    response = request_step(staff(demo_app, who), step, req_id, {"invitation_id": str(inv_id), **data})
    assert response.status_code == 400 and said in response.get_data(as_text=True)
    assert _feedback(demo_app, inv_id) == before


def test_a_spot_check_of_blanks_is_refused_and_keeps_the_earlier_one(demo_app):
    req_id, inv_id = _of_the_finished_activity(demo_app, "accepted")
    with demo_app.app_context():
        db.session.get(Invitation, inv_id).spot_check = "抽查：评审意见完整规范"
        db.session.commit()
    response = request_step(staff(demo_app, "bureau"), "spot-check", req_id,
                            {"invitation_id": str(inv_id), "note": "   "})
    assert response.status_code == 400 and "请填写抽查评价" in response.get_data(as_text=True)
    assert _feedback(demo_app, inv_id)[-1] == "抽查：评审意见完整规范"


@pytest.mark.parametrize("attendance, reason, said", [
    ("present", "", "请选择出席情况"),
    ("absent_excused", "   ", "请填写缺席理由"),
], ids=["unknown-choice", "excused-without-reason"])
def test_attendance_needs_a_known_choice_and_an_excused_absence_its_reason(demo_app, attendance, reason, said):
    """The attendance form refuses both first (a blank reason too); the operation refuses them all the same."""
    _req_id, inv_id = _of_the_finished_activity(demo_app, "accepted")
    before = _feedback(demo_app, inv_id)
    with demo_app.app_context():
        with pytest.raises(InvalidInput, match=said):
            draw_requests.record_attendance(db.session.get(Invitation, inv_id), user("usage"),
                                            attendance=attendance, reason=reason)
        db.session.rollback()
    assert _feedback(demo_app, inv_id) == before


# Files ------------------------------------------------------------------------------------------------------

def test_a_file_of_an_unknown_kind_is_not_stored(demo_app):
    """/me/upload/<kind> answers 404 for an unknown kind; the operation refuses it all the same."""
    with demo_app.app_context():
        account = add_user("uploader", "expert")
        expert = make_expert("draft", user_id=account.id)
        files = count(UploadedFile)
        with pytest.raises(InvalidInput, match="未知的材料类别"):
            attach_to_expert(expert, "photo", FileStorage(io.BytesIO(PDF), "照片.pdf"), account)
        assert count(UploadedFile) == files


# Invitations ------------------------------------------------------------------------------------------------

def _invited() -> Invitation:
    """The demo expert invited to the demo's approved request, two days to answer."""
    inv = Invitation(request_id=_demo_request("approved").id, position=99, role="selected", status="invited",
                     expert_id=db.session.scalar(select(Expert.id).where(Expert.user_id == user("expert").id)),
                     invited_at=utcnow(), deadline=utcnow() + timedelta(days=2))
    db.session.add(inv)
    db.session.flush()
    return inv


@pytest.mark.parametrize("given, said", [("decline", "请填写不能参加的原因"), ("recuse", "请填写申请回避的理由")],
                         ids=["decline", "recuse"])
def test_an_invitation_is_not_declined_with_a_blank_reason(demo_app, given, said):
    with demo_app.app_context():
        inv_id = _invited().id
        db.session.commit()
    me = staff(demo_app, "expert")
    refused = me.post(f"/me/invitations/{inv_id}", {"answer": given, "reason": "   "})
    assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert status_of(Invitation, inv_id) == "invited"


def test_an_invitation_answered_meanwhile_takes_no_second_answer(demo_app):
    """Accepted by the e-mailed link while /me/ was still open: the decline sent from /me/ changes nothing."""
    with demo_app.app_context():
        inv = _invited()
        behind_the_back(Invitation, inv.id, "accepted")
        with pytest.raises(InvalidInput, match="该邀请已答复"):
            invitations.answer(inv, "decline", None, "出差")
        assert tuple(db.session.execute(select(Invitation.status, Invitation.decline_reason)
                                        .where(Invitation.id == inv.id)).one()) == ("accepted", "")


# Lifecycle --------------------------------------------------------------------------------------------------

def test_an_exit_without_a_reason_is_refused(demo_app):
    with demo_app.app_context():
        expert_id = make_expert("admitted").id
        db.session.commit()
    page = staff(demo_app, "bureau").post(f"/admin/expert/exit/?id={expert_id}",
                                          {"reason": "", "evidence": "经核实的事实"}).get_data(as_text=True)
    assert "请选择出库原因" in page
    assert expert_where(demo_app, id=expert_id).status == "admitted"
    with demo_app.app_context():
        assert count(ExpertExit, ExpertExit.expert_id == expert_id) == 0


def test_an_expert_exited_meanwhile_is_not_exited_twice(demo_app):
    with demo_app.app_context():
        expert = make_expert("admitted")
        behind_the_back(Expert, expert.id, "exited")  # the other bureau administrator, a moment earlier
        with pytest.raises(InvalidInput, match="该专家状态已变化，请刷新页面"):
            exit_expert(expert, "misconduct", user("bureau"), evidence="评审中泄露信息")
        assert count(ExpertExit, ExpertExit.expert_id == expert.id) == 0
        assert count(ExpertEvent, ExpertEvent.expert_id == expert.id) == 0


def test_a_reapplication_after_an_exit_is_made_once(demo_app):
    """A second tab re-applied first: the stale page's re-application changes nothing."""
    with demo_app.app_context():
        account = add_user("returning", "expert")
        expert = make_expert("exited", user_id=account.id, admitted_on=date(2020, 5, 1))
        db.session.add(ExpertExit(expert_id=expert.id, reason="own_request", reapply_allowed=True))
        db.session.flush()
        behind_the_back(Expert, expert.id, "draft")
        with pytest.raises(InvalidInput, match="状态已变化，请刷新页面"):
            admission.reapply(expert, account)
        assert count(ExpertEvent, ExpertEvent.expert_id == expert.id) == 0
        assert db.session.scalar(select(Expert.admitted_on).where(Expert.id == expert.id)) == date(2020, 5, 1)


def test_leave_is_registered_only_once_admitted(demo_app):
    with demo_app.app_context():
        account = add_user("applicant", "expert")
        expert_id = make_expert("draft", user_id=account.id).id
        db.session.commit()
    me = staff(demo_app, "applicant")
    refused = me.post("/me/leave", {"start": "2027-03-01", "end": "2027-03-10", "reason": "出国访问"})
    assert refused.status_code == 400 and "入库后方可登记请假" in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert count(ExpertLeave, ExpertLeave.expert_id == expert_id) == 0


def _days(n: int) -> str:
    from models import local_now

    return str(local_now().date() + timedelta(days=n))


@pytest.mark.parametrize("start, end, reason, said", [
    (1, 10, "长" * 201, "事由不超过200字"),
    (-10, -1, "补登", "结束日期不能早于今天"),
    (1, None, "长期外派", "请假最长一年"),  # None: 9999-12-31, as the probe typed
    (10, 1, "会议", "结束日期不能早于开始日期"),
    (30, 30 + 366, "访学", "请假最长一年"),
    (400, 401, "远期", "请假只能登记一年以内的"),
], ids=["long-reason", "in-the-past", "ending-9999", "end-before-start", "longer-than-a-year", "too-far-ahead"])
def test_a_leave_is_refused_at_its_form_with_what_was_typed_kept(demo_app, start, end, reason, said):
    """/me/ again (400): the message at the leave form, the dates and the reason as typed; no leave kept."""
    from html import escape

    start, end = _days(start), "9999-12-31" if end is None else _days(end)
    with demo_app.app_context():
        expert_id = expert_where(demo_app, name=user("expert").name).id
        before = count(ExpertLeave, ExpertLeave.expert_id == expert_id)
    refused = staff(demo_app, "expert").post("/me/leave", {"start": start, "end": end, "reason": reason})
    page = refused.get_data(as_text=True)
    form = page[page.index('action="/me/leave"'):]
    form = form[:form.index("</form>")]
    assert refused.status_code == 400 and said in form, form
    assert f'value="{start}"' in form and f'value="{end}"' in form and f'value="{escape(reason)}"' in form
    with demo_app.app_context():
        assert count(ExpertLeave, ExpertLeave.expert_id == expert_id) == before


def test_a_leave_a_year_long_from_today_is_registered(demo_app):
    from rules.lifecycle import last_day_of_leave
    from models import local_now

    today = local_now().date()
    response = staff(demo_app, "expert").post("/me/leave", {"start": str(today), "end": str(last_day_of_leave(today)),
                                                            "reason": "长" * 200})
    assert response.status_code == 302
    with demo_app.app_context():
        leave = db.session.scalar(select(ExpertLeave).order_by(ExpertLeave.id.desc()).limit(1))
        assert (leave.start_date, leave.end_date, leave.reason) == (today, last_day_of_leave(today), "长" * 200)


def test_the_operation_refuses_a_long_reason_rather_than_cutting_it(demo_app):
    """Past the form (which counts what was typed), the operation still refuses: nothing is cut off silently."""
    from operations.lifecycle import add_leave

    with demo_app.app_context():
        expert = db.session.scalar(select(Expert).where(Expert.user_id == user("expert").id))
        with pytest.raises(InvalidInput, match="事由不超过200字（现为201字）"):
            add_leave(expert, date(2030, 1, 1), date(2030, 1, 2), " " + "长" * 201, user("expert"),
                      today=date(2029, 12, 1))


@pytest.mark.parametrize("who, reason, said", [
    ("applicant", "不再从事该专业", "只有在库专家可以申请出库"),
    ("expert", "   ", "请写明申请不再担任专家的原因"),
], ids=["not-in-the-library", "blank-reason"])
def test_a_request_to_leave_needs_an_expert_in_the_library_and_a_reason(demo_app, who, reason, said):
    with demo_app.app_context():
        make_expert("draft", user_id=add_user("applicant", "expert").id)
        db.session.commit()
    me = staff(demo_app, who)
    refused = me.post("/me/exit-request", {"reason": reason})
    assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert count(ExitRequest, ExitRequest.expert_id == db.session.scalar(
            select(Expert.id).where(Expert.user_id == user(who).id))) == 0


def test_a_second_request_to_leave_waits_for_the_first(demo_app):
    me = staff(demo_app, "expert")
    assert me.post("/me/exit-request", {"reason": "已退休"}).status_code == 302
    refused = me.post("/me/exit-request", {"reason": "再申请一次"})
    assert refused.status_code == 400 and "您已提交出库申请，请待市科技局处理" in refused.get_data(as_text=True)
    with demo_app.app_context():
        expert_id = db.session.scalar(select(Expert.id).where(Expert.user_id == user("expert").id))
        reasons = db.session.scalars(select(ExitRequest.reason).where(ExitRequest.expert_id == expert_id)).all()
        assert reasons == ["已退休"]


def test_a_request_to_leave_is_decided_once(demo_app):
    """Its page offers no decision once it is decided; the operation refuses a second one all the same."""
    with demo_app.app_context():
        request = db.session.scalar(select(ExitRequest).where(ExitRequest.status == "pending"))
        request.status, request.decision_reason = "rejected", "仍在承担评审任务"
        db.session.flush()
        with pytest.raises(InvalidInput, match="该出库申请已处理"):
            decide_exit_request(request, user("bureau"), True)
        assert status_of(ExitRequest, request.id) == "rejected"
        assert status_of(Expert, request.expert_id) == "admitted"
        assert count(ExpertExit, ExpertExit.expert_id == request.expert_id) == 0


def test_two_administrators_deciding_one_request_to_leave_at_once_decide_it_once(demo_app):
    """The other administrator rejected it after this page was loaded: approving now refuses, and the expert
    is not exited under a request that reads 未同意."""
    with demo_app.app_context():
        request = db.session.scalar(select(ExitRequest).where(ExitRequest.status == "pending"))
        db.session.execute(update(ExitRequest).where(ExitRequest.id == request.id)
                           .values(status="rejected", decision_reason="仍在承担评审任务")
                           .execution_options(synchronize_session=False))
        assert request.status == "pending"  # what this administrator's page still shows
        with pytest.raises(InvalidInput, match="该出库申请已处理"):
            decide_exit_request(request, user("bureau"), True)
        assert status_of(Expert, request.expert_id) == "admitted"
        assert count(ExpertExit, ExpertExit.expert_id == request.expert_id) == 0


def test_two_administrators_approving_one_special_expert_at_once_invite_them_once(demo_app):
    with demo_app.app_context():
        special = db.session.scalar(select(SpecialExpert).where(SpecialExpert.status == "proposed"))
        db.session.execute(update(SpecialExpert).where(SpecialExpert.id == special.id).values(status="approved")
                           .execution_options(synchronize_session=False))
        assert special.status == "proposed"
        with pytest.raises(InvalidInput, match="该特邀专家建议已处理"):
            draw_requests.decide_special(special, user("bureau"), True)
        assert count(Invitation, Invitation.special_expert_id == special.id) == 0


def _absent_twice() -> Expert:
    """An admitted expert with two absences without reason after accepting, not yet acted on."""
    expert = make_expert("admitted", name="缺席两次的专家")
    for n, req_id in enumerate(db.session.scalars(select(DrawRequest.id).where(
            DrawRequest.status.in_(["released", "drawn"])).order_by(DrawRequest.id).limit(2))):
        db.session.add(Invitation(request_id=req_id, expert_id=expert.id, position=200 + n, role="selected",
                                  status="accepted", attendance="absent_unexcused"))
    db.session.flush()
    return expert


@pytest.mark.parametrize("flag, absent, note, said", [
    ("age", False, "已满65周岁", "该专家未超过65周岁或具有优先入库条件"),
    ("absent_twice", False, "两次无故缺席", "该专家待处理的无故缺席不足2次"),
    ("misconduct", True, "经核实", "请选择出库原因"),  # only the two flags' reasons are taken here
    ("absent_twice", True, "   ", "请填写处理意见"),
], ids=["not-over-age", "not-absent-twice", "not-a-flag", "blank-note"])
def test_a_flagged_exit_needs_the_flag_to_hold_and_a_note(demo_app, flag, absent, note, said):
    with demo_app.app_context():
        expert = _absent_twice() if absent else make_expert("admitted", name="缺席两次的专家")
        db.session.commit()
        expert_id = expert.id
    page = staff(demo_app, "bureau").post("/admin/exitflags/exit/", {"flag": flag, "expert_ids": [str(expert_id)],
                                                                     "note": note}, follow_redirects=True)
    assert f"缺席两次的专家：{said}" in page.get_data(as_text=True)
    with demo_app.app_context():
        assert status_of(Expert, expert_id) == "admitted"
        assert count(ExpertExit, ExpertExit.expert_id == expert_id) == 0


@pytest.mark.parametrize("absent, note, said", [
    (True, "   ", "请填写核实意见（不予出库的理由）"),
    (False, "两次均有病假证明", "该专家没有待处理的无故缺席记录"),
], ids=["blank-note", "no-absences"])
def test_absences_are_excused_only_with_a_note_and_only_when_there_are_some(demo_app, absent, note, said):
    with demo_app.app_context():
        expert = _absent_twice() if absent else make_expert("admitted", name="缺席两次的专家")
        db.session.commit()
        expert_id = expert.id
    page = staff(demo_app, "bureau").post("/admin/exitflags/keep/", {"expert_ids": [str(expert_id)], "note": note},
                                          follow_redirects=True)
    assert f"缺席两次的专家：{said}" in page.get_data(as_text=True)
    with demo_app.app_context():
        assert count(ExpertEvent, ExpertEvent.expert_id == expert_id) == 0
        assert count(Invitation, Invitation.expert_id == expert_id, Invitation.absence_reviewed_at.is_not(None)) == 0


# The profile ------------------------------------------------------------------------------------------------

def test_a_new_unit_cannot_take_the_credit_code_of_a_registered_one(demo_app):
    b = register(demo_app)
    with demo_app.app_context():
        code = org("绍兴文理学院").credit_code
    page = b.post("/me/profile", profile_form(demo_app, organization_name="绍兴文理学院新校区",
                                              new_org_credit_code=code)).get_data(as_text=True)
    assert "该信用代码已登记为“绍兴文理学院”，请直接选择该单位" in page
    with demo_app.app_context():
        assert count(Organization, Organization.credit_code == code) == 1
    assert expert_where(demo_app, email="new@example.cn").organization_id is None


def test_an_admitted_experts_unchanged_profile_proposes_no_change(demo_app):
    with demo_app.app_context():
        account = add_user("admitted1", "expert")
        expert = make_expert("admitted", user_id=account.id)
        with pytest.raises(InvalidInput, match="没有需要变更的内容"):
            save_profile(expert, snapshot(expert), account)
        assert count(ChangeRequest, ChangeRequest.expert_id == expert.id) == 0


@pytest.mark.parametrize("status, org_name, who, reason, said", [
    ("draft", "绍兴越州纺织科技有限公司", "bureau", "职称晋升", "只有在库专家的信息需要以变更方式修改"),
    ("admitted", HOSPITAL, "unit", "单位来函更正", "该专家不在您的管理范围内"),
    ("admitted", "绍兴越州纺织科技有限公司", "unit", "   ", "请填写变更理由"),
], ids=["not-in-the-library", "out-of-scope", "blank-reason"])
def test_a_reviewers_change_needs_an_expert_in_the_library_in_scope_and_a_reason(demo_app, status, org_name, who,
                                                                                 reason, said):
    """The change page answers 403 before admission and 404 out of scope, and its form refuses an empty
    reason; the operation refuses each all the same."""
    with demo_app.app_context():
        expert = make_expert(status, org_name=org_name, position="工程师")
        with pytest.raises(InvalidInput, match=said):
            propose_change(expert, snapshot(expert) | {"position": "总工程师"}, user(who), reason)
        assert count(ChangeRequest, ChangeRequest.expert_id == expert.id) == 0
        assert db.session.scalar(select(Expert.position).where(Expert.id == expert.id)) == "工程师"


def test_an_application_under_review_is_not_edited_by_the_expert(demo_app):
    b, expert_id = submitted_application(demo_app)
    before = expert_where(demo_app, id=expert_id)
    page = b.post("/me/profile", profile_form(demo_app, position="副总工程师")).get_data(as_text=True)
    assert "申请正在审核中，暂不能修改" in page
    after = expert_where(demo_app, id=expert_id)
    assert (after.position, after.id_number) == (before.position, before.id_number)
