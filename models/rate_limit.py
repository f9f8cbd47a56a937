"""Rate-limit counters kept in the database, so every gunicorn worker counts the same hits
(web/rate_limits.py). One row per limited key and window; expired rows are reused in place."""
from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db


class RateLimit(db.Model):
    __tablename__ = "rate_limit"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch
