"""Emails through a real SMTP sink: recipients, subjects, signed links, and retries when SMTP is down."""
from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

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
    """An expert with an account and email, drawn and invited for an approved request (the demo's own
    invitations, queued when it was seeded, are taken as sent: each test watches its one message)."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "queued").values(status="sent"))
        account = add_user("mailexpert", "expert")
        account.email = "mailexpert@example.cn"
        expert = make_expert("admitted", user_id=account.id, name="邮件专家", email="mailexpert@example.cn")
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
                if line.startswith("不能参加或申请回避：")).split("：", 1)[1].replace("http://localhost", "")
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


# Every invitation reaches the expert: e-mail, SMS through a gateway, or the bureau's telephone call. --------

def _invite_without_email(app, name: str, mobile: str) -> int:
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "queued").values(status="sent"))
        expert = make_expert("admitted", name=name, email="", mobile=mobile)  # no account, no e-mail
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "approved"))
        inv = Invitation(request_id=req.id, expert_id=expert.id, position=950, role="selected", status="invited",
                         invited_at=utcnow(), deadline=utcnow() + timedelta(hours=48))
        db.session.add(inv)
        db.session.flush()
        invitations.tell_invited(inv)
        db.session.commit()
        return inv.id


def test_an_expert_without_email_gets_the_invitation_by_sms(demo_app, gateway):
    inv_id = _invite_without_email(demo_app, "短信专家", "13905750001")
    with demo_app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.invitation_id == inv_id))
        assert (message.channel, message.to_address, message.status) == ("sms", "13905750001", "queued")
        assert send_pending() == (1, 0)
        assert db.session.get(OutboxMessage, message.id).status == "sent"
    token, payload = gateway.received[-1]
    assert token == "Bearer sms-secret" and payload["mobile"] == "13905750001"
    assert "评审邀请" in payload["text"] and "http://localhost/invitation/" in payload["text"]


def test_the_texted_decline_link_offers_recusal_with_the_facts_to_judge_it(demo_app, gateway):
    """§13: the link shows the applicant and the members' units (never the other experts) and takes a recusal,
    recorded as one, not as a decline."""
    inv_id = _invite_without_email(demo_app, "短信专家", "13905750004")
    with demo_app.app_context():
        send_pending()
        req = db.session.get(Invitation, inv_id).request
        applicant, member_units = req.organization.name, {m.unit_name for m in req.members if m.unit_name}
    _accept, decline = re.findall(r"http://localhost(/invitation/\S+)", gateway.received[-1][1]["text"])
    anonymous = Browser(demo_app.test_client())
    page = anonymous.get(decline).get_data(as_text=True)
    assert "申请回避" in page and applicant in page and all(unit in page for unit in member_units)
    refused = anonymous.post(decline, {"answer": "recuse", "reason": ""}, token_from=decline).get_data(as_text=True)
    assert "请填写申请回避的理由" in refused and 'id="answer-recuse" value="recuse" checked' in refused
    with demo_app.app_context():
        assert db.session.get(Invitation, inv_id).status == "invited"
    done = anonymous.post(decline, {"answer": "recuse", "reason": "申请单位系本人三年内原工作单位"},
                          token_from=decline).get_data(as_text=True)
    assert "已申请回避" in done
    with demo_app.app_context():
        inv = db.session.get(Invitation, inv_id)
        assert inv.status == "recused" and inv.decline_reason == "申请单位系本人三年内原工作单位"


def test_a_failing_gateway_keeps_the_sms_queued_for_a_retry(demo_app, gateway):
    gateway.failing = True
    inv_id = _invite_without_email(demo_app, "短信专家", "13905750002")
    with demo_app.app_context():
        assert send_pending() == (0, 1)
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.invitation_id == inv_id))
        assert message.status == "queued" and message.attempts == 1 and "503" in message.last_error


def test_without_a_gateway_the_bureau_telephones_and_records_the_answer(demo_app):
    inv_id = _invite_without_email(demo_app, "电话专家", "13905750003")
    with demo_app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.invitation_id == inv_id))
        assert (message.channel, message.status) == ("phone", "phone_pending")
        req_id = db.session.get(Invitation, inv_id).request_id
    bureau = Browser(demo_app.test_client())
    bureau.login("bureau")
    page = bureau.get(f"/admin/drawrequest/manage/?id={req_id}").get_data(as_text=True)
    assert "待电话通知" in page and "记录电话答复" in page
    called = (utcnow() + timedelta(hours=8) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")  # Beijing time
    refused = bureau.post(f"/admin/drawrequest/phone/?id={req_id}", {
        "invitation_id": str(inv_id), "answer": "accept", "called_at": called, "note": ""})
    assert refused.status_code == 400 and "请记录通话内容" in refused.get_data(as_text=True)
    for note, at, said in (("   ", called, "请记录通话内容"),
                           ("本人接听", (utcnow() + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M"), "不能晚于现在")):
        refused = bureau.post(f"/admin/drawrequest/phone/?id={req_id}", {
            "invitation_id": str(inv_id), "answer": "accept", "called_at": at, "note": note})
        assert refused.status_code == 400 and said in refused.get_data(as_text=True)
        with demo_app.app_context():
            assert db.session.get(Invitation, inv_id).status == "invited"
    assert bureau.post(f"/admin/drawrequest/phone/?id={req_id}", {
        "invitation_id": str(inv_id), "answer": "accept", "called_at": called,
        "note": "本人接听，确认可以参加"}).status_code == 302
    with demo_app.app_context():
        inv = db.session.get(Invitation, inv_id)
        assert inv.status == "accepted" and inv.phoned_by.username == "bureau" and "本人接听" in inv.phone_note
        assert db.session.get(OutboxMessage, message.id).status == "phoned"
        from models import AuditEntry

        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invitation_accepted")
                                  .order_by(AuditEntry.id.desc()))
        assert '"via": "phone"' in entry.detail


def test_a_one_time_password_is_not_kept_in_the_outbox_once_sent(demo_app, smtp):
    from operations.notify import queue

    sink, _controller, _port = smtp
    with demo_app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "queued").values(status="sent"))
        account = add_user("opened", "expert")
        account.email = "opened@example.cn"
        queue("account_opened", account, username="opened", password="Kq7-onetime-9")
        db.session.commit()
        assert send_pending() == (1, 0)
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.kind == "account_opened"))
    assert "Kq7-onetime-9" in sink.messages[-1].get_content()  # the person got it
    assert "Kq7-onetime-9" not in body and "初始密码：（已发出，系统不保留）" in body  # the outbox did not keep it


def test_the_bureau_closes_a_telephoned_message_but_an_invitation_only_by_recording_its_answer(demo_app):
    """A warning or 账号开通通知 to an expert without e-mail waits on 待电话通知 until the bureau marks it
    telephoned; an invitation's call is closed by the answer recorded on the request's page."""
    from operations.notify import notify_expert
    from tests.conftest import staff

    with demo_app.app_context():
        expert = make_expert("admitted", name="无邮箱专家", email="", mobile="13905750002",
                             user_id=add_user("nomail2", "expert").id)
        warning = notify_expert("dormancy_warning", expert, day="2027-01-01")[0]
        opened = notify_expert("account_opened", expert, username="13905750002", password="Zz9-onetime-1")[0]
        invitation_call = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.status == "phone_pending", OutboxMessage.invitation_id.is_not(None)))
        already_sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == "queued"))
        already_sent.status = "sent"
        db.session.commit()
        ids = [warning.id, opened.id, already_sent.id] + ([invitation_call.id] if invitation_call else [])
        assert warning.status == "phone_pending"
    bureau = staff(demo_app, "bureau")
    page = bureau.post("/admin/outbox/action/", {"action": "phoned", "rowid": [str(i) for i in ids]},
                       token_from="/admin/outbox/", follow_redirects=True).get_data(as_text=True)
    assert "已标记 2 条为已电话通知" in page
    assert "当前为已发送" in page  # a message already sent is not marked telephoned
    with demo_app.app_context():
        assert db.session.get(OutboxMessage, warning.id).status == "phoned"
        closed = db.session.get(OutboxMessage, opened.id)
        assert closed.status == "phoned" and "Zz9-onetime-1" not in closed.body  # read out, then not kept
        assert db.session.get(OutboxMessage, already_sent.id).status == "sent"
        if invitation_call:
            assert db.session.get(OutboxMessage, invitation_call.id).status == "phone_pending"
    assert staff(demo_app, "unit").post("/admin/outbox/action/", {"action": "phoned", "rowid": [str(ids[0])]},
                                        token_from="/admin/").status_code == 403
