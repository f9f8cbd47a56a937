"""Work units, their colleges/departments, and the managing departments above them."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, in_list
from models.reference import ReferenceItem

DEPARTMENT_KINDS = {
    "district": "区、县（市）科技局",
    "city": "市级有关部门",
    "university": "高等院校",
    "institute": "科研院所",
}


class ManagingDepartment(db.Model):
    """An 归口管理部门: reviews the experts of the units under it."""

    __tablename__ = "managing_department"
    __table_args__ = (db.CheckConstraint(in_list("kind", DEPARTMENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    organizations: Mapped[list[Organization]] = relationship(back_populates="department")

    def __str__(self) -> str:
        return self.name


class Organization(db.Model):
    """A work unit (工作单位) or usage unit, identified by its unified social credit code."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    unit_type_id: Mapped[int | None] = mapped_column(ForeignKey("reference_item.id"))
    unit_type: Mapped[ReferenceItem | None] = relationship(foreign_keys=[unit_type_id])
    district_id: Mapped[int | None] = mapped_column(ForeignKey("reference_item.id"))
    district: Mapped[ReferenceItem | None] = relationship(foreign_keys=[district_id])
    address: Mapped[str] = mapped_column(String(200), default="")
    in_shaoxing: Mapped[bool] = mapped_column(default=True)
    # An expert may propose a unit not yet known; the bureau confirms it.
    verified: Mapped[bool] = mapped_column(default=True, server_default=db.true())
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("managing_department.id"), index=True
    )
    department: Mapped[ManagingDepartment | None] = relationship(back_populates="organizations")
    colleges: Mapped[list[College]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="College.name"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def region_label(self) -> str:
        return "绍兴市内" if self.in_shaoxing else "绍兴市外"

    @hybrid_property
    def bureau_is_department(self) -> bool:
        """The bureau reviews in place of a department (notice §2.1.3); also a clause for queries."""
        return self.department_id is None or not self.in_shaoxing

    @bureau_is_department.inplace.expression
    @classmethod
    def _bureau_is_department(cls):
        return or_(cls.department_id.is_(None), cls.in_shaoxing.is_(False))


class College(db.Model):
    """A college or department (院系) of a university: conflicts are matched at this level."""

    __tablename__ = "college"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization] = relationship(back_populates="colleges")
    name: Mapped[str] = mapped_column(String(100))

    def __str__(self) -> str:
        return f"{self.organization.name} {self.name}" if self.organization else self.name
