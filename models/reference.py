"""Reference lists the bureau maintains: disciplines and simple code lists."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, in_list

# Kinds of simple code list kept in ReferenceItem (title levels, ID types and priority
# categories are not here: the rules decide with them, so they live in rules/).
REFERENCE_KINDS = {
    "education": "学历",
    "degree": "学位",
    "unit_type": "单位类型",
    "district": "区、县（市）",
}


class ReferenceItem(db.Model):
    """One entry of a code list (education, degree, unit type, district)."""

    __tablename__ = "reference_item"
    __table_args__ = (
        UniqueConstraint("kind", "code"),
        db.CheckConstraint(in_list("kind", REFERENCE_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def of_kind(cls, kind: str):
        """A query factory for form selects: the items of one kind in order."""
        return db.session.scalars(
            select(cls).where(cls.kind == kind).order_by(cls.sort_order, cls.id)
        ).all()


class Discipline(db.Model):
    """A discipline of GB/T 13745-2009 (first level: 3 digits, second: 5)."""

    __tablename__ = "discipline"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("discipline.id"), index=True)
    parent: Mapped[Discipline | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Discipline]] = relationship(back_populates="parent")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level(self) -> int:
        return 1 if self.parent_id is None else 2
