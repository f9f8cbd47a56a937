"""Emails through a real SMTP sink: recipients, subjects, signed links, and retries when SMTP is down."""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from models import DrawRequest, Invitation, OutboxMessage, db, utcnow
from operations import invitations
from operations.notify import send_pending
from tests.conftest import Browser
from tests.factories import add_user, make_expert, user


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(demo_app):
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    demo_app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port, BASE_URL="http://localhost")
    yield sink, controller, port
    try:
        controller.stop()
    except AssertionError:
        pass  # the test stopped it already
    demo_app.config.update(MAIL_HOST="")


def _invited_expert(app):
    """An expert with an account and email, drawn and invited for an approved request."""
    with app.app_context():
        account = add_user("mailexpert", "expert")
        account.email = "mailexpert@example.cn"
        expert = make_expert("admitted", user_id=account.id, name="邮件专家")
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "approved"))
        position = 900
        inv = Invitation(request_id=req.id, expert_id=expert.id, position=position, role="selected",
                         status="invited", invited_at=utcnow(), deadline=utcnow() + timedelta(hours=48))
        db.session.add(inv)
        db.session.flush()
        invitations.tell_invited(inv)
        db.session.commit()
        return inv.id, req.title


def test_an_invitation_arrives_with_working_signed_links(demo_app, smtp):
    sink, _controller, _port = smtp
    inv_id, title = _invited_expert(demo_app)
    with demo_app.app_context():
        sent, failed = send_pending()
    assert (sent, failed) == (1, 0)
    mail = sink.messages[-1]
    assert mail["To"] == "mailexpert@example.cn"
    assert mail["Subject"] == f"【绍兴市科技专家库】评审邀请：{title}"
    body = mail.get_content()
    accept = next(line for line in body.splitlines() if line.startswith("接受邀请：")).split("：", 1)[1]
    path = accept.replace("http://localhost", "")
    anonymous = Browser(demo_app.test_client())
    page = anonymous.get(path).get_data(as_text=True)
    assert "确认接受邀请" in page
    anonymous.post(path, {}, token_from=path)
    with demo_app.app_context():
        from models import AuditEntry

        assert db.session.get(Invitation, inv_id).status == "accepted"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invitation_accepted")
                                  .order_by(AuditEntry.id.desc()))
        assert '"via": "email_link"' in entry.detail  # the archive shows the answer came by the emailed link
    # An altered link is refused.
    assert anonymous.get(path[:-3] + "abc").status_code == 400


def test_an_expired_link_is_refused(demo_app, smtp):
    sink, _c, _p = smtp
    _invited_expert(demo_app)
    with demo_app.app_context():
        send_pending()
    path = next(line for line in sink.messages[-1].get_content().splitlines()
                if line.startswith("不能参加：")).split("：", 1)[1].replace("http://localhost", "")
    import operations.notify as notify

    original = notify.LINK_MAX_AGE
    notify.LINK_MAX_AGE = -1
    try:
        response = Browser(demo_app.test_client()).get(path)
    finally:
        notify.LINK_MAX_AGE = original
    assert response.status_code == 400 and "链接已过期" in response.get_data(as_text=True)


def test_a_down_smtp_server_keeps_messages_queued_until_it_is_back(demo_app, smtp):
    sink, controller, port = smtp
    controller.stop()
    _invited_expert(demo_app)
    with demo_app.app_context():
        assert send_pending() == (0, 1)
        message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        assert message.status == "queued" and message.attempts == 1 and message.last_error
        retry_at = message.next_attempt_at
        assert send_pending() == (0, 0)  # backing off: not due yet
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with demo_app.app_context():
            assert send_pending(now=retry_at + timedelta(seconds=1)) == (1, 0)
            message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
            assert message.status == "sent"
        assert sink.messages[-1]["To"] == "mailexpert@example.cn"
    finally:
        controller.stop()


def test_without_smtp_messages_stay_in_the_outbox_for_the_bureau(demo_app):
    _invited_expert(demo_app)
    with demo_app.app_context():
        assert send_pending() == (0, 0)
    bureau = Browser(demo_app.test_client())
    bureau.login("bureau")
    page = bureau.get("/admin/outbox/").get_data(as_text=True)
    assert "评审邀请" in page and "待发送" in page


def test_a_return_and_an_admission_are_told_to_the_expert(demo_app):
    from operations.admission import transition

    with demo_app.app_context():
        account = add_user("toldexpert", "expert")
        account.email = "told@example.cn"
        expert = make_expert("pending_unit", user_id=account.id)
        transition(expert, "return", user("unit"), reason="请补充职称证书")
        db.session.commit()
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "told@example.cn"))
        assert mail.kind == "returned" and "请补充职称证书" in mail.body and "所在单位" in mail.body


def test_the_outbox_never_shows_staff_a_working_signed_link(demo_app):
    """A bureau user reading the outbox must not be able to answer an invitation for the expert."""
    _invited_expert(demo_app)
    with demo_app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "invitation")
                                    .order_by(OutboxMessage.id.desc()))
        token = message.body.split("/invitation/", 1)[1].split()[0]
        message_id = message.id
    bureau = Browser(demo_app.test_client())
    bureau.login("bureau")
    page = bureau.get(f"/admin/outbox/details/?id={message_id}").get_data(as_text=True)
    assert "评审邀请" in page and "签名链接已隐去" in page
    assert token not in page and token[:20] not in page
