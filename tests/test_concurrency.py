"""Requests that write at the same moment (issue 16, item 4): the expert list's bulk actions posted by
several sessions at once. Each waits its turn (SQLite: the write lock taken when the transaction
begins, with a busy timeout; PostgreSQL: row locks), none answers 500, and each expert moves one step:
one request takes it, the others report the row as already handled."""
from __future__ import annotations

import re
import threading
from html import unescape

from sqlalchemy import func, select, text

from models import Expert, ExpertEvent, Organization, db
from rules.credit_code import credit_code_check_char
from tests.conftest import staff
from tests.factories import add_user, make_expert

ROUNDS = 4
ALREADY_HANDLED = "已被处理"


def _list_page_tokens(browser, ids: list[int]) -> dict:
    """What the expert list's action form posts for these rows: each row's id and the status it showed."""
    page = browser.get("/admin/expert/?page_size=100").get_data(as_text=True)
    seen = dict(re.findall(r'name="seen" value="(\d+):(\w+)"', page))
    return {"rowid": [str(i) for i in ids], "seen": [f"{i}:{seen[str(i)]}" for i in ids if str(i) in seen]}


def _flashes(browser) -> list[str]:
    page = browser.get("/admin/expert/").get_data(as_text=True)
    return [unescape(m).strip() for m in re.findall(r'<div class="alert[^"]*">\s*<button[^>]*>.*?</button>(.*?)</div>',
                                                  page, re.S)]


def _stand_in_org() -> Organization:
    """A unit outside Shaoxing without a reviewer: the bureau endorses for the unit and the department."""
    body = "91330000MA2TCC001"
    unit = Organization(name="市外并发测试单位", credit_code=body + credit_code_check_char(body), in_shaoxing=False)
    db.session.add(unit)
    db.session.flush()
    return unit


def test_bulk_actions_posted_at_the_same_moment_take_each_step_once(demo_app):
    with demo_app.app_context():
        add_user("unit2", "unit", org_name="绍兴越州纺织科技有限公司")
        stand_in = _stand_in_org()
        db.session.commit()
        stand_in_name = stand_in.name
    # One session per post (a session's flashed messages live in its cookie).
    who = ["unit", "unit2", "bureau", "bureau2", "bureau", "bureau2"]
    sessions = [staff(demo_app, name) for name in who]
    for round_ in range(ROUNDS):
        with demo_app.app_context():
            at_unit = [make_expert("pending_unit", name=f"单位待审{round_}{i}").id for i in range(3)]
            at_bureau = [make_expert("pending_bureau", name=f"待公示{round_}{i}").id for i in range(2)]
            stood_in = [make_expert("pending_unit", org_name=stand_in_name, name=f"代审{round_}").id]
            db.session.commit()
        # Two sessions of the unit endorse the same rows; both bureau sessions put the same rows to
        # publicity and endorse, standing in, the same row (two steps if each request took one).
        posts = [("endorse", at_unit), ("endorse", at_unit), ("publicize", at_bureau), ("publicize", at_bureau),
                 ("endorse", stood_in), ("endorse", stood_in)]
        forms = [{"action": action, **_list_page_tokens(sessions[i], ids)} for i, (action, ids) in enumerate(posts)]
        barrier = threading.Barrier(len(forms))
        statuses, errors = [None] * len(forms), []

        def post(index: int, data: dict) -> None:
            try:
                barrier.wait()
                statuses[index] = sessions[index].post("/admin/expert/action/", data).status_code
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(error))

        threads = [threading.Thread(target=post, args=(i, data)) for i, data in enumerate(forms)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == [] and statuses == [302] * len(forms), (round_, statuses, errors)
        with demo_app.app_context():
            for ids, status in ((at_unit, "pending_dept"), (at_bureau, "publicizing"), (stood_in, "pending_dept")):
                assert set(db.session.scalars(select(Expert.status).where(Expert.id.in_(ids)))) == {status}
                steps = db.session.execute(select(ExpertEvent.expert_id, func.count()).where(
                    ExpertEvent.expert_id.in_(ids)).group_by(ExpertEvent.expert_id)).all()
                assert sorted(n for _id, n in steps) == [1] * len(ids), (round_, status, steps)
        # Per row: one session reports it done, the other names it as already handled.
        said = [_flashes(browser) for browser in sessions]
        assert any(m.startswith("已推荐 3 人：") for m in said[0] + said[1]), said
        assert any(m.startswith("已将 2 人列入公示") for m in said[2] + said[3]), said
        assert any(m.startswith("已推荐 1 人：") for m in said[4] + said[5]), said
        assert [sum(ALREADY_HANDLED in m for m in said[i] + said[i + 1]) for i in (0, 2, 4)] == [3, 2, 1], said


def _second_app(app, **config):
    """Another app on the same database (a second worker), with its own settings."""
    from app import create_app

    base = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "UPLOAD_DIR")}
    return create_app({**base, "TESTING": True, "SERVER_NAME": "localhost", **config})


def _close(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _hold_the_lock(app, expert_id: int, seconds: float) -> threading.Event:
    """Another process holds what an endorsement needs (SQLite: the write lock; PostgreSQL: the expert's
    row) for `seconds`; returns once it does. The event is set when it lets go."""
    import sqlite3
    import time

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    held, released = threading.Event(), threading.Event()

    def hold():
        with app.app_context():
            if url.startswith("sqlite"):
                holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
                holder.execute("BEGIN IMMEDIATE")
            else:
                holder = db.engine.connect()
                holder.execute(text("SELECT id FROM expert WHERE id = :id FOR UPDATE"), {"id": expert_id})
            held.set()
            time.sleep(seconds)
            holder.close()  # rolls back
            released.set()

    threading.Thread(target=hold, daemon=True).start()
    assert held.wait(10)
    return released


def test_a_writer_waits_for_the_lock_up_to_the_timeout_then_gets_the_busy_page(demo_app):
    """A lock held for a second: with DATABASE_LOCK_TIMEOUT 10 s the endorsement waits and is done; with
    0.3 s it gives up: 503 in Chinese, not a 500, and nothing of the request kept."""
    for timeout, expected in ((10, 302), (0.3, 503)):
        application = _second_app(demo_app, DATABASE_LOCK_TIMEOUT=timeout)
        try:
            with application.app_context():
                expert_id = make_expert("pending_unit", name="等锁专家").id
                db.session.commit()
            unit = staff(application, "unit")
            released = _hold_the_lock(demo_app, expert_id, 1.0)
            response = unit.post("/admin/expert/action/", {"action": "endorse", "rowid": [str(expert_id)]})
            released.wait(10)
            assert response.status_code == expected, timeout
            with application.app_context():
                status = db.session.get(Expert, expert_id).status
            if expected == 302:
                assert status == "pending_dept"
                continue
            page = response.get_data(as_text=True)
            assert response.headers["Retry-After"] == "5"
            assert "系统繁忙" in page and "您的操作未保存" in page and "OperationalError" not in page
            assert status == "pending_unit"
        finally:
            _close(application)


class _Contention(Exception):
    """A driver error as PostgreSQL raises it when it breaks a deadlock."""

    sqlstate = "40P01"


def test_a_deadlock_or_serialization_failure_is_a_busy_page_and_a_model_form_keeps_what_was_typed(
        demo_app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from models.base import lost_a_race

    contention = OperationalError("UPDATE …", {}, _Contention())
    assert lost_a_race(contention)
    assert not lost_a_race(OperationalError("SELECT …", {}, Exception("connection refused")))
    application = _second_app(demo_app)

    @application.route("/_deadlock", methods=["POST"])
    def deadlock():
        raise contention

    try:
        bureau = staff(application, "bureau")
        response = bureau.post("/_deadlock", {})
        assert response.status_code == 503 and "您的操作未保存" in response.get_data(as_text=True)
        # In a Flask-Admin form the message comes at the form, with what was typed kept.

        def lose(*_args, **_kwargs):
            raise contention

        monkeypatch.setattr(db.session, "commit", lose)
        response = bureau.post("/admin/reference/new/", {"kind": "education", "code": "busy_test",
                                                             "name": "并发测试学历", "sort_order": "99"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "您的操作未保存" in page and "并发测试学历" in page
    finally:
        _close(application)
