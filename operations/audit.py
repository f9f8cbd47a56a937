"""Write audit entries into the hash chain and verify the chain."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from models import AuditEntry, db, utcnow
from models.base import serialise
from rules.audit import ChainHead, head_problem, heads_in

GENESIS = "0" * 64
_CHAIN_LOCK = 7_202_611  # serialises appends (models.base.serialise)


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry's content and the previous entry's hash."""
    content = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(timespec="microseconds"),
        "user_id": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
    }
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def record(action: str, obj=None, *, user=None, object_type: str = "", **detail) -> AuditEntry:
    """Append an entry in the current transaction (flushed, not committed). The entry names `obj` by its
    class and id (or `object_type` for a row written without its model, as the scale seed does)."""
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    serialise(_CHAIN_LOCK)  # the head read below stays the head until this transaction ends
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        created_at=utcnow(),
        user_id=getattr(user, "id", None),
        username=detail.pop("username", None) or getattr(user, "username", "") or "",
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else ""),
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        detail=json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str),
        ip=(request.remote_addr or "") if has_request_context() else "",
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str


def verify_chain() -> tuple[int, list[ChainProblem]]:
    """Walk the chain in order; return how many entries were checked and every break found."""
    problems: list[ChainProblem] = []
    expected_prev, expected_seq, count = GENESIS, 1, 0
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows.yield_per(1000):
        count += 1
        if entry.seq != expected_seq:
            problems.append(ChainProblem(entry.seq, f"缺少序号 {expected_seq}–{entry.seq - 1} 的记录（可能被删除）"))
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.seq, "与前一条记录的哈希不衔接（记录被删除、插入或重排）"))
        if entry_hash(entry) != entry.hash:
            problems.append(ChainProblem(entry.seq, "记录内容与其哈希不符（记录被篡改）"))
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    return count, problems


def chain_head() -> tuple[int, str] | None:
    """The chain's last entry now: (sequence number, hash); None for an empty log."""
    last = db.session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else None


def record_chain_head(day: date) -> ChainHead | None:
    """The daily job's copy of the head outside the database: an e-mail to each supervisor with an address
    (queued here, sent by the job); the caller prints the same line into the job's log. None: empty log."""
    from models import User
    from operations.notify import queue

    head = chain_head()
    if head is None:
        return None
    recorded = ChainHead(day, *head)
    supervisors = db.session.scalars(select(User).where(User.role == "supervisor", User.active.is_(True))
                                     .order_by(User.id)).all()
    for supervisor in supervisors:
        queue("audit_head", supervisor, line=recorded.line(), seq=recorded.seq, day=day.strftime("%Y年%m月%d日"))
    return recorded


def check_heads(heads: list[ChainHead]) -> list[str]:
    """For each recorded head, why the chain no longer reaches it (nothing when all are reached)."""
    stored = dict(db.session.execute(select(AuditEntry.seq, AuditEntry.hash).where(
        AuditEntry.seq.in_({h.seq for h in heads}))).all()) if heads else {}
    last = chain_head()
    problems = [head_problem(h, stored.get(h.seq), last[0] if last else 0) for h in heads]
    return [p for p in problems if p]


def heads_in_file(raw: bytes) -> list[ChainHead]:
    """The heads recorded in a file: the job's log, or e-mails saved from a mail client (one message, or
    an mbox of several), whose bodies may be base64 or quoted-printable encoded."""
    import email
    import email.policy
    import re

    texts = [raw.decode("utf-8", errors="replace")]
    for chunk in re.split(rb"(?m)^From ", raw):
        for part in email.message_from_bytes(chunk, policy=email.policy.default).walk():
            if part.get_content_maintype() == "text":
                try:
                    texts.append(part.get_content())
                except (LookupError, ValueError):  # an unknown charset or a broken encoding: the raw text stands
                    pass
    found = {}
    for text in texts:
        for head in heads_in(text):
            found.setdefault(head, None)
    return list(found)
