"""The outbox: every message is a row first, so a failed send is retried, never lost."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow

MESSAGE_STATES = {"queued": "待发送", "sent": "已发送", "no_address": "无邮箱地址"}


class OutboxMessage(db.Model):
    """One email to one person."""

    __tablename__ = "outbox_message"
    __table_args__ = (db.CheckConstraint("status IN ('queued', 'sent', 'no_address')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    to_address: Mapped[str] = mapped_column(String(254), default="")
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
