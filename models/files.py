"""Uploaded files: stored under generated names, described by a row."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.users import User


class UploadedFile(db.Model):
    """A file on disk under UPLOAD_DIR; the name a person gave it is only shown, never used."""

    __tablename__ = "uploaded_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by: Mapped[User | None] = relationship()
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return self.original_name
