"""The forms open without login (issue 16, item 1): an objection is weighed by the bureau before it moves
anyone, and one client cannot flood objections or registrations."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from models import AuditEntry, Expert, ExpertEvent, Objection, db
from tests.conftest import Browser, review, staff
from tests.factories import expert_where, make_expert


def _in_publicity(app, **kw) -> int:
    with app.app_context():
        expert_id = make_expert("pending_bureau", **kw).id
        db.session.commit()
    assert review(staff(app, "bureau"), expert_id, "publicize").status_code == 302
    assert expert_where(app, id=expert_id).status == "publicizing"
    return expert_id


def _object(browser: Browser, expert_id: int, **given):
    data = {"expert_id": str(expert_id), "name": "王五", "contact": "13800000000",
            "text": "该专家论文存在抄袭嫌疑"} | given
    return browser.post("/publicity", data, token_from=f"/publicity?expert={expert_id}")


def _objection(app, expert_id: int) -> Objection:
    with app.app_context():
        return db.session.scalars(select(Objection).where(Objection.expert_id == expert_id)).one()


def _daily_job(app, days_ahead: int = 30):
    result = app.test_cli_runner().invoke(args=["lifecycle", "--today",
                                                (date.today() + timedelta(days=days_ahead)).isoformat()])
    assert result.exit_code == 0, result.output


def _decide(bureau: Browser, objection_id: int, decision: str, reason: str = ""):
    return bureau.post(f"/admin/objection/decide/?id={objection_id}", {"decision": decision, "reason": reason})


def test_an_objection_is_recorded_and_holds_admission_until_the_bureau_dismisses_it(demo_app):
    expert_id = _in_publicity(demo_app)
    public = Browser(demo_app.test_client())
    said = _object(public, expert_id)
    assert said.status_code == 302
    assert "异议处理完毕前，该专家不会入库" in public.get("/publicity").get_data(as_text=True)
    # Nothing else moves: the expert stays in publicity, listed, with no step in the timeline.
    assert expert_where(demo_app, id=expert_id).status == "publicizing"
    assert "测试专家" in public.get("/publicity").get_data(as_text=True)
    objection = _objection(demo_app, expert_id)
    assert objection.status == "open"
    # The period ends: no admission while the objection waits.
    _daily_job(demo_app)
    assert expert_where(demo_app, id=expert_id).status == "publicizing"
    bureau = staff(demo_app, "bureau")
    home = bureau.get("/admin/").get_data(as_text=True)
    assert "待处理的公示异议" in home
    listed = bureau.get("/admin/objection/?flt0_0=open").get_data(as_text=True)
    assert "该专家论文存在抄袭嫌疑" in listed
    # A dismissal needs its reason; the page says so and keeps the choice.
    refused = _decide(bureau, objection.id, "dismiss")
    assert refused.status_code == 400 and "驳回异议须写明理由" in refused.get_data(as_text=True)
    assert _objection(demo_app, expert_id).status == "open"
    assert _decide(bureau, objection.id, "dismiss", "经核实，该论文为本人原创").status_code == 302
    decided = _objection(demo_app, expert_id)
    assert (decided.status, decided.decision_reason) == ("dismissed", "经核实，该论文为本人原创")
    assert expert_where(demo_app, id=expert_id).status == "publicizing"
    # Decided once: a second decision is refused.
    assert _decide(bureau, objection.id, "uphold").status_code == 400
    _daily_job(demo_app)
    assert expert_where(demo_app, id=expert_id).status == "admitted"


def test_an_upheld_objection_sends_the_expert_back_to_review_with_the_objection_attached(demo_app):
    expert_id = _in_publicity(demo_app)
    assert _object(Browser(demo_app.test_client()), expert_id).status_code == 302
    bureau = staff(demo_app, "bureau")
    objection_id = _objection(demo_app, expert_id).id
    assert _decide(bureau, objection_id, "uphold", "请申请人说明论文情况").status_code == 302
    assert _objection(demo_app, expert_id).status == "upheld"
    assert expert_where(demo_app, id=expert_id).status == "pending_bureau"
    page = bureau.get(f"/admin/expert/review/?id={expert_id}").get_data(as_text=True)
    assert "公示异议" in page and "该专家论文存在抄袭嫌疑" in page and "异议成立（已退回审核）" in page
    with demo_app.app_context():
        event = db.session.scalars(select(ExpertEvent).where(ExpertEvent.expert_id == expert_id)
                                   .order_by(ExpertEvent.id.desc())).first()
        assert (event.action, event.to_status) == ("object", "pending_bureau")
        assert "该专家论文存在抄袭嫌疑" in event.reason and "请申请人说明论文情况" in event.reason
    # The bureau weighs the application again and may reject it.
    assert review(bureau, expert_id, "reject", reason="经核实，异议属实").status_code == 302
    assert expert_where(demo_app, id=expert_id).status == "rejected"


def test_two_clerks_deciding_one_objection_at_once_decide_it_once(demo_app):
    from operations.admission import decide_objection
    from rules import InvalidInput

    expert_id = _in_publicity(demo_app)
    assert _object(Browser(demo_app.test_client()), expert_id).status_code == 302
    with demo_app.app_context():
        from tests.factories import user

        objection = db.session.scalars(select(Objection).where(Objection.expert_id == expert_id)).one()
        # The other clerk decided it after this page was loaded.
        db.session.execute(text("UPDATE objection SET status = 'dismissed' WHERE id = :id"), {"id": objection.id})
        with pytest.raises(InvalidInput, match="该异议已处理"):
            decide_objection(objection, user("bureau"), "uphold")
        db.session.rollback()
    assert expert_where(demo_app, id=expert_id).status == "publicizing"


def test_only_the_bureau_reads_the_objectors_contact_which_is_sealed_and_kept_out_of_the_log(demo_app):
    expert_id = _in_publicity(demo_app)
    assert _object(Browser(demo_app.test_client()), expert_id, contact="wang.wu@example.com").status_code == 302
    objection_id = _objection(demo_app, expert_id).id
    with demo_app.app_context():
        stored = db.session.scalar(text("SELECT contact FROM objection WHERE id = :id"), {"id": objection_id})
        assert stored.startswith("enc1:") and "wang.wu" not in stored
        assert not db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.detail.contains("wang.wu")))
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "objection_lodged")) == 1
    bureau = staff(demo_app, "bureau")
    assert "wang.wu@example.com" in bureau.get(f"/admin/objection/decide/?id={objection_id}").get_data(as_text=True)
    assert "wang.wu@example.com" not in bureau.get(f"/admin/expert/review/?id={expert_id}").get_data(as_text=True)
    assert "wang.wu@example.com" not in Browser(demo_app.test_client()).get("/publicity").get_data(as_text=True)
    for role in ("unit", "dept", "leader", "supervisor"):
        assert staff(demo_app, role).get(f"/admin/objection/decide/?id={objection_id}").status_code == 403


@pytest.mark.parametrize("contact, said", [("", "请填写联系方式"), ("随便", "联系方式应为手机号码"),
                                           ("12345", "联系方式应为手机号码")], ids=["missing", "words", "digits"])
def test_an_objection_needs_a_contact_the_bureau_can_reach(demo_app, contact, said):
    expert_id = _in_publicity(demo_app)
    refused = _object(Browser(demo_app.test_client()), expert_id, contact=contact)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and said in page and "该专家论文存在抄袭嫌疑" in page
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(Objection.id)).where(Objection.expert_id == expert_id)) == 0


def test_the_probe_one_client_objecting_to_everyone_is_throttled_and_moves_nobody(demo_app):
    """The probe's steps: one anonymous client objects to every expert on /publicity in a burst."""
    for n in range(4):
        _in_publicity(demo_app, name=f"公示专家{n}")
    with demo_app.app_context():
        listed = db.session.scalars(select(Expert.id).where(Expert.status == "publicizing")).all()
        before = db.session.scalar(select(func.count(Objection.id)))
    assert len(listed) > 5
    prober = Browser(demo_app.test_client())
    answers = [_object(prober, expert_id).status_code for expert_id in listed]
    assert answers[:5] == [302] * 5 and set(answers[5:]) == {429}
    throttled = _object(prober, listed[0])
    assert "提交过于频繁" in throttled.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(Objection.id))) == before + 5
        assert set(db.session.scalars(select(Expert.status).where(Expert.id.in_(listed)))) == {"publicizing"}
    # Reading the list stays open, and another address may still object.
    assert prober.get("/publicity").status_code == 200
    other = Browser(demo_app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert _object(other, listed[-1]).status_code == 302


def test_registration_is_throttled_per_client_address(demo_app):
    def register(browser: Browser, n: int):
        return browser.post("/register", {"username": f"flood{n}", "name": "刷号", "mobile": "13905759876",
                                          "email": f"flood{n}@example.cn", "password": "Expert2026",
                                          "password2": "Expert2026"})

    prober = Browser(demo_app.test_client())
    answers = [register(prober, n).status_code for n in range(12)]
    assert answers == [302] * 10 + [429] * 2
    other = Browser(demo_app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "10.1.2.4"
    assert register(other, 99).status_code == 302


def test_the_database_counter_is_shared_by_workers_and_counts_every_hit(app):
    """On PostgreSQL deployments every gunicorn worker counts in the same table: two stores (two workers)
    hit by two threads each count 200 hits, none lost; a window that expired starts again."""
    from web.rate_limits import DatabaseStorage

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [DatabaseStorage("sqldb://", url=url), DatabaseStorage("sqldb://", url=url)]
    workers[0].reset()

    def hit(store):
        for _ in range(50):
            store.incr("probe/10.0.0.1", 3600)

    threads = [threading.Thread(target=hit, args=(store,)) for store in workers * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert workers[0].get("probe/10.0.0.1") == workers[1].get("probe/10.0.0.1") == 200
    assert workers[1].incr("short/10.0.0.1", 0) == 1  # a window of no length has expired at once
    assert workers[0].incr("short/10.0.0.1", 60) == 1
    assert workers[0].incr("short/10.0.0.1", 60) == 2
    workers[0].clear("probe/10.0.0.1")
    assert workers[1].get("probe/10.0.0.1") == 0
    assert workers[0].check()
    workers[0].reset()
    for store in workers:
        store.engine.dispose()


def test_on_postgresql_the_app_counts_in_its_database(app):
    with app.app_context():
        limiter = next(iter(app.extensions["limiter"]))
        expected = "DatabaseStorage" if db.engine.dialect.name == "postgresql" else "MemoryStorage"
        assert type(limiter.storage).__name__ == expected


def test_a_refused_form_does_not_count_against_the_limit(demo_app):
    expert_id = _in_publicity(demo_app)
    public = Browser(demo_app.test_client())
    for _ in range(8):
        assert _object(public, expert_id, contact="随便").status_code == 400
    assert _object(public, expert_id).status_code == 302
    # A registration refused is shown again (200): it does not count either.
    for n in range(12):
        assert public.post("/register", {"username": f"typo{n}", "password": "x"}).status_code in (200, 400)
    assert public.post("/register", {"username": "finally", "name": "终于", "mobile": "13905759876",
                                     "email": "finally@example.cn", "password": "Expert2026",
                                     "password2": "Expert2026"}).status_code == 302
