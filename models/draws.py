"""Draw requests, the immutable draw records, invitations and what happened at the activity."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, in_list, utcnow
from models.experts import Expert
from models.organizations import Organization
from models.users import User

from rules.draw_requests import ACTIVITY_TYPES, ATTENDANCE, SPECIAL_STATES
from rules.draw_requests import STATES as REQUEST_STATES
from rules.invitations import STATES as INVITATION_STATES


class DrawRequest(db.Model):
    """A usage unit's request for reviewers (rules §11)."""

    __tablename__ = "draw_request"
    __table_args__ = (
        db.CheckConstraint(in_list("status", REQUEST_STATES), name="status"),
        db.CheckConstraint(in_list("activity_type", ACTIVITY_TYPES), name="activity_type"),
        db.CheckConstraint("end_at > start_at", name="period"),
        db.CheckConstraint("need >= 1 AND backups >= 0 AND max_per_org >= 1", name="counts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization] = relationship()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    title: Mapped[str] = mapped_column(String(200))
    activity_type: Mapped[str] = mapped_column(String(20), default="review")
    # Activity times are Beijing wall-clock times as typed (not UTC like the timestamps).
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    need: Mapped[int] = mapped_column(default=5)
    backups: Mapped[int] = mapped_column(default=2)
    max_per_org: Mapped[int] = mapped_column(default=1)
    response_hours: Mapped[int] = mapped_column(default=48)
    # Conditions
    discipline_codes: Mapped[str] = mapped_column(String(500), default="")  # comma-separated GB/T 13745 codes
    expert_type: Mapped[str] = mapped_column(String(20), default="")  # '' = any
    min_title: Mapped[str] = mapped_column(String(20), default="associate")
    region: Mapped[str] = mapped_column(String(10), default="any")  # any / in / out
    age_min: Mapped[int | None]
    age_max: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Revised conditions the usage unit proposes for a supplementary draw (JSON), and why; cleared by the draw.
    proposed_conditions: Mapped[str] = mapped_column(Text, default="", server_default="")
    proposed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decided_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[ProjectMember]] = relationship(back_populates="request", cascade="all, delete-orphan")
    avoidances: Mapped[list[RequestAvoidance]] = relationship(back_populates="request",
                                                              cascade="all, delete-orphan")
    records: Mapped[list[DrawRecord]] = relationship(back_populates="request", order_by="DrawRecord.id")
    special_experts: Mapped[list[SpecialExpert]] = relationship(back_populates="request",
                                                                cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"CQ-{self.created_at:%Y}-{self.id:04d} {self.title}"

    @property
    def number(self) -> str:
        return f"CQ-{self.created_at:%Y}-{self.id:04d}"

    @property
    def codes(self) -> list[str]:
        return [c for c in self.discipline_codes.replace("，", ",").split(",") if c.strip()]


class ProjectMember(db.Model):
    """A leader or member of a project under review, with their unit (and college)."""

    __tablename__ = "project_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("draw_request.id", ondelete="CASCADE"), index=True)
    request: Mapped[DrawRequest] = relationship(back_populates="members")
    project: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(50))
    is_leader: Mapped[bool] = mapped_column(default=False)
    unit_name: Mapped[str] = mapped_column(String(100), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    college: Mapped[str] = mapped_column(String(100), default="")
    # The keyed hash of the member's ID number, where the applicant gave it: matches an expert listed under
    # another unit (§13(一)). The number itself is never stored.
    id_number_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")

    def __str__(self) -> str:
        return self.name


class RequestAvoidance(db.Model):
    """An avoidance the applicant declares, with its reason."""

    __tablename__ = "request_avoidance"
    __table_args__ = (db.CheckConstraint("kind IN ('unit', 'person')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("draw_request.id", ondelete="CASCADE"), index=True)
    request: Mapped[DrawRequest] = relationship(back_populates="avoidances")
    kind: Mapped[str] = mapped_column(String(10), default="unit")
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    reason: Mapped[str] = mapped_column(Text)

    def __str__(self) -> str:
        return self.name


class SpecialExpert(db.Model):
    """特邀专家 (rules §12): proposed by the usage unit when the library cannot meet a need; the bureau decides."""

    __tablename__ = "special_expert"
    __table_args__ = (db.CheckConstraint(in_list("status", SPECIAL_STATES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("draw_request.id", ondelete="CASCADE"), index=True)
    request: Mapped[DrawRequest] = relationship(back_populates="special_experts")
    name: Mapped[str] = mapped_column(String(50))
    unit_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(100), default="")
    # How the invitation reaches them (they have no account): SMS or e-mail, else the bureau telephones.
    mobile: Mapped[str] = mapped_column(String(20), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return f"{self.name}（特邀）"

    @property
    def user(self) -> None:
        """A special expert has no account: messages go by their e-mail and mobile (notify_expert)."""
        return None


class DrawRecord(db.Model):
    """One execution of the draw, with everything needed to replay it. Never edited or deleted."""

    __tablename__ = "draw_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("draw_request.id"), index=True)
    request: Mapped[DrawRequest] = relationship(back_populates="records")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("draw_record.id"))
    kind: Mapped[str] = mapped_column(String(20), default="initial")  # initial / supplement
    reason: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text)  # JSON
    pool: Mapped[str] = mapped_column(Text)  # JSON [[id, org_id, age_band, sub_discipline], ...]
    pool_size: Mapped[int]
    pool_digest: Mapped[str] = mapped_column(String(64))
    exclusion_counts: Mapped[str] = mapped_column(Text)  # JSON {reason: n}
    excluded_ids: Mapped[str] = mapped_column(Text)  # JSON {reason: [ids]}: names for bureau/supervisor only
    seed: Mapped[str] = mapped_column(String(64))
    algorithm_version: Mapped[str] = mapped_column(String(40))
    need: Mapped[int]
    backups: Mapped[int]
    max_per_org: Mapped[int]
    selected: Mapped[str] = mapped_column(Text)  # JSON [ids] in order
    backup_ids: Mapped[str] = mapped_column(Text)  # JSON [ids] in order
    # §17: why a small pool was drawn from anyway; whether the approver was kept from drawing.
    pool_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    duties_separated: Mapped[bool | None]
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    operator: Mapped[User | None] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return f"抽取记录 #{self.id}"

    def ids(self, field: str) -> list[int]:
        return json.loads(getattr(self, field))

    @property
    def shortfall(self) -> int:
        """Selected places the pool could not fill (the cap per unit or a thin pool)."""
        return max(0, self.need - len(self.ids("selected")))


@event.listens_for(DrawRecord, "before_update")
@event.listens_for(DrawRecord, "before_delete")
def _records_are_final(mapper, connection, target):
    raise PermissionError("抽取记录不可修改或删除；如需补充请进行补充抽取")


class Invitation(db.Model):
    """One drawn expert's engagement: invited in order, answering before a deadline."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("request_id", "expert_id"),
        db.CheckConstraint(in_list("status", INVITATION_STATES), name="status"),
        # Either an expert of the library or a special expert the bureau approved (§12), never both.
        db.CheckConstraint("(expert_id IS NULL) <> (special_expert_id IS NULL)", name="person"),
        db.CheckConstraint("attendance IS NULL OR " + in_list("attendance", ATTENDANCE), name="attendance"),
        db.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("draw_request.id"), index=True)
    request: Mapped[DrawRequest] = relationship()
    record_id: Mapped[int | None] = mapped_column(ForeignKey("draw_record.id"))
    record: Mapped[DrawRecord | None] = relationship()
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"), index=True)
    expert: Mapped[Expert | None] = relationship()
    special_expert_id: Mapped[int | None] = mapped_column(ForeignKey("special_expert.id"), index=True)
    special_expert: Mapped[SpecialExpert | None] = relationship()
    position: Mapped[int]  # order within the request: selected first, then backups, then supplements
    role: Mapped[str] = mapped_column(String(10), default="selected")  # selected / backup / special
    status: Mapped[str] = mapped_column(String(20), default="waiting", index=True)
    invited_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # when the deadline reminder went out (once per invitation)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    special_reason: Mapped[str] = mapped_column(Text, default="")
    attendance: Mapped[str | None] = mapped_column(String(20))
    absence_reason: Mapped[str] = mapped_column(Text, default="")
    # When the bureau acted on this absence (an exit, or a decision to keep the expert): it no longer counts.
    absence_reviewed_at: Mapped[datetime | None]
    rating: Mapped[int | None]
    comments: Mapped[str] = mapped_column(Text, default="")
    fee: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # An answer the bureau took by telephone: who called, when, and what was said.
    phoned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    phoned_by: Mapped[User | None] = relationship(foreign_keys=[phoned_by_id])
    phoned_at: Mapped[datetime | None]
    phone_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    spot_check: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return f"{self.person.name}（{INVITATION_STATES.get(self.status)}）"

    @property
    def person(self) -> Expert | SpecialExpert:
        """Who is engaged: an expert of the library, or a special expert (marked 特邀)."""
        return self.expert or self.special_expert

    @property
    def unit_name(self) -> str:
        if self.expert is not None:
            return self.expert.organization.name if self.expert.organization else ""
        return self.special_expert.unit_name


class ExpertLeave(db.Model):
    """A period an admitted expert is unavailable; draws skip it."""

    __tablename__ = "expert_leave"
    __table_args__ = (db.CheckConstraint("end_date >= start_date", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), default="")
