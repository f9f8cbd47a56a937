"""The audit chain's head line: written once, found again in any text, and what a recorded head says."""
from datetime import date

from hypothesis import given, strategies as st

from rules.audit import ChainHead, head_problem, heads_in

DIGEST = "ab" * 32


def test_heads_are_found_once_each_in_order_and_malformed_lines_ignored():
    first, second = ChainHead(date(2030, 3, 1), 7, DIGEST), ChainHead(date(2030, 3, 2), 9, "cd" * 32)
    text = "\n".join(["日志开头", first.line(), "  > " + second.line(), first.line(),
                      "审计链头 date=2030-13-01 seq=1 sha256=" + DIGEST,  # no such date
                      "审计链头 date=2030-03-01 seq=1 sha256=" + DIGEST[:-1],  # a short hash
                      "审计链头 seq=1 sha256=" + DIGEST])  # no date
    assert heads_in(text) == [first, second]


@given(st.dates(), st.integers(1, 10**15), st.binary(min_size=32, max_size=32))
def test_a_written_line_reads_back_as_the_same_head(day, seq, raw):
    head = ChainHead(day, seq, raw.hex())
    assert heads_in(f"前文{head.line()}后文") == [head]


def test_what_a_recorded_head_says_of_the_chain():
    head = ChainHead(date(2030, 3, 1), 7, DIGEST)
    assert head_problem(head, DIGEST, 7) is None and head_problem(head, DIGEST, 12) is None
    assert "现只到序号 5" in head_problem(head, None, 5)  # cut short
    assert "序号 7 的记录已不存在" in head_problem(head, None, 12)  # one removed in the middle
    assert "哈希不符" in head_problem(head, "ef" * 32, 7)  # rewritten
