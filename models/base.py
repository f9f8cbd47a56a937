"""The SQLAlchemy handle shared by every model, and reading record ids from user input."""
import sqlite3
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session

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
    _begin_immediate(db.session.connection())


# Writers on SQLite. pysqlite begins a transaction lazily (at the first write, or at a SAVEPOINT, which
# SQLAlchemy's begin_nested emits before any write). A transaction that has read and then wants to
# write while another one writes gets SQLITE_BUSY at once: SQLite skips the busy handler there, since
# waiting could deadlock ("database is locked", a 500). A transaction that takes the write lock as it
# begins (BEGIN IMMEDIATE) holds nothing while it waits, so it waits (the busy timeout) and then reads
# what the other wrote. `will_write` marks a session whose transactions all begin so: a request that
# may write (app.py: every method but GET, HEAD, OPTIONS) or the daily job (cli.py).
_WRITES = "begins_with_write_lock"


def will_write() -> None:
    """Every transaction of this session from now on takes SQLite's write lock as it begins (and the
    one already open, now). PostgreSQL: nothing (row locks and `serialise` order its writers)."""
    db.session.info[_WRITES] = True
    if db.engine.dialect.name == "sqlite":
        _begin_immediate(db.session.connection())


def done_writing() -> None:
    """Back to lazily begun transactions, e.g. before the daily job sends its mail (held no lock)."""
    db.session.info.pop(_WRITES, None)


def _begin_immediate(connection) -> None:
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Session, "after_begin")
def _writers_lock_first(session, _transaction, connection):
    if session.info.get(_WRITES) and connection.dialect.name == "sqlite":
        _begin_immediate(connection)


# A write that lost a race for a lock: SQLite's busy timeout ran out ("database is locked"); PostgreSQL
# found a deadlock (40P01), a serialization failure (40001) or a lock it may not wait for (55P03).
_CONTENTION_STATES = {"40001", "40P01", "55P03"}


def lost_a_race(error: BaseException) -> bool:
    """Whether a database error means "busy, try again" (nothing was saved) rather than a fault."""
    original = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(original, sqlite3.OperationalError):
        return "locked" in str(original)  # "database is locked", "database table is locked"
    return getattr(original, "sqlstate", None) in _CONTENTION_STATES


def utcnow() -> datetime:
    """Naive UTC now: both databases store it the same way."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


# The bureau's time zone: activity times are typed in it, and every time is shown in it
# (app.py gives it to Flask-Babel as BABEL_DEFAULT_TIMEZONE, which formats and converts).
TIMEZONE = "Asia/Shanghai"


def local_now() -> datetime:
    """Naive Beijing wall-clock time: activity times are kept as people typed them."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None)


# The largest key an INTEGER column holds (PostgreSQL int4); SQLite overflows past 2**63.
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A record id typed or posted by a user, or None when it is empty, not ASCII digits or out of range.

    int() alone is not enough: it raises on "abc" and "²" (str.isdigit() is true for the latter) and
    accepts ids that overflow the database's integer type.
    """
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values) -> list[int] | None:
    """Every id of a list (e.g. the rows ticked for a bulk action), or None if any one is bad."""
    ids = [parse_id(v) for v in values or []]
    return None if any(i is None for i in ids) else ids


def get_by_id(model, value):
    """The row of `model` with the id `value` (any user input), or None: anything odd is "no such record"."""
    key = parse_id(value)
    return None if key is None else db.session.get(model, key)


def in_list(column: str, values) -> str:
    """SQL text for a CHECK that a column holds one of the given codes."""
    quoted = ", ".join("'%s'" % v for v in values)
    return f"{column} IN ({quoted})"
