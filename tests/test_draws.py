"""Draws end to end: request, approval, the recorded draw, invitations, sealing, replay, feedback."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from models import DrawRecord, DrawRequest, Expert, ExpertLeave, Invitation, db, local_now, utcnow
from operations import draws
from rules.conflicts import exclusions
from tests.factories import make_expert, org, user
from tests.test_admission_flow import staff


def _request_form(start: datetime, **changes) -> dict:
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


def _seed_textile_experts(app, n=14):
    """Admitted textile experts in distinct units, enough for draws, backups and a supplement."""
    from models import Organization
    from rules.credit_code import credit_code_check_char

    with app.app_context():
        for i in range(n):
            body = f"91330603MA2T{i:05d}"
            code = body + credit_code_check_char(body)
            unit = Organization(name=f"柯桥纺织测试企业{i:02d}", credit_code=code, in_shaoxing=True,
                                department=org("绍兴越州纺织科技有限公司").department)
            db.session.add(unit)
            db.session.flush()
            make_expert("admitted", org_name=unit.name, name=f"纺织专家{i:02d}")
        db.session.commit()


def test_request_approval_draw_declines_conflict_supplement_release_feedback(demo_app):
    _seed_textile_experts(demo_app)
    start = (utcnow() + timedelta(days=10)).replace(hour=1, minute=0, second=0, microsecond=0)
    usage = staff(demo_app, "usage")
    with demo_app.app_context():
        uni_code = org("绍兴文理学院").credit_code
        firm_code = org("绍兴鉴湖新材料股份有限公司").credit_code
    response = usage.post("/admin/drawrequest/new/", _request_form(
        start, **{"members-0-credit_code": uni_code, "avoidances-0-credit_code": firm_code}))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with demo_app.app_context():
        req_id = db.session.scalar(select(DrawRequest.id).where(DrawRequest.title == "测试项目评审会"))
    manage = f"/admin/drawrequest/manage/?id={req_id}"
    usage.post(manage, {"action": "submit"})
    bureau = staff(demo_app, "bureau")
    page = bureau.get(manage).get_data(as_text=True)
    assert "申请方声明的回避将排除符合条件专家" in page
    bureau.post(manage, {"action": "approve"})
    bureau.post(manage, {"action": "draw"})

    with demo_app.app_context():
        req = db.session.get(DrawRequest, req_id)
        assert req.status == "drawn"
        record = req.records[0]
        assert draws.verify(record).ok
        # No drawn or backup expert has a conflict with this activity.
        chosen = record.ids("selected") + record.ids("backup_ids")
        assert len(record.ids("selected")) == 3 and len(record.ids("backup_ids")) == 2
        activity = draws.activity_of(req)
        for c in draws.candidates_for(req, [db.session.get(Expert, i) for i in chosen]):
            assert [r for r in exclusions(c, activity) if r != "already_drawn"] == []
        invited = db.session.scalars(select(Invitation).where(Invitation.request_id == req_id)
                                     .order_by(Invitation.position)).all()
        assert [i.status for i in invited] == ["invited"] * 3 + ["waiting"] * 2

    # Sealed: the usage unit sees no names before release, and never the pool.
    sealed = usage.get(manage).get_data(as_text=True)
    assert "保密" in sealed
    with demo_app.app_context():
        names = [db.session.get(Expert, i).name for i in chosen]
    assert not any(n in sealed for n in names)
    assert usage.get(f"/admin/drawrecord/record/?id={record.id}").status_code == 403

    with demo_app.app_context():
        first, second, third = invited[:3]
        # Two declines: the backups are invited in order.
        draws.respond(db.session.get(Invitation, first.id), False, None, "出差")
        draws.respond(db.session.get(Invitation, second.id), False, None, "身体原因")
        db.session.commit()
        statuses = [db.session.get(Invitation, i.id).status for i in invited]
        assert statuses == ["declined", "declined", "invited", "invited", "invited"]
        # A late conflict: the third expert goes on leave over the activity, then accepts.
        db.session.add(ExpertLeave(expert_id=third.expert_id, start_date=start.date(), end_date=start.date()))
        db.session.commit()
        assert draws.respond(db.session.get(Invitation, third.id), True, None) == "conflict"
        for inv in invited[3:]:
            assert draws.respond(db.session.get(Invitation, inv.id), True, None) == "accepted"
        db.session.commit()
        req = db.session.get(DrawRequest, req_id)
        assert draws.open_places(req) == 1  # backups used up: one place open

    page = bureau.post(manage, {"action": "supplement", "reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "补充抽取须写明原因" in page
    bureau.post(manage, {"action": "supplement", "reason": "备选专家已用尽，尚缺1人"})
    with demo_app.app_context():
        req = db.session.get(DrawRequest, req_id)
        assert len(req.records) == 2 and req.records[1].parent_id == req.records[0].id
        assert req.records[1].need == 1 and req.records[1].reason == "备选专家已用尽，尚缺1人"
        assert not set(req.records[1].ids("selected")) & set(chosen)  # nobody drawn twice
        new = db.session.scalar(select(Invitation).where(Invitation.record_id == req.records[1].id,
                                                         Invitation.role == "selected"))
        assert draws.respond(new, True, None) == "accepted"
        db.session.commit()
        accepted_names = [i.expert.name for i in db.session.scalars(select(Invitation).where(
            Invitation.request_id == req_id, Invitation.status == "accepted"))]
        declined_name = db.session.get(Invitation, first.id).expert.name
        assert all(draws.verify(r).ok for r in req.records)

    bureau.post(manage, {"action": "release"})
    released = usage.get(manage).get_data(as_text=True)
    assert all(n in released for n in accepted_names)
    assert declined_name not in released  # only those who serve
    assert "候选库" not in released and "随机种子" not in released

    # After the activity: attendance, rating, fee.
    with demo_app.app_context():
        req = db.session.get(DrawRequest, req_id)
        req_start = req.start_at
        db.session.execute(text("UPDATE draw_request SET start_at = :s, end_at = :e WHERE id = :i"),
                           {"s": local_now() - timedelta(hours=8), "e": local_now() - timedelta(hours=1), "i": req_id})
        db.session.commit()
        accepted = db.session.scalars(select(Invitation).where(Invitation.request_id == req_id,
                                                               Invitation.status == "accepted")).all()
        ids = [i.id for i in accepted]
    assert req_start > utcnow()
    page = usage.post(manage, {"action": "attendance", "invitation_id": str(ids[0]), "attendance": "attended",
                               "rating": "9"}, follow_redirects=True).get_data(as_text=True)
    assert "评分须为1到5" in page
    usage.post(manage, {"action": "attendance", "invitation_id": str(ids[0]), "attendance": "attended",
                        "rating": "5", "comments": "意见中肯", "fee": "800"})
    usage.post(manage, {"action": "attendance", "invitation_id": str(ids[1]), "attendance": "absent_unexcused"})
    with demo_app.app_context():
        done = db.session.get(Invitation, ids[0])
        assert (done.attendance, done.rating, str(done.fee)) == ("attended", 5, "800.00")
        assert db.session.get(Invitation, ids[1]).attendance == "absent_unexcused"


def test_a_request_from_another_usage_unit_is_not_visible(demo_app):
    from tests.factories import add_user

    with demo_app.app_context():
        add_user("usage2", "usage", org_name="绍兴市人民医院")
        db.session.commit()
        some = db.session.scalar(select(DrawRequest.id).limit(1))
    other = staff(demo_app, "usage2")
    assert other.get(f"/admin/drawrequest/manage/?id={some}").status_code == 404
    assert "CQ-" not in other.get("/admin/drawrequest/").get_data(as_text=True)


def test_verify_passes_on_the_demo_data_and_catches_an_altered_selection(demo_app):
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["draws", "verify", "--all"])
    assert result.exit_code == 0, result.output
    assert "不一致 0 条" in result.output
    with demo_app.app_context():
        record = db.session.scalar(select(DrawRecord).order_by(DrawRecord.id))
        selected = record.ids("selected")
        pool_ids = [row[0] for row in json.loads(record.pool)]
        swap = next(i for i in pool_ids if i not in selected + record.ids("backup_ids"))
        altered = json.dumps([swap] + selected[1:])
        record_id = record.id
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE draw_record SET selected = :s WHERE id = :i"), {"s": altered, "i": record_id})
    result = runner.invoke(args=["draws", "verify", "--all"])
    assert result.exit_code == 1
    assert f"抽取记录 #{record_id}：不一致" in result.output
    single = runner.invoke(args=["draws", "verify", str(record_id)])
    assert single.exit_code == 1


def test_an_invitation_list_changed_by_hand_is_caught(demo_app):
    with demo_app.app_context():
        record = db.session.scalar(select(DrawRecord).order_by(DrawRecord.id))
        inv = db.session.scalar(select(Invitation).where(Invitation.record_id == record.id)
                                .order_by(Invitation.position))
        outsider = db.session.scalar(select(Expert.id).where(Expert.status == "admitted",
                                                             Expert.id.notin_(record.ids("selected")
                                                                              + record.ids("backup_ids"))))
        inv.expert_id = outsider
        db.session.commit()
        assert not draws.verify(record).ok


def test_supervisor_replays_a_draw_in_the_ui(demo_app):
    with demo_app.app_context():
        record_id = db.session.scalar(select(DrawRecord.id).limit(1))
    supervisor = staff(demo_app, "supervisor")
    page = supervisor.post(f"/admin/drawrecord/record/?id={record_id}", {}).get_data(as_text=True)
    assert "复核结果：一致" in page


def test_draw_records_cannot_be_edited_or_deleted(demo_app):
    with demo_app.app_context():
        record = db.session.scalar(select(DrawRecord).limit(1))
        record.seed = "0" * 64
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy.exc import DBAPIError

            with pytest.raises(DBAPIError, match="final"):
                with db.engine.begin() as conn:
                    conn.execute(text("DELETE FROM draw_record"))


def test_two_absences_without_reason_flag_the_expert(demo_app):
    with demo_app.app_context():
        expert = make_expert("admitted")
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "released"))
        for n in range(2):
            db.session.add(Invitation(request_id=req.id if n == 0 else db.session.scalar(
                select(DrawRequest.id).where(DrawRequest.status == "drawn")), expert_id=expert.id,
                position=100 + n, role="selected", status="accepted", attendance="absent_unexcused"))
        db.session.commit()
        assert (expert.id, 2) in [tuple(r) for r in draws.flagged_for_exit()]


def test_the_approver_is_warned_when_avoidances_remove_a_third(demo_app):
    _seed_textile_experts(demo_app, 6)
    with demo_app.app_context():
        from models import RequestAvoidance

        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "submitted"))
        req.discipline_codes = "540"
        for i in range(6):
            unit = org(f"柯桥纺织测试企业{i:02d}")
            req.avoidances.append(RequestAvoidance(kind="unit", name=unit.name, credit_code=unit.credit_code,
                                                   reason="竞争关系"))
        db.session.commit()
        removed, total, _ = draws.avoidance_share(req)
        req_id = req.id
    assert removed >= 6 and removed / total >= 1 / 3
    page = staff(demo_app, "bureau").get(f"/admin/drawrequest/manage/?id={req_id}").get_data(as_text=True)
    assert "已达三分之一以上" in page


def test_concurrent_draws_for_overlapping_activities_never_engage_an_expert_twice(demo_app):
    """Two draws started at the same moment (threads, as two workers would): they are serialised, the
    second reading who the first engaged (models.base.serialise)."""
    _seed_textile_experts(demo_app, 10)
    with demo_app.app_context():
        usage, bureau = user("usage"), user("bureau")
        start = utcnow() + timedelta(days=12)
        ids = []
        for n in range(2):
            req = DrawRequest(organization_id=usage.organization_id, title=f"并发测试{n}", start_at=start,
                              end_at=start + timedelta(hours=4), place="会议室", need=4, backups=2,
                              discipline_codes="540", status="approved")
            db.session.add(req)
            db.session.flush()
            ids.append(req.id)
        db.session.commit()
        bureau_id = bureau.id
    barrier = threading.Barrier(2)
    errors = []

    def run(req_id):
        with demo_app.app_context():
            from models import User

            try:
                barrier.wait()
                draws.run_draw(db.session.get(DrawRequest, req_id), db.session.get(User, bureau_id))
                db.session.commit()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with demo_app.app_context():
        engaged = [tuple(db.session.scalars(select(Invitation.expert_id).where(
            Invitation.request_id == i, Invitation.status == "invited"))) for i in ids]
    assert engaged[0] and engaged[1]
    assert not set(engaged[0]) & set(engaged[1])


def test_special_experts_need_the_bureaus_approval_and_are_marked(demo_app):
    with demo_app.app_context():
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "submitted"))
        special = req.special_experts[0]
        req_id, special_id = req.id, special.id
    manage = f"/admin/drawrequest/manage/?id={req_id}"
    usage = staff(demo_app, "usage")
    page = usage.post(manage, {"action": "special_approve", "special_id": str(special_id)},
                      follow_redirects=True).get_data(as_text=True)
    assert "您无权执行此操作" in page
    bureau = staff(demo_app, "bureau")
    assert "待市科技局同意" in bureau.get(manage).get_data(as_text=True)
    bureau.post(manage, {"action": "special_approve", "special_id": str(special_id)})
    assert "已同意（特邀）" in usage.get(manage).get_data(as_text=True)


def test_the_bureau_spot_checks_an_experts_performance(demo_app):
    with demo_app.app_context():
        inv = db.session.scalar(select(Invitation).join(DrawRequest).where(
            DrawRequest.title.like("%柯桥区产业技术攻关%"), Invitation.status == "accepted"))
        manage, inv_id = f"/admin/drawrequest/manage/?id={inv.request_id}", inv.id
    bureau = staff(demo_app, "bureau")
    bureau.post(manage, {"action": "spot_check", "invitation_id": str(inv_id), "note": "抽查：评审意见完整规范"})
    with demo_app.app_context():
        assert db.session.get(Invitation, inv_id).spot_check == "抽查：评审意见完整规范"
    assert "市科技局抽查：抽查：评审意见完整规范" in staff(demo_app, "usage").get(manage).get_data(as_text=True)


def test_the_result_sheet_and_the_record_form_download(demo_app):
    import io

    from openpyxl import load_workbook

    with demo_app.app_context():
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "released"))
        req_id, number = req.id, req.number
        accepted = [i.expert.name for i in db.session.scalars(select(Invitation).where(
            Invitation.request_id == req_id, Invitation.status == "accepted"))]
        declined = [i.expert.name for i in db.session.scalars(select(Invitation).where(
            Invitation.request_id == req_id, Invitation.status == "declined"))]
    usage = staff(demo_app, "usage")
    result = usage.get(f"/admin/drawrequest/export/result?id={req_id}")
    assert result.status_code == 200
    assert "filename*=UTF-8''" in result.headers["Content-Disposition"]
    cells = {str(c.value) for ws in load_workbook(io.BytesIO(result.data)) for row in ws.iter_rows() for c in row if c.value}
    assert all(name in cells for name in accepted)
    assert not any(name in cells for name in declined)
    assert usage.get(f"/admin/drawrequest/export/record?id={req_id}").status_code == 403
    record = staff(demo_app, "supervisor").get(f"/admin/drawrequest/export/record?id={req_id}")
    assert record.status_code == 200
    text = " ".join(str(c.value) for ws in load_workbook(io.BytesIO(record.data)) for row in ws.iter_rows()
                    for c in row if c.value)
    assert number in text and "复核一致" in text and all(name in text for name in accepted + declined)
    # An unreleased request's result is sealed from the usage unit.
    with demo_app.app_context():
        drawn = db.session.scalar(select(DrawRequest.id).where(DrawRequest.status == "drawn"))
    assert usage.get(f"/admin/drawrequest/export/result?id={drawn}").status_code == 403


def _approved_request(app, *, need=2, backups=2, max_per_org=1, start=None) -> int:
    """An approved textile request with no project members in the way."""
    from models import ProjectMember

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
        draws.submit_request(req, usage)
        draws.decide_request(req, user("bureau"), True)
        db.session.commit()
        return req.id


def test_a_backup_unavailable_since_the_draw_is_skipped_with_the_reason(demo_app):
    _seed_textile_experts(demo_app)
    req_id = _approved_request(demo_app)
    with demo_app.app_context():
        req = db.session.get(DrawRequest, req_id)
        draws.run_draw(req, user("bureau"))
        db.session.commit()
        invited = db.session.scalars(select(Invitation).where(Invitation.request_id == req_id)
                                     .order_by(Invitation.position)).all()
        first_backup, second_backup = invited[2], invited[3]
        # The first backup has gone on leave over the activity since the draw.
        db.session.add(ExpertLeave(expert_id=first_backup.expert_id, start_date=req.start_at.date(),
                                   end_date=req.start_at.date()))
        db.session.commit()
        draws.respond(db.session.get(Invitation, invited[0].id), False, None, "出差")
        db.session.commit()
        skipped, called = db.session.get(Invitation, first_backup.id), db.session.get(Invitation, second_backup.id)
        assert skipped.status == "conflict" and "请假期间" in skipped.decline_reason
        assert called.status == "invited"


def test_a_supplementary_draw_keeps_the_per_unit_cap_of_the_request(demo_app):
    """Two experts of one unit accepted under a cap of 2: the supplement may not take a third of them."""
    from models import Organization

    _seed_textile_experts(demo_app)
    with demo_app.app_context():
        unit = db.session.scalar(select(Organization).where(Organization.name == "柯桥纺织测试企业00"))
        for n in range(3):
            make_expert("admitted", org_name=unit.name, name=f"同单位专家{n}")
        db.session.commit()
        same_unit = set(db.session.scalars(select(Expert.id).where(Expert.organization_id == unit.id)))
    req_id = _approved_request(demo_app, need=3, backups=0, max_per_org=2)
    with demo_app.app_context():
        req = db.session.get(DrawRequest, req_id)
        record = draws.run_draw(req, user("bureau"))
        # Make two of the unit's experts the engaged ones, as if the draw had chosen them.
        invitations = db.session.scalars(select(Invitation).where(Invitation.request_id == req_id)).all()
        two = sorted(same_unit)[:2]
        # An invitation the draw already gave to one of the two keeps it (one expert per request).
        holders = {inv.expert_id: inv for inv in invitations}
        others = [inv for inv in invitations if inv.expert_id not in two]
        pairs = [(holders[e] if e in holders else others.pop(0), e) for e in two]
        for inv, expert_id in pairs:
            db.session.execute(text("UPDATE invitation SET expert_id = :e, status = 'accepted' WHERE id = :i"),
                               {"e": expert_id, "i": inv.id})
        db.session.execute(text("UPDATE invitation SET status = 'declined' WHERE id = :i"), {"i": others[0].id})
        db.session.commit()
        req = db.session.get(DrawRequest, req_id)
        supplement = draws.run_draw(req, user("bureau"), reason="一人谢绝")
        db.session.commit()
        assert not set(supplement.ids("selected")) & same_unit
        drawn_here = set(db.session.scalars(select(Invitation.expert_id).where(Invitation.request_id == req_id)))
        # The unit's experts not yet drawn here are all out for the cap (those drawn count as drawn).
        assert len(same_unit - drawn_here) >= 1
        excluded = json.loads(supplement.excluded_ids)
        assert set(excluded.get("org_full", [])) == same_unit - drawn_here
        assert draws.verify(supplement).ok
        assert record.id != supplement.id


def test_the_answer_deadline_never_passes_the_activity_start(demo_app):
    _seed_textile_experts(demo_app)
    start = local_now().replace(second=0, microsecond=0) + timedelta(hours=20)
    req_id = _approved_request(demo_app, start=start)
    with demo_app.app_context():
        req = db.session.get(DrawRequest, req_id)
        now = utcnow()
        draws.run_draw(req, user("bureau"), now=now)
        db.session.commit()
        deadlines = set(db.session.scalars(select(Invitation.deadline).where(Invitation.request_id == req_id,
                                                                             Invitation.status == "invited")))
        # 48 answer hours asked, 20 hours to the start (Beijing time = UTC + 8).
        assert deadlines == {start - timedelta(hours=8)}
        assert draws.answer_by(req, now) < now + timedelta(hours=req.response_hours)


def test_a_short_pool_is_recorded_and_shown_as_a_shortfall(demo_app):
    _seed_textile_experts(demo_app, n=3)
    req_id = _approved_request(demo_app, need=30, backups=0)
    with demo_app.app_context():
        record = draws.run_draw(db.session.get(DrawRequest, req_id), user("bureau"))
        db.session.commit()
        record_id, missing = record.id, record.shortfall
        assert missing == 30 - len(record.ids("selected")) > 0
    bureau = staff(demo_app, "bureau")
    assert f"尚缺 {missing} 人" in bureau.get(f"/admin/drawrequest/manage/?id={req_id}").get_data(as_text=True)
    assert f"尚缺 {missing} 人" in bureau.get(f"/admin/drawrecord/record/?id={record_id}").get_data(as_text=True)
