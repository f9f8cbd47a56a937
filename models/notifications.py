"""The outbox: every message is a row first, so a failed send is retried, never lost."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, in_list, utcnow
from rules.invitations import CHANNELS

# "phone_pending": no e-mail and no SMS gateway — the bureau telephones and records the answer.
MESSAGE_STATES = {"queued": "待发送", "sent": "已发送", "no_address": "无邮箱地址", "phone_pending": "待电话通知",
                  "phoned": "已电话通知"}


# Each kind has its templates: templates/email/<kind>.txt, and templates/sms/<kind>.txt where SMS carries it.
MESSAGE_KINDS = {"invitation": "评审邀请", "deadline_reminder": "答复提醒", "returned": "退回修改通知",
                 "endorsed": "推荐通知", "publicized": "公示通知", "admitted": "入库通知", "rejected": "不予入库通知",
                 "exited": "出库通知", "dormancy_warning": "休眠提醒", "exit_warning": "出库提醒",
                 "account_opened": "账号开通通知"}


class OutboxMessage(db.Model):
    """One message to one person, by e-mail, SMS or the bureau's telephone call."""

    __tablename__ = "outbox_message"
    __table_args__ = (db.CheckConstraint(in_list("status", MESSAGE_STATES), name="status"),
                      db.CheckConstraint(in_list("channel", CHANNELS), name="channel"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The invitation a message is about, so the bureau sees on it which ones wait for a telephone call.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254), default="")  # an e-mail address or a mobile number
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return self.subject
