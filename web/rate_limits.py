"""Throttling the public forms (objections on /publicity, registration) per client address.

Flask-Limiter counts the hits. `make run` (SQLite, one process) counts in memory; on PostgreSQL the
counters live in the app's own database (`DatabaseStorage`, table rate_limit) so all gunicorn workers
share them — no Redis to run beside it. RATELIMIT_STORAGE_URI overrides either (e.g. redis://…).
The client address is request.remote_addr, which ProxyFix sets from X-Forwarded-For only when
TRUSTED_PROXIES says a proxy is in front (app.py).
"""
from __future__ import annotations

import time

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

# Defaults, per client address; the config keys below override them.
OBJECTION_LIMIT = "5 per hour; 20 per day"
REGISTRATION_LIMIT = "10 per hour; 50 per day"


# The views limited, their POSTs only (reading the list or the form stays free), and their limits.
LIMITED = {
    "public.publicity": ("RATELIMIT_OBJECTIONS", OBJECTION_LIMIT),
    "portal.register": ("RATELIMIT_REGISTRATIONS", REGISTRATION_LIMIT),
}


class DatabaseStorage(Storage):
    """A fixed-window counter store on an SQL database (PostgreSQL or SQLite) for the `limits` library:
    one upsert per hit, so concurrent workers never lose a count."""

    STORAGE_SCHEME = ["sqldb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, url: str = "", **_):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine = create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True) \
            if url.startswith("postgresql") else create_engine(url, connect_args={"timeout": 30})

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            return conn.execute(text(
                "INSERT INTO rate_limit (key, hits, expires_at) VALUES (:key, :amount, :ends) "
                "ON CONFLICT (key) DO UPDATE SET "
                "hits = CASE WHEN rate_limit.expires_at <= :now THEN :amount ELSE rate_limit.hits + :amount END, "
                "expires_at = CASE WHEN rate_limit.expires_at <= :now THEN :ends ELSE rate_limit.expires_at END "
                "RETURNING hits"), {"key": key, "amount": amount, "now": now, "ends": now + expiry}).scalar_one()

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT hits FROM rate_limit WHERE key = :key AND expires_at > :now"),
                                {"key": key, "now": time.time()}).scalar() or 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT expires_at FROM rate_limit WHERE key = :key"),
                                {"key": key}).scalar() or time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(text("DELETE FROM rate_limit")).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM rate_limit WHERE key = :key"), {"key": key})


def init_rate_limits(app: Flask) -> Limiter:
    """A limiter of this app's own (tests build several apps in one process), wrapped around the
    limited views once their blueprints are registered."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        if url.startswith("postgresql"):
            app.config["RATELIMIT_STORAGE_URI"] = "sqldb://"
            app.config["RATELIMIT_STORAGE_OPTIONS"] = {"url": url}
        else:
            app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter = Limiter(key_func=get_remote_address, app=app)
    for endpoint, (config_key, default) in LIMITED.items():
        # Only what was taken counts — an objection lodged, an account made, each answered by a redirect
        # (a refused form is shown again, 200 or 400): a person correcting their typing is not throttled.
        limit = limiter.limit(lambda key=config_key, value=default: current_app.config.get(key, value),
                              methods=["POST"], deduct_when=lambda response: response.status_code in (302, 303))
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    return limiter
