"""The audit log's hash chain: appends, verification, and tampering detected."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from models import AuditEntry, db
from operations import audit
from operations.audit import verify_chain


def _raw(app, sql: str, **params) -> None:
    """Change the table behind the application's back, as an intruder with database access would."""
    with app.app_context(), db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # past the trigger
        conn.execute(text(sql), params)


def _verify(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


@pytest.fixture
def chain(clean_app):
    with clean_app.app_context():
        for n in range(5):
            audit.record("test", username="tester", n=n, note="第%d条" % n)
        db.session.commit()
    return clean_app


def test_verify_passes_on_the_demo_data(demo_app, demo_browser):
    from tests.conftest import Browser

    Browser(demo_app.test_client()).login("nobody", "x")
    demo_browser.login("bureau")
    code, output = _verify(demo_app)
    assert code == 0, output
    assert "校验通过" in output


def test_entries_link_to_their_predecessor(chain):
    with chain.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    for before, after in zip(entries, entries[1:]):
        assert after.prev_hash == before.hash


def test_an_altered_entry_is_detected(chain):
    _raw(chain, "UPDATE audit_entry SET detail = :d WHERE seq = 3", d='{"n": 99}')
    code, output = _verify(chain)
    assert code == 1
    assert "序号 3" in output and "篡改" in output


def test_a_deleted_entry_is_detected(chain):
    _raw(chain, "DELETE FROM audit_entry WHERE seq = 2")
    code, output = _verify(chain)
    assert code == 1
    assert "序号 3" in output


def test_reordered_entries_are_detected(chain):
    # Swapping two entries' positions breaks the links between them.
    _raw(chain, "UPDATE audit_entry SET seq = seq + 100 WHERE seq IN (2, 3)")
    _raw(chain, "UPDATE audit_entry SET seq = 3 WHERE seq = 102")
    _raw(chain, "UPDATE audit_entry SET seq = 2 WHERE seq = 103")
    code, output = _verify(chain)
    assert code == 1
    assert "不衔接" in output


def test_the_application_cannot_update_or_delete_an_entry(chain):
    with chain.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 1))
        entry.action = "changed"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 1))
        db.session.delete(entry)
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        assert verify_chain()[1] == []


def test_postgresql_refuses_update_and_delete_on_the_log(chain):
    with chain.app_context():
        if db.engine.dialect.name != "postgresql":
            assert db.engine.dialect.name == "sqlite"  # the ORM guard above covers SQLite
            return
        for sql in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry",
                    "TRUNCATE audit_entry"):
            with pytest.raises(DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(sql))


def test_the_supervisor_verifies_the_chain_in_the_ui_and_sees_where_it_breaks(chain):
    from seed.demo import load_demo
    from tests.conftest import Browser

    with chain.app_context():
        load_demo()  # the demo accounts; their creation is audited too
        db.session.commit()
    supervisor = Browser(chain.test_client())
    supervisor.login("supervisor")
    assert "完整性校验" in supervisor.get("/admin/audit/").get_data(as_text=True)
    page = supervisor.post("/admin/audit/verify/", {}, token_from="/admin/audit/verify/")
    assert "校验通过" in page.get_data(as_text=True)
    _raw(chain, "UPDATE audit_entry SET detail = :d WHERE seq = 3", d='{"n": 99}')
    page = supervisor.post("/admin/audit/verify/", {}, token_from="/admin/audit/verify/")
    text_ = page.get_data(as_text=True)
    assert "校验失败" in text_ and "篡改" in text_ and "<td>3</td>" in text_
    with chain.app_context():
        last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert last.action == "audit_verify" and '"ok": false' in last.detail


def test_the_client_address_behind_a_trusted_proxy_is_audited_and_a_forged_one_is_not(clean_app):
    """TRUSTED_PROXIES=1: the address the proxy saw is recorded; without it, X-Forwarded-For is ignored."""
    from app import create_app
    from models import AuditEntry

    def failed_login_ip(application) -> str:
        client = application.test_client()
        client.post("/login", data={"username": "nobody", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
        with application.app_context():
            return db.session.scalars(select(AuditEntry.ip).order_by(AuditEntry.seq.desc())).first()

    config = {k: clean_app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "UPLOAD_DIR")}
    behind_proxy = create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1})
    direct = create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": False})
    try:
        assert failed_login_ip(behind_proxy) == "203.0.113.7"
        assert failed_login_ip(direct) == "10.0.0.2"
    finally:
        for application in (behind_proxy, direct):
            with application.app_context():
                db.session.remove()
                db.engine.dispose()


def test_two_requests_appending_at_the_same_moment_both_land_in_the_chain(clean_app):
    """Two requests (threads here; gunicorn workers alike) each read the chain's head and append. The
    first one pauses after reading it until the second has read it too — or for a second, if the
    second cannot read it yet because the first holds the chain. Both appends must land, in order."""
    first_has_read, second_has_read = threading.Event(), threading.Event()
    errors = []

    def reading_the_head(statement: str) -> bool:
        return statement.lstrip().startswith("SELECT audit_entry.seq, audit_entry.hash")

    def append(name: str) -> None:
        try:
            with clean_app.app_context():
                connection = db.session.connection()

                @event.listens_for(connection, "after_cursor_execute")
                def pause(_conn, _cursor, statement, *_args):
                    if not reading_the_head(statement):
                        return
                    if name == "first":
                        first_has_read.set()
                        second_has_read.wait(timeout=1)
                    else:
                        second_has_read.set()

                if name == "second":
                    first_has_read.wait(timeout=10)
                audit.record("test", username=name)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(f"{name}: {error}")

    threads = [threading.Thread(target=append, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with clean_app.app_context():
        names = db.session.execute(select(AuditEntry.seq, AuditEntry.username).order_by(AuditEntry.seq)).all()
        assert [name for _seq, name in names[-2:]] == ["first", "second"]
        checked, problems = verify_chain()
        assert problems == [] and checked == len(names)


# The chain's head kept outside the database (issue 16, item 7). -------------------------------------------

def _daily_job_log(app, tmp_path, day: str = "2030-03-01"):
    """Run the daily job as cron does, its output appended to the job's log file."""
    result = app.test_cli_runner().invoke(args=["lifecycle", "--today", day])
    assert result.exit_code == 0, result.output
    log = tmp_path / "expertlib-lifecycle.log"
    with log.open("a", encoding="utf-8") as fh:
        fh.write(result.output)
    return log, result.output


def _verify_against(app, path):
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--against", str(path)])
    return result.exit_code, result.output


def test_the_daily_job_records_the_head_and_a_cut_short_chain_is_found_against_its_log(demo_app, tmp_path):
    from rules.audit import heads_in

    log, output = _daily_job_log(demo_app, tmp_path)
    with demo_app.app_context():
        seq, digest = audit.chain_head()
    assert f"审计链头 date=2030-03-01 seq={seq} sha256={digest}" in output.splitlines()
    assert [h.seq for h in heads_in(log.read_text(encoding="utf-8"))] == [seq]
    # Work goes on after the job; the next night's job records the new head beside the old one.
    with demo_app.app_context():
        audit.record("test", username="tester", n=1)
        db.session.commit()
    _daily_job_log(demo_app, tmp_path, "2030-03-02")
    assert len(heads_in(log.read_text(encoding="utf-8"))) == 2
    assert _verify_against(demo_app, log)[0] == 0
    # Untouched, both verifications pass; the last entries deleted, only --against sees it.
    with demo_app.app_context():
        last = audit.chain_head()[0]
    _raw(demo_app, "DELETE FROM audit_entry WHERE seq > :keep", keep=seq)
    code, output = _verify(demo_app)
    assert code == 0 and "哈希链完整" in output  # what remains is still a whole chain
    code, output = _verify_against(demo_app, log)
    assert code == 1, output
    assert f"审计链头 date=2030-03-02 seq={last}" in output and f"审计日志现只到序号 {seq}" in output
    assert "链头核对失败" in output and "被截短或改写" in output


def test_a_rewritten_chain_ending_at_the_same_number_is_found_too(chain, tmp_path):
    """Delete the last entries and write new ones in their place (rehashed): the head's hash differs."""
    log, _output = _daily_job_log(chain, tmp_path)
    with chain.app_context():
        seq, digest = audit.chain_head()
    _raw(chain, "DELETE FROM audit_entry WHERE seq >= :seq", seq=seq - 1)
    with chain.app_context():
        for n in range(2):
            audit.record("forged", username="intruder", n=n)
        db.session.commit()
        assert audit.chain_head()[0] == seq
    assert _verify(chain)[0] == 0
    code, output = _verify_against(chain, log)
    assert code == 1 and f"序号 {seq} 的记录哈希不符" in output and digest in output


def test_the_supervisors_email_carries_the_head_and_a_saved_email_verifies(demo_app, tmp_path):
    """The e-mail is queued to every active supervisor with an address; saved from a mail client (the body
    base64-encoded), it is what --against reads."""
    from email.message import EmailMessage

    from models import OutboxMessage, User

    _log, output = _daily_job_log(demo_app, tmp_path)
    with demo_app.app_context():
        seq, digest = audit.chain_head()
        supervisors = db.session.scalars(select(User).where(User.role == "supervisor")).all()
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "audit_head")).all()
        assert {m.user_id for m in mails} == {u.id for u in supervisors} and supervisors
        line = f"审计链头 date=2030-03-01 seq={seq} sha256={digest}"
        assert all(line in m.body and m.status == "queued" and "审计日志链头" in m.subject for m in mails)
        body = mails[0].body
    saved = EmailMessage()
    saved["Subject"], saved["To"] = "审计日志链头", "supervisor@demo.sx.gov.cn"
    saved.set_content(body, cte="base64")
    eml = tmp_path / "链头.eml"
    eml.write_bytes(bytes(saved))
    assert line not in eml.read_bytes().decode("ascii")  # only the decoded body holds it
    assert _verify_against(demo_app, eml)[0] == 0
    _raw(demo_app, "DELETE FROM audit_entry WHERE seq = :seq", seq=seq)
    code, output = _verify_against(demo_app, eml)
    assert code == 1 and line in output


def test_verify_against_a_file_without_a_head_fails(chain, tmp_path):
    empty = tmp_path / "other.log"
    empty.write_text("2030-03-01 每日任务：公示期满入库 0 人\n", encoding="utf-8")
    code, output = _verify_against(chain, empty)
    assert code == 1 and "没有找到链头记录" in output


@pytest.mark.parametrize("command", [["audit", "verify"], ["draws", "verify", "--all"]])
def test_a_check_on_a_database_never_set_up_says_so(tmp_path, command):
    from app import create_app

    empty = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": "x",
                        "TESTING": True, "UPLOAD_DIR": str(tmp_path)})
    result = empty.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1 and "数据库尚未建立" in result.output and "Traceback" not in result.output
