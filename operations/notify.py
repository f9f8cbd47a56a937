"""Notifications: rendered from a template per kind into the outbox, then sent with retries — e-mail
over SMTP, SMS through a gateway; a message neither can carry waits for the bureau's telephone call.

SMTP comes from the environment (MAIL_HOST, MAIL_PORT, MAIL_USER, MAIL_PASSWORD, MAIL_TLS=1,
MAIL_FROM); with no MAIL_HOST the messages stay in the outbox (and the log) until one is set.
SMS: SMS_URL (a gateway taking a JSON POST {"mobile": …, "text": …}) and SMS_KEY (sent as a bearer
token); with no SMS_URL, invitations to experts without e-mail wait in the outbox as 待电话通知.
"""
from __future__ import annotations

import json
import logging
import re
import smtplib
import urllib.request
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from models import OutboxMessage, User, db, utcnow
from models.notifications import MESSAGE_STATES

log = logging.getLogger(__name__)
LINK_MAX_AGE = 14 * 24 * 3600  # a signed link lives at most two weeks (and never past the deadline)
MAX_BACKOFF = timedelta(hours=6)


def queue(kind: str, user: User | None, **context) -> OutboxMessage:
    """Render the kind's template (first line the subject) into a queued message."""
    context.setdefault("name", user.name if user else "")
    context.setdefault("base_url", current_app.config.get("BASE_URL", "http://127.0.0.1:5000"))
    text = render_template(f"email/{kind}.txt", **context)
    subject, _, body = text.partition("\n")
    address = (user.email if user else "") or ""
    message = OutboxMessage(kind=kind, user_id=getattr(user, "id", None), to_address=address,
                            subject=subject.strip(), body=body.strip() + "\n",
                            status="queued" if address else "no_address")
    db.session.add(message)
    if not address:
        log.warning("no email address for %s (%s): kept in the outbox", getattr(user, "username", "?"), kind)
    return message


def notify_expert(kind: str, expert, invitation=None, **context) -> list[OutboxMessage]:
    """A message to an expert by every channel that reaches them (rules.invitations.channels_for): e-mail
    where there is an address, SMS where there is a mobile number and a gateway; with neither, it waits for
    the bureau's telephone call. Works for experts without an account too."""
    from rules.invitations import channels_for

    account = expert.user  # none for a special expert, or an expert the bureau keeps without an account
    email = expert.email or (account.email if account else "")
    context.setdefault("name", expert.name)
    context.setdefault("base_url", current_app.config.get("BASE_URL", "http://127.0.0.1:5000"))
    messages = []
    for channel in channels_for(bool(email), bool(expert.mobile), bool(current_app.config.get("SMS_URL"))):
        template = f"email/{kind}.txt" if channel == "email" else f"sms/{kind}.txt"
        subject, _, body = render_template(template, **context).partition("\n")
        messages.append(OutboxMessage(
            kind=kind, channel=channel, user_id=getattr(account, "id", None),
            invitation_id=getattr(invitation, "id", None), to_address=email if channel == "email" else expert.mobile,
            subject=subject.strip(), body=body.strip() + "\n",
            status="phone_pending" if channel == "phone" else "queued"))
    db.session.add_all(messages)
    return messages


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invitation-answer")


def invitation_link(invitation_id: int, answer: str) -> str:
    token = _serializer().dumps({"i": invitation_id, "a": answer})
    return f"{current_app.config['BASE_URL'].rstrip('/')}/invitation/{token}"


def read_invitation_token(token: str) -> tuple[int, str]:
    """(invitation id, answer) from a link; ValueError with a Chinese message when bad or expired."""
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired:
        raise ValueError("链接已过期，请登录系统答复") from None
    except BadSignature:
        raise ValueError("链接无效，请登录系统答复") from None
    return int(data["i"]), data["a"]


def _smtp_send(message: OutboxMessage) -> None:
    cfg = current_app.config
    mail = EmailMessage()
    mail["From"] = cfg.get("MAIL_FROM") or "noreply@localhost"
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    with smtplib.SMTP(cfg["MAIL_HOST"], int(cfg.get("MAIL_PORT") or 25), timeout=10) as smtp:
        if cfg.get("MAIL_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USER"):
            smtp.login(cfg["MAIL_USER"], cfg.get("MAIL_PASSWORD") or "")
        smtp.send_message(mail)


def _sms_send(message: OutboxMessage) -> None:
    """POST the text to the gateway; anything but a 2xx answer is a failure to retry."""
    cfg = current_app.config
    data = json.dumps({"mobile": message.to_address, "text": f"{message.subject}\n{message.body}"},
                      ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(cfg["SMS_URL"], data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {cfg.get('SMS_KEY', '')}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the operator's own gateway
        if not 200 <= response.status < 300:
            raise OSError(f"短信网关返回 {response.status}")


SENDERS = {"email": ("MAIL_HOST", _smtp_send), "sms": ("SMS_URL", _sms_send)}

# What a message carries only until it is sent (e-mail "初始密码：…", SMS "初始密码 …，"): the outbox keeps no
# usable password once it went out.
SENT_ONCE = {"account_opened": re.compile(r"初始密码[：:\s]*[^\s，,。]+")}


def mark_phoned(messages: list[OutboxMessage], user) -> tuple[int, list[str]]:
    """The bureau telephoned about messages waiting for a call: each is closed (its one-time secrets
    blanked) and audited. An invitation's call is closed by recording the answer on the request's page.
    Returns (how many closed, why each other one was not)."""
    from operations import audit

    done, refused = 0, []
    for message in messages:
        if message.status != "phone_pending":
            refused.append(f"“{message.subject}”：当前为{MESSAGE_STATES.get(message.status, message.status)}")
        elif message.invitation_id is not None:
            refused.append(f"“{message.subject}”：评审邀请请在抽取申请页“记录电话答复”")
        else:
            message.status, message.sent_at = "phoned", utcnow()
            forget_secrets(message)
            audit.record("message_phoned", message, user=user, kind=message.kind)
            done += 1
    return done, refused


def forget_secrets(message: OutboxMessage) -> None:
    """After sending (or the bureau's call), the message's one-time secrets are blanked in the outbox's copy."""
    secret = SENT_ONCE.get(message.kind)
    if secret is not None:
        message.body = secret.sub("初始密码：（已发出，系统不保留）", message.body)


def send_pending(now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Send what is due by each configured channel; a failure backs off exponentially and stays queued.
    Returns (sent, failed)."""
    now = now or utcnow()
    channels = [c for c, (setting, _send) in SENDERS.items() if current_app.config.get(setting)]
    if not channels:
        return 0, 0
    due = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "queued",
                                                         OutboxMessage.channel.in_(channels),
                                                         OutboxMessage.next_attempt_at <= now)
                             .order_by(OutboxMessage.id).limit(limit)).all()
    sent = failed = 0
    for message in due:
        try:
            SENDERS[message.channel][1](message)
        except (OSError, smtplib.SMTPException) as e:
            message.attempts += 1
            message.last_error = str(e)[:500]
            message.next_attempt_at = now + min(timedelta(minutes=2 ** message.attempts), MAX_BACKOFF)
            failed += 1
            log.warning("send failed (%s), retry at %s", e, message.next_attempt_at)
        else:
            message.status, message.sent_at = "sent", now
            message.attempts += 1
            forget_secrets(message)
            sent += 1
        db.session.commit()  # each message's outcome is kept even if a later one fails
    return sent, failed
