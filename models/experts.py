"""The expert record: every field of the 专家信息表 (attachment 1) and its status."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.base import db, in_list, utcnow
from models.encrypted import Encrypted, lookup_hash
from models.files import UploadedFile
from models.organizations import College, Organization
from models.reference import Discipline, ReferenceItem
from models.users import User
from rules import InvalidInput
from rules.admission import ROUTES as ADMISSION_ROUTES
from rules.admission import STATUSES as EXPERT_STATUSES
from rules.eligibility import EXPERT_TYPES, PRIORITY_CATEGORIES, TITLE_LEVELS
from rules.idcard import ID_TYPES, parse_resident_id

expert_secondary_discipline = Table(
    "expert_secondary_discipline",
    db.metadata,
    Column("expert_id", ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True),
    Column("discipline_id", ForeignKey("discipline.id"), primary_key=True, index=True),  # draws look up by it
)


class Expert(db.Model):
    """A person in (or applying to) the library."""

    __tablename__ = "expert"
    __table_args__ = (
        UniqueConstraint("id_type", "id_number_hash"),
        # The list's order; with the id in it a deep page is read from the index alone.
        db.Index("ix_expert_list_order", "updated_at", "id"),
        db.CheckConstraint(in_list("status", EXPERT_STATUSES), name="status"),
        db.CheckConstraint(in_list("id_type", ID_TYPES), name="id_type"),
        db.CheckConstraint(in_list("title_level", TITLE_LEVELS), name="title_level"),
        db.CheckConstraint(in_list("expert_type", EXPERT_TYPES), name="expert_type"),
        db.CheckConstraint(in_list("admission_route", ADMISSION_ROUTES), name="route"),
        db.CheckConstraint(
            "years_in_field IS NULL OR (years_in_field >= 0 AND years_in_field <= 80)",
            name="years_in_field",
        ),
    )

    @validates("id_number")
    def _keep_hash(self, _key, value):
        # The hash follows the number on every assignment, so uniqueness can never go stale.
        self.id_number_hash = lookup_hash(value)
        return value

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    user: Mapped[User | None] = relationship()

    # 一、基本信息
    name: Mapped[str] = mapped_column(String(50))
    id_type: Mapped[str] = mapped_column(String(20), default="resident")
    id_number: Mapped[str | None] = mapped_column(Encrypted())  # empty only while a draft; ciphertext at rest
    id_number_hash: Mapped[str | None] = mapped_column(String(64))  # keyed hash: uniqueness and look-ups
    birth_month: Mapped[date | None]
    birth_date: Mapped[date | None]  # known exactly only from a resident ID
    sex: Mapped[str | None] = mapped_column(String(1))
    title_level: Mapped[str] = mapped_column(String(20), default="none")
    position: Mapped[str] = mapped_column(String(50), default="")
    education_id: Mapped[int | None] = mapped_column(ForeignKey("reference_item.id"))
    education: Mapped[ReferenceItem | None] = relationship(foreign_keys=[education_id])
    degree_id: Mapped[int | None] = mapped_column(ForeignKey("reference_item.id"))
    degree: Mapped[ReferenceItem | None] = relationship(foreign_keys=[degree_id])
    mobile: Mapped[str] = mapped_column(String(20))
    office_phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254))
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(Encrypted(), default="")

    # 二、工作单位 (name, credit code, type, location, department, region come from it)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization | None] = relationship()
    college_id: Mapped[int | None] = mapped_column(ForeignKey("college.id"))
    college: Mapped[College | None] = relationship()

    # 三、学术信息
    expert_type: Mapped[str] = mapped_column(String(20), default="technical")
    basic_condition_declared: Mapped[bool] = mapped_column(default=False)
    equivalent_level: Mapped[bool] = mapped_column(default=False)
    years_in_field: Mapped[int | None]
    primary_discipline_id: Mapped[int | None] = mapped_column(
        ForeignKey("discipline.id"), index=True
    )
    primary_discipline: Mapped[Discipline | None] = relationship()
    secondary_disciplines: Mapped[list[Discipline]] = relationship(
        secondary=expert_secondary_discipline
    )
    priority_categories: Mapped[str] = mapped_column(String(200), default="")
    provincial_library: Mapped[bool] = mapped_column(default=False)
    research_keywords: Mapped[str] = mapped_column(String(500), default="")
    bad_record: Mapped[bool] = mapped_column(default=False)

    # 四、职称信息
    title_name: Mapped[str] = mapped_column(String(100), default="")
    title_issued_on: Mapped[date | None]
    title_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("uploaded_file.id"))
    title_certificate: Mapped[UploadedFile | None] = relationship(
        foreign_keys=[title_certificate_id]
    )

    # 五、盖章
    stamped_form_id: Mapped[int | None] = mapped_column(ForeignKey("uploaded_file.id"))
    stamped_form: Mapped[UploadedFile | None] = relationship(foreign_keys=[stamped_form_id])

    # Workflow: only actions change these.
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    admission_route: Mapped[str] = mapped_column(String(20), default="open")
    admitted_on: Mapped[date | None]
    publicity_batch_id: Mapped[int | None] = mapped_column(ForeignKey("publicity_batch.id"), index=True)
    publicity_batch = relationship("PublicityBatch")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    avoidances: Mapped[list[ExpertAvoidance]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def status_label(self) -> str:
        return EXPERT_STATUSES.get(self.status, self.status)

    @property
    def priority_codes(self) -> frozenset[str]:
        return frozenset(c for c in self.priority_categories.split(",") if c)

    @property
    def priority_labels(self) -> list[str]:
        return [PRIORITY_CATEGORIES[c] for c in sorted(self.priority_codes) if c in PRIORITY_CATEGORIES]


@event.listens_for(Expert, "before_insert")
@event.listens_for(Expert, "before_update")
def _identity_from_id_number(_mapper, _connection, expert: Expert) -> None:
    """Birth date and sex follow a resident ID number, whichever path wrote it (panel, portal,
    approved change, import); other ID types carry no birth date, only the birth month typed."""
    if expert.id_type in (None, "resident") and expert.id_number:
        try:
            parsed = parse_resident_id(expert.id_number)
        except InvalidInput:  # the forms refuse such a number; a record saved anyway keeps no derived date
            expert.birth_date = None
            return
        expert.birth_date, expert.sex = parsed.birth_date, parsed.sex
    else:
        expert.birth_date = None


class ExpertAvoidance(db.Model):
    """A personal avoidance the expert declares (a relative's unit, a former employer…)."""

    __tablename__ = "expert_avoidance"
    __table_args__ = (db.CheckConstraint("kind IN ('unit', 'person')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    expert: Mapped[Expert] = relationship(back_populates="avoidances")
    kind: Mapped[str] = mapped_column(String(10), default="unit")
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # Applies to draws for activities up to this day (e.g. a former employer for three years); none: always.
    until: Mapped[date | None]

    def __str__(self) -> str:
        return self.name
