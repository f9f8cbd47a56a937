"""The audit chain's head as recorded outside the database, and what a recorded head says of the chain.

The hash chain shows an entry altered, inserted or removed in the middle; it cannot show the last
entries removed, since what is left is still a whole chain. So the daily job writes the head (its
sequence number and hash) where the database's operator cannot rewrite it — the job's log and the
supervisors' mailboxes — in one fixed line, and a later check finds in the chain every head recorded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# The line, in the job's log and in the supervisors' e-mail: 审计链头 date=2026-11-30 seq=123 sha256=<64 hex>
HEAD_LINE = "审计链头 date={day} seq={seq} sha256={hash}"
_HEAD = re.compile(r"审计链头 date=(\d{4}-\d{2}-\d{2}) seq=(\d{1,18}) sha256=([0-9a-f]{64})(?![0-9a-f])")


@dataclass(frozen=True)
class ChainHead:
    day: date
    seq: int
    hash: str

    def line(self) -> str:
        return HEAD_LINE.format(day=self.day.isoformat(), seq=self.seq, hash=self.hash)


def heads_in(text: str) -> list[ChainHead]:
    """Every head line in `text` (a log, saved e-mails), once each, in the order found."""
    found = {}
    for day, seq, digest in _HEAD.findall(text):
        try:
            head = ChainHead(date.fromisoformat(day), int(seq), digest)
        except ValueError:  # a date that is no date: not a line the job wrote
            continue
        found.setdefault(head, None)
    return list(found)


def head_problem(head: ChainHead, stored_hash: str | None, last_seq: int) -> str | None:
    """Why the chain no longer reaches `head` (None if it does): `stored_hash` is the hash the chain holds
    at the head's sequence number (None: no such entry), `last_seq` the chain's last sequence number now."""
    if stored_hash is None:
        if head.seq > last_seq:
            return (f"{head.line()}：审计日志现只到序号 {last_seq}，此后的记录已不存在"
                    "（日志被截短，最后的记录被删除）")
        return f"{head.line()}：序号 {head.seq} 的记录已不存在（记录被删除）"
    if stored_hash != head.hash:
        return f"{head.line()}：序号 {head.seq} 的记录哈希不符（现为 {stored_hash}），记录被改写或日志被重建"
    return None
