"""The admission path's records: the timeline, publicity batches, objections, change requests."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, in_list, utcnow
from models.encrypted import Encrypted
from models.experts import Expert
from models.files import UploadedFile
from models.organizations import Organization
from models.users import User
from rules.changes import CHANGE_STATES
from rules.lifecycle import EXIT_REQUEST_STATES
from rules.publicity import OBJECTION_STATES



class ExpertEvent(db.Model):
    """One step of an expert's path: who did what, when, and why (the timeline)."""

    __tablename__ = "expert_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    expert: Mapped[Expert] = relationship()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user: Mapped[User | None] = relationship()
    actor_label: Mapped[str] = mapped_column(String(100), default="")  # e.g. "系统" or an objector
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return f"{self.action} {self.to_status}"


class PublicityBatch(db.Model):
    """A list of proposed experts on public display for 7 days (rules §6)."""

    __tablename__ = "publicity_batch"
    __table_args__ = (db.CheckConstraint("end_date > start_date", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[date]
    end_date: Mapped[date]  # the last day of the period
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[User | None] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return f"{self.start_date:%Y-%m-%d}至{self.end_date:%Y-%m-%d}"


class Objection(db.Model):
    """An objection lodged during publicity (rules §6): it holds the expert's admission until the bureau
    upholds it (back to review) or dismisses it with a reason. The objector's contact is sealed."""

    __tablename__ = "objection"
    __table_args__ = (db.CheckConstraint(in_list("status", OBJECTION_STATES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    expert: Mapped[Expert] = relationship()
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("publicity_batch.id"))
    name: Mapped[str] = mapped_column(String(50))
    contact: Mapped[str] = mapped_column(Encrypted)
    text: Mapped[str] = mapped_column(Text)
    ip: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by: Mapped[User | None] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return f"{self.name}：{self.text[:20]}"


class ExpertFile(db.Model):
    """A proof attached to an expert's record (priority-condition proofs, provincial proof)."""

    __tablename__ = "expert_file"
    __table_args__ = (db.CheckConstraint("kind IN ('priority_proof', 'provincial_proof')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    expert: Mapped[Expert] = relationship()
    file_id: Mapped[int] = mapped_column(ForeignKey("uploaded_file.id"))
    file: Mapped[UploadedFile] = relationship()
    kind: Mapped[str] = mapped_column(String(20))


class ChangeRequest(db.Model):
    """An admitted expert's edits, reviewed before they take effect (rules §7)."""

    __tablename__ = "change_request"
    __table_args__ = (db.CheckConstraint(in_list("status", CHANGE_STATES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    expert: Mapped[Expert] = relationship()
    # {field: [old, new]} as display-neutral JSON values (ids for references, ISO dates).
    changes: Mapped[str] = mapped_column(Encrypted())  # old and new values, ID and bank numbers among them
    # The unit that reviews: the new one when the expert changes work unit.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization | None] = relationship()
    status: Mapped[str] = mapped_column(String(20), default="pending_unit", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # the reviewer's opinion
    # Who proposed it (the expert, their unit or department, or the bureau's own correction) and why.
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_by: Mapped[User | None] = relationship()
    proposal_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    files: Mapped[list[ChangeFile]] = relationship(order_by="ChangeFile.id", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"变更申请 #{self.id}"


class ChangeFile(db.Model):
    """A file sent with a change request (a new title certificate, say): on the record once approved."""

    __tablename__ = "change_file"
    __table_args__ = (db.CheckConstraint(
        "kind IN ('title_certificate', 'stamped_form', 'priority_proof', 'provincial_proof')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_request_id: Mapped[int] = mapped_column(ForeignKey("change_request.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("uploaded_file.id"), index=True)
    file: Mapped[UploadedFile] = relationship()
    kind: Mapped[str] = mapped_column(String(20))


class ExitRequest(db.Model):
    """An expert's written request to leave the library (rules §8(二)), decided by the bureau."""

    __tablename__ = "exit_request"
    __table_args__ = (db.CheckConstraint(in_list("status", EXIT_REQUEST_STATES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    expert: Mapped[Expert] = relationship()
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by: Mapped[User | None] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return f"{self.expert.name if self.expert else self.expert_id} 申请出库"


class ExpertExit(db.Model):
    """An exit (出库): the reason of rules §8 (or inactivity/age), evidence, who and when."""

    __tablename__ = "expert_exit"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    expert: Mapped[Expert] = relationship()
    reason: Mapped[str] = mapped_column(String(30))
    evidence: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("uploaded_file.id"))
    file: Mapped[UploadedFile | None] = relationship()
    reapply_allowed: Mapped[bool]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by: Mapped[User | None] = relationship()
    at: Mapped[datetime] = mapped_column(default=utcnow)
