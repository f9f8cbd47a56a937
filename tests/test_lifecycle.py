"""The daily job with a frozen clock: dormancy, exit, waking, idempotence; exits with reasons."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Expert, ExpertEvent, ExpertExit, User, db, local_now
from operations.lifecycle import exit_expert, reapply_after_exit
from rules import InvalidInput
from rules.lifecycle import EXIT_REASONS
from tests.conftest import Browser
from tests.factories import add_user, make_expert, resident_id, user
from tests.conftest import staff

LOGIN = datetime(2025, 3, 10, 2, 0)


def _expert_with_login(app, username="clock1", last_login=LOGIN, status="admitted"):
    with app.app_context():
        account = add_user(username, "expert")
        account.last_login_at = last_login
        expert = make_expert(status, user_id=account.id, name=username)
        db.session.commit()
        return expert.id


def _status(app, expert_id):
    with app.app_context():
        return db.session.get(Expert, expert_id).status


def _run(app, day: date) -> str:
    result = app.test_cli_runner().invoke(args=["lifecycle", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("day, status", [
    (date(2026, 3, 10), "admitted"),  # the first anniversary: still active
    (date(2026, 3, 11), "dormant"),  # the day after
    (date(2027, 3, 10), "dormant"),  # the second anniversary
    (date(2027, 3, 11), "exited"),  # the day after: automatic exit
])
def test_the_clock_across_each_anniversary(clean_app, day, status):
    from seed.demo import load_demo

    with clean_app.app_context():
        load_demo()
        db.session.commit()
    expert_id = _expert_with_login(clean_app)
    _run(clean_app, day)
    assert _status(clean_app, expert_id) == status
    if status == "exited":
        with clean_app.app_context():
            record = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == expert_id))
            assert record.reason == "inactivity" and record.reapply_allowed


def test_a_dormant_expert_who_logs_in_is_active_again(demo_app):
    expert_id = _expert_with_login(demo_app, status="dormant")
    with demo_app.app_context():
        account = db.session.scalar(select(User).where(User.username == "clock1"))
        account.set_password("Clock2026x")
        db.session.commit()
    browser = Browser(demo_app.test_client())
    assert browser.login("clock1", "Clock2026x").status_code == 302
    assert _status(demo_app, expert_id) == "admitted"
    with demo_app.app_context():
        assert db.session.scalar(select(ExpertEvent.action).where(ExpertEvent.expert_id == expert_id)) == "wake"


def test_running_the_job_twice_changes_nothing_more(demo_app):
    _expert_with_login(demo_app, "clock1")
    _expert_with_login(demo_app, "clock2", LOGIN - timedelta(days=400))

    def snapshot():
        with demo_app.app_context():
            experts = db.session.execute(select(Expert.id, Expert.status, Expert.updated_at).order_by(Expert.id)).all()
            counts = [db.session.scalar(select(func.count()).select_from(t)) for t in (ExpertEvent, ExpertExit, AuditEntry)]
            return experts, counts

    day = date(2026, 6, 1)
    _run(demo_app, day)
    once = snapshot()
    second = _run(demo_app, day)
    assert snapshot() == once
    assert "新进入休眠 0 人" in second and "自动出库 0 人" in second


@pytest.mark.parametrize("reason", [r for r in EXIT_REASONS if r != "inactivity"])
def test_every_exit_reason(demo_app, reason):
    with demo_app.app_context():
        account = add_user("exiting", "expert")
        account.set_password("Exit2026abc")
        expert = make_expert("admitted", user_id=account.id, name="出库测试专家")
        db.session.commit()
        expert_id = expert.id
    bureau = staff(demo_app, "bureau")
    page = bureau.post(f"/admin/expert/exit/?id={expert_id}", {"reason": reason, "evidence": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写出库的事实依据" in page
    bureau.post(f"/admin/expert/exit/?id={expert_id}", {"reason": reason, "evidence": "经核实的事实"})
    assert _status(demo_app, expert_id) == "exited"
    with demo_app.app_context():
        record = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == expert_id))
        assert record.reason == reason and record.decided_by.username == "bureau"
        # Never drawn: the pool takes admitted experts only.
        from models import DrawRequest
        from operations.draws import split_pool

        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "approved"))
        req.discipline_codes = "540"
        pool, _excluded = split_pool(req)
        assert expert_id not in {c.id for c in pool}
        db.session.rollback()
    # The expert is told, and may or may not apply again.
    expert_browser = Browser(demo_app.test_client())
    expert_browser.login("exiting", "Exit2026abc")
    portal = expert_browser.get("/me/").get_data(as_text=True)
    assert EXIT_REASONS[reason][0] in portal
    expert_browser.post("/me/reapply", {})
    assert _status(demo_app, expert_id) == ("draft" if EXIT_REASONS[reason][1] else "exited")


def test_exit_is_refused_for_an_expert_not_in_the_library(demo_app):
    with demo_app.app_context():
        expert = make_expert("pending_unit")
        with pytest.raises(InvalidInput, match="只有已入库"):
            exit_expert(expert, "own_request", db.session.scalar(select(User).where(User.username == "bureau")),
                        evidence="本人申请")
        with pytest.raises(InvalidInput, match="只有已出库"):
            reapply_after_exit(expert, None)


def test_leave_periods_are_skipped_by_draws(demo_app):
    with demo_app.app_context():
        expert = db.session.scalar(select(Expert).join(User).where(User.username == "expert"))
        expert_id = expert.id
    browser = Browser(demo_app.test_client())
    browser.login("expert")
    start, end = (str(local_now().date() + timedelta(days=d)) for d in (20, 31))
    browser.post("/me/leave", {"start": start, "end": end, "reason": "出国访问"})
    with demo_app.app_context():
        from models import ExpertLeave

        leave = db.session.scalar(select(ExpertLeave).where(ExpertLeave.expert_id == expert_id))
        assert (str(leave.start_date), str(leave.end_date)) == (start, end)
    page = browser.post("/me/leave", {"start": end, "end": start, "reason": "会议"})
    text = page.get_data(as_text=True)  # /me/ again, the message at the form and the dates as typed
    assert page.status_code == 400 and "结束日期不能早于开始日期" in text
    assert f'value="{end}"' in text and f'value="{start}"' in text and 'value="会议"' in text


def test_an_unanswered_invitation_expires_at_its_deadline_and_the_next_backup_is_invited(demo_app):
    from models import DrawRequest, Invitation

    with demo_app.app_context():
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "drawn"))
        invited = db.session.scalar(select(Invitation).where(Invitation.request_id == req.id,
                                                             Invitation.status == "accepted"))
        invited.status = "invited"
        deadline = invited.deadline
        # Everyone logged in lately: no exit on the simulated day calls this request's backups first.
        for account in db.session.scalars(select(User)):
            account.last_login_at = deadline
        for expert in db.session.scalars(select(Expert).where(Expert.admitted_on.is_not(None))):
            expert.admitted_on = deadline.date()
        backup = make_expert("admitted", name="等待的备选")
        db.session.add(Invitation(request_id=req.id, expert_id=backup.id, position=99, role="backup", status="waiting"))
        db.session.commit()
        inv_id, backup_id, req_id = invited.id, backup.id, req.id
    _run(demo_app, deadline.date())  # the deadline day itself (00:00): not yet
    with demo_app.app_context():
        assert db.session.get(Invitation, inv_id).status == "invited"
    _run(demo_app, deadline.date() + timedelta(days=1))
    with demo_app.app_context():
        assert db.session.get(Invitation, inv_id).status == "expired"
        rows = [(i.id, i.position, i.status, i.decline_reason, i.expert_id) for i in db.session.scalars(
            select(Invitation).where(Invitation.request_id == req_id))]
        called = db.session.scalar(select(Invitation).where(Invitation.expert_id == backup_id))
        assert called.status == "invited", rows + [backup_id]


def test_a_warning_goes_out_thirty_days_before_dormancy_once(demo_app):
    from models import OutboxMessage

    with demo_app.app_context():
        account = add_user("warned", "expert")
        account.email = "warned@example.cn"
        account.last_login_at = LOGIN
        make_expert("admitted", user_id=account.id, email=account.email)
        db.session.commit()
    day = date(2026, 3, 11) - timedelta(days=30)
    _run(demo_app, day - timedelta(days=1))
    _run(demo_app, day)
    _run(demo_app, day)
    with demo_app.app_context():
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "warned@example.cn")).all()
        assert [m.kind for m in mails] == ["dormancy_warning"]
        assert "2026-03-11" in mails[0].body


def test_a_warning_the_job_missed_on_its_day_goes_out_on_the_next_run(demo_app):
    from models import OutboxMessage

    with demo_app.app_context():
        account = add_user("warnedlate", "expert")
        account.email = "late@example.cn"
        account.last_login_at = LOGIN
        make_expert("admitted", user_id=account.id, email=account.email)
        db.session.commit()
    due = date(2026, 3, 11) - timedelta(days=30)
    _run(demo_app, due + timedelta(days=3))  # the server was down on the due day and the two after
    _run(demo_app, due + timedelta(days=4))
    with demo_app.app_context():
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "late@example.cn")).all()
        assert [m.kind for m in mails] == ["dormancy_warning"]
        assert "2026-03-11" in mails[0].body


def test_an_expert_without_e_mail_is_warned_by_telephone(demo_app):
    """No address: the warning waits on the bureau's 待电话通知 list, never silently unsent."""
    from models import OutboxMessage

    with demo_app.app_context():
        account = add_user("nomail", "expert")
        account.last_login_at = LOGIN
        make_expert("admitted", user_id=account.id, email="", mobile="13905750001")
        db.session.commit()
        account_id = account.id
    _run(demo_app, date(2026, 3, 11) - timedelta(days=30))
    with demo_app.app_context():
        calls = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == account_id)).all()
        assert [(m.kind, m.channel, m.status) for m in calls] == [("dormancy_warning", "phone", "phone_pending")]
        assert "2026-03-11" in calls[0].body and calls[0].to_address == "13905750001"


def test_a_reminder_goes_out_once_when_a_deadline_is_near(demo_app):
    from models import DrawRequest, Invitation, OutboxMessage

    with demo_app.app_context():
        account = add_user("remind", "expert")
        account.email = "remind@example.cn"
        expert = make_expert("admitted", user_id=account.id, email=account.email)
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "approved"))
        deadline = datetime(2027, 1, 10, 16, 0)
        db.session.add(Invitation(request_id=req.id, expert_id=expert.id, position=77, role="selected",
                                  status="invited", deadline=deadline))
        db.session.commit()
    _run(demo_app, date(2027, 1, 9))  # 00:00 on the 9th: more than a day left
    _run(demo_app, date(2027, 1, 10))  # 00:00 on the 10th: 16 hours left
    _run(demo_app, date(2027, 1, 10))
    with demo_app.app_context():
        kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.to_address == "remind@example.cn")).all()
    assert kinds == ["deadline_reminder"]


def test_each_invitation_gets_its_own_reminder(demo_app):
    """Invitations 1 and 12 both get one: the once-only check is per invitation, not a text match."""
    from models import DrawRequest, Invitation, OutboxMessage

    with demo_app.app_context():
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "approved"))
        deadline = datetime(2027, 1, 10, 16, 0)
        for n in range(12):
            account = add_user(f"remind{n}", "expert")
            account.email = f"remind{n}@example.cn"
            expert = make_expert("admitted", user_id=account.id, email=account.email)
            db.session.add(Invitation(request_id=req.id, expert_id=expert.id, position=100 + n, role="selected",
                                      status="invited", deadline=deadline))
        db.session.commit()
    _run(demo_app, date(2027, 1, 10))
    _run(demo_app, date(2027, 1, 10))
    with demo_app.app_context():
        to = db.session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "deadline_reminder", OutboxMessage.to_address.like("remind%"))).all()
    assert sorted(to) == sorted(f"remind{n}@example.cn" for n in range(12))


def test_an_exit_gives_up_future_engagements_and_calls_the_next_backup(demo_app):
    from models import DrawRequest, Invitation, local_now

    with demo_app.app_context():
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "drawn",
                                                          DrawRequest.start_at > local_now()))
        accepted = db.session.scalar(select(Invitation).where(Invitation.request_id == req.id,
                                                              Invitation.status == "accepted"))
        for other in db.session.scalars(select(Invitation).where(Invitation.request_id == req.id,
                                                                 Invitation.status == "waiting")):
            other.status = "declined"  # only our backup is left to call
        from models import Organization
        from rules.credit_code import credit_code_check_char

        body = "91330603MA2TX0001"  # a unit of its own: nobody else of it is engaged for this request
        unit = Organization(name="顶替测试企业", credit_code=body + credit_code_check_char(body), in_shaoxing=True)
        db.session.add(unit)
        db.session.flush()
        backup = make_expert("admitted", name="顶替的备选", org_name=unit.name)
        db.session.add(Invitation(request_id=req.id, expert_id=backup.id, position=99, role="backup",
                                  status="waiting"))
        db.session.commit()
        leaving = db.session.get(Expert, accepted.expert_id)
        exit_expert(leaving, "misconduct", User.query.filter_by(username="bureau").one(), evidence="评审中泄露信息")
        db.session.commit()
        gone = db.session.get(Invitation, accepted.id)
        assert gone.status == "cancelled" and "专家已出库" in gone.decline_reason
        called = db.session.scalar(select(Invitation).where(Invitation.expert_id == backup.id))
        assert called.status == "invited" and called.deadline is not None, called.decline_reason
        assert db.session.scalar(select(func.count(AuditEntry.seq)).where(
            AuditEntry.action == "invitation_cancelled")) == 1


def test_a_readmitted_expert_counts_from_the_new_admission_not_an_old_login(clean_app):
    """Re-admitted today after an old login: not dormant tomorrow."""
    from operations.lifecycle import last_active_day

    assert last_active_day(datetime(2023, 1, 5, 8), date(2026, 11, 1), datetime(2022, 1, 1)) == date(2026, 11, 1)
    assert last_active_day(datetime(2026, 11, 20, 8), date(2026, 11, 1), datetime(2022, 1, 1)) == date(2026, 11, 20)
    assert last_active_day(None, None, datetime(2025, 2, 3, 4)) == date(2025, 2, 3)
    expert_id = _expert_with_login(clean_app, "readmitted", last_login=datetime(2023, 1, 5, 8))
    with clean_app.app_context():
        db.session.get(Expert, expert_id).admitted_on = date(2026, 11, 1)
        db.session.commit()
    _run(clean_app, date(2026, 11, 28))
    assert _status(clean_app, expert_id) == "admitted"


def test_an_expert_asks_to_leave_and_the_bureau_decides(demo_app):
    """§8(二): the expert's written request waits for the bureau; granted, it is an exit at their own
    request (which allows a later re-application); declined, the reason is shown to the expert."""
    from models import ExitRequest

    expert_browser = staff(demo_app, "expert")
    page = expert_browser.post("/me/exit-request", {"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "请写明申请不再担任专家的原因" in page
    assert expert_browser.post("/me/exit-request", {"reason": "已退休"}).status_code == 302
    page = expert_browser.post("/me/exit-request", {"reason": "再申请一次"}, follow_redirects=True).get_data(as_text=True)
    assert "待市科技局处理" in page
    with demo_app.app_context():
        request_id = db.session.scalar(select(ExitRequest.id).where(ExitRequest.reason == "已退休"))
    bureau = staff(demo_app, "bureau")
    refused = bureau.post(f"/admin/exitrequest/decide/?id={request_id}", {"decision": "reject"})
    assert refused.status_code == 400 and "请填写不同意的理由" in refused.get_data(as_text=True)
    assert bureau.post(f"/admin/exitrequest/decide/?id={request_id}", {"decision": "approve"}).status_code == 302
    with demo_app.app_context():
        expert = db.session.scalar(select(Expert).where(Expert.user_id == user("expert").id))
        assert expert.status == "exited"
        record = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == expert.id))
        assert record.reason == "own_request" and record.reapply_allowed and "已退休" in record.evidence
    assert "已同意出库" in expert_browser.get("/me/").get_data(as_text=True)


def test_an_expert_sees_their_engagements_ratings_and_fees(demo_app):
    from models import DrawRequest, Invitation

    from decimal import Decimal

    with demo_app.app_context():
        inv = db.session.scalar(select(Invitation).join(DrawRequest).where(
            DrawRequest.status == "released", Invitation.status == "accepted"))
        inv.attendance, inv.rating, inv.fee = "attended", 5, Decimal("800.00")
        account = add_user("served", "expert")
        inv.expert.user_id = account.id
        title = inv.request.title
        db.session.commit()
    page = staff(demo_app, "served").get("/me/").get_data(as_text=True)
    assert title in page and "出席情况：出席" in page and "评分 5/5" in page and "劳务费 800.00 元" in page


def _absent_twice(app, name: str) -> int:
    """An admitted expert with two absences without reason, on two past requests of the demo."""
    from models import DrawRequest, Invitation

    with app.app_context():
        expert = make_expert("admitted", name=name, id_number=None)
        requests = db.session.scalars(select(DrawRequest.id).where(DrawRequest.status.in_(["released", "drawn"]))
                                      .order_by(DrawRequest.id).limit(2)).all()
        for n, req_id in enumerate(requests):
            db.session.add(Invitation(request_id=req_id, expert_id=expert.id, position=200 + n, role="selected",
                                      status="accepted", attendance="absent_unexcused"))
        db.session.commit()
        return expert.id


def test_flagged_experts_are_listed_with_evidence_and_exited_together_with_the_reason(demo_app):
    from operations.lifecycle import absent_twice

    first, second = _absent_twice(demo_app, "缺席甲"), _absent_twice(demo_app, "缺席乙")
    bureau = staff(demo_app, "bureau")
    home = bureau.get("/admin/").get_data(as_text=True)
    assert "/admin/exitflags/#absent" in home
    page = bureau.get("/admin/exitflags/").get_data(as_text=True)
    assert "缺席甲" in page and "缺席乙" in page and "》（绍兴市科技信息研究院）" in page
    refused = bureau.post("/admin/exitflags/exit/", {"flag": "absent_twice", "expert_ids": [str(first), str(second)]})
    assert refused.status_code == 400 and "请填写处理意见" in refused.get_data(as_text=True)
    response = bureau.post("/admin/exitflags/exit/", {"flag": "absent_twice", "expert_ids": [str(first), str(second)],
                                                      "note": "经向使用单位核实，均未请假"})
    assert response.status_code == 302
    with demo_app.app_context():
        for expert_id in (first, second):
            assert db.session.get(Expert, expert_id).status == "exited"
            record = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == expert_id))
            assert record.reason == "absent_twice" and not record.reapply_allowed
            assert "无故缺席" in record.evidence and "经向使用单位核实" in record.evidence
        assert not {first, second} & {i for i, _n in absent_twice()}  # exited: no longer counted


def test_absences_the_bureau_excuses_no_longer_count(demo_app):
    from operations.lifecycle import absent_twice

    expert_id = _absent_twice(demo_app, "缺席丙")
    bureau = staff(demo_app, "bureau")
    assert bureau.post("/admin/exitflags/keep/", {"expert_ids": [str(expert_id)],
                                                  "note": "两次均因突发疾病，已补交证明"}).status_code == 302
    with demo_app.app_context():
        assert db.session.get(Expert, expert_id).status == "admitted"
        assert expert_id not in {i for i, _n in absent_twice()}
        event = db.session.scalar(select(ExpertEvent).where(ExpertEvent.expert_id == expert_id,
                                                            ExpertEvent.action == "absences_kept"))
        assert "突发疾病" in event.reason


def test_an_over_age_expert_waits_out_of_draws_until_the_bureau_exits_them(demo_app):
    from models import DrawRequest
    from operations import draw_requests

    with demo_app.app_context():
        old = make_expert("admitted", name="超龄专家", id_number=resident_id("19550101"), priority_categories="")
        start = datetime.now() + timedelta(days=5)
        usage = user("usage")
        req = DrawRequest(organization_id=usage.organization_id, title="超龄排除测试", start_at=start,
                          end_at=start + timedelta(hours=3), place="会议室", need=2, backups=0,
                          discipline_codes="54020", status="approved")
        db.session.add(req)
        db.session.commit()
        record = draw_requests.draw(req, user("bureau"), pool_reason="测试：候选库小")
        db.session.commit()
        excluded = json.loads(record.excluded_ids)
        assert old.id in excluded.get("over_age", [])
        old_id = old.id
    page = staff(demo_app, "bureau").get("/admin/exitflags/").get_data(as_text=True)
    assert "超龄专家" in page
    assert staff(demo_app, "bureau").post("/admin/exitflags/exit/", {
        "flag": "age", "expert_ids": [str(old_id)], "note": "已满70周岁"}).status_code == 302
    with demo_app.app_context():
        record = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == old_id))
        assert record.reason == "age" and "周岁" in record.evidence and record.reapply_allowed


def test_the_first_daily_job_on_the_demo_moves_nobody_at_once(demo_app):
    """Issue 17: the demo's activity dates made the first `flask lifecycle` exit 51 experts at once."""
    result = demo_app.test_cli_runner().invoke(args=["lifecycle"])
    assert result.exit_code == 0, result.output
    assert "新进入休眠 0 人；超过两年未登录自动出库 0 人" in result.output
    later = demo_app.test_cli_runner().invoke(args=["lifecycle", "--today",
                                                    (date.today() + timedelta(days=40)).isoformat()])
    moved = re.search(r"新进入休眠 (\d+) 人；超过两年未登录自动出库 (\d+) 人", later.output)
    assert moved and 0 < int(moved[1]) + int(moved[2]) <= 10, later.output
