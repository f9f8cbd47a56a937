"""The SQLAlchemy handle shared by every model."""
import sqlite3
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_cache(dbapi_connection, _record):
    """SQLite's default 2 MB page cache makes every list page at 100,000 experts re-read the file
    through the kernel; 64 MB of cache and a memory map keep the working set in the process."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.execute("PRAGMA mmap_size = 268435456")
        cursor.close()


def serialise(key: int) -> None:
    """Until the transaction ends, let no other transaction that calls this with `key` run past it, so
    that each reads what the one before wrote (the audit chain's head, who is engaged for a draw).

    PostgreSQL: an advisory lock per key. SQLite has one writer at a time: the transaction takes the
    write lock now, before it reads, instead of at its first write (where pysqlite would begin it),
    which serialises every key at once.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        return
    db.session.flush()  # a pending write would begin the transaction itself, without the lock
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def utcnow() -> datetime:
    """Naive UTC now: both databases store it the same way."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_now() -> datetime:
    """Naive Beijing wall-clock time: activity times are kept as the people typed them."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def in_list(column: str, values) -> str:
    """SQL text for a CHECK that a column holds one of the given codes."""
    quoted = ", ".join("'%s'" % v for v in values)
    return f"{column} IN ({quoted})"
