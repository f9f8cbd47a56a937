"""A snapshot's name, its manifest, and what refuses a restore (rules/backup.py), without an app."""
from datetime import datetime, timezone

import pytest

from rules.backup import (FORMAT, AuditHead, build_manifest, file_problems, head_problem, is_snapshot_name,
                          key_problem, kind_problem, manifest_digest_line, manifest_digest_problem,
                          manifest_problems, needs_upgrade, schema_problem, snapshot_name, snapshots_to_remove,
                          target_problem)

DIGEST = "ab" * 32


def test_a_snapshot_is_named_by_the_beijing_time_it_was_taken():
    assert snapshot_name(datetime(2026, 11, 30, 17, 5, 9)) == "expertlib-20261201-010509"  # naive: UTC
    assert snapshot_name(datetime(2026, 11, 30, 17, 5, 9, tzinfo=timezone.utc)) == "expertlib-20261201-010509"
    assert is_snapshot_name("expertlib-20261201-010509")
    for other in ("expertlib-20261201", ".expertlib-20261201-010509.partial", "expertlib-20261201-010509-x",
                  "notes", "expertlib-2026121-010509"):
        assert not is_snapshot_name(other)


def test_keep_removes_all_but_the_newest_snapshots_and_nothing_else():
    names = ["expertlib-20261128-010000", "expertlib-20261130-010000", "expertlib-20261129-010000",
             "expertlib-20261127-235959", "README", ".expertlib-20261201-010000.partial", "expertlib-old"]
    assert snapshots_to_remove(names, 2) == ["expertlib-20261127-235959", "expertlib-20261128-010000"]
    assert snapshots_to_remove(names, 4) == []
    assert snapshots_to_remove(names, 1) == ["expertlib-20261127-235959", "expertlib-20261128-010000",
                                             "expertlib-20261129-010000"]
    with pytest.raises(ValueError):
        snapshots_to_remove(names, 0)


def manifest(**changes) -> dict:
    values = build_manifest(taken_at_utc=datetime(2026, 11, 30, 12, 0), database="sqlite", schema_revision="0014",
                            row_counts={"expert": 3, "audit_entry": 9}, audit_head=AuditHead(9, DIGEST),
                            key_id="1a2b3c4d", files={"database.sqlite3": DIGEST, "uploads/a.pdf": "cd" * 32},
                            missing_uploads=[])
    values.update(changes)
    return values


def test_the_manifest_says_when_what_and_under_which_key_but_never_the_key():
    m = manifest()
    assert m["format"] == FORMAT and m["taken_at_utc"] == "2026-11-30T12:00:00Z"
    assert m["taken_at_beijing"] == "2026-11-30 20:00:00"
    assert m["audit_head"] == {"seq": 9, "sha256": DIGEST} and m["data_key_fingerprint"] == "1a2b3c4d"
    assert list(m["row_counts"]) == ["audit_entry", "expert"]
    assert manifest_problems(m) == []
    assert "格式" in manifest_problems(manifest(format="other 1"))[0]
    assert "缺少字段：audit_head" in manifest_problems({k: v for k, v in m.items() if k != "audit_head"})[0]
    assert "没有列出数据库文件 database.sqlite3" in manifest_problems(manifest(files={"uploads/a.pdf": DIGEST}))[0]
    assert "未知" in manifest_problems(manifest(database="mysql"))[0]


def test_the_manifest_digest_is_checked_first():
    line = manifest_digest_line(DIGEST)
    assert line == f"{DIGEST}  manifest.json\n"  # sha256sum -c reads it
    assert manifest_digest_problem(line, DIGEST) is None
    assert "manifest.json 已损坏或被改动" in manifest_digest_problem(line, "cd" * 32)
    assert "缺少 manifest.json.sha256" in manifest_digest_problem(None, DIGEST)
    assert manifest_digest_problem("", DIGEST) is not None


def test_every_listed_file_is_there_unchanged_and_nothing_else():
    listed = {"database.sqlite3": DIGEST, "uploads/a.pdf": "cd" * 32}
    found = {**listed, "manifest.json": "ee" * 32, "manifest.json.sha256": "ff" * 32}
    assert file_problems(listed, found) == []
    assert file_problems(listed, {**found, "database.sqlite3": "00" * 32}) == [
        f"文件 database.sqlite3 已损坏或被改动（SHA-256 应为 {DIGEST}，实为 {'00' * 32}）"]
    assert file_problems(listed, {k: v for k, v in found.items() if k != "uploads/a.pdf"}) == ["缺少文件 uploads/a.pdf"]
    assert file_problems(listed, {**found, "uploads/b.pdf": DIGEST}) == [
        "备份清单中没有的文件 uploads/b.pdf（备份目录被改动）"]


def test_the_snapshot_opens_only_under_the_key_it_was_taken_with():
    assert key_problem("1a2b3c4d", "1a2b3c4d", []) is None
    assert key_problem("1a2b3c4d", "99999999", ["1a2b3c4d"]) is None  # still readable (DATA_KEY_PREVIOUS)
    problem = key_problem("1a2b3c4d", "99999999", [])
    assert "1a2b3c4d" in problem and "99999999" in problem and "DATA_KEY" in problem
    # Taken mid-rotation: values still sealed under the old key need it too.
    assert key_problem("1a2b3c4d", "1a2b3c4d", ["0000aaaa"], ["0000aaaa", "1a2b3c4d"]) is None
    problem = key_problem("1a2b3c4d", "1a2b3c4d", [], ["0000aaaa", "1a2b3c4d"])
    assert "0000aaaa" in problem and "DATA_KEY_PREVIOUS" in problem


def test_a_schema_newer_than_the_code_is_refused_an_older_one_upgraded():
    known = ["0001", "0002", "0003"]
    assert schema_problem("0003", known) is None and not needs_upgrade("0003", known)
    assert schema_problem("0002", known) is None and needs_upgrade("0002", known)
    assert "结构版本 0004 比当前代码新（当前代码最新为 0003）" in schema_problem("0004", known)
    assert "alembic_version" in schema_problem(None, known)


def test_same_kind_of_database_and_an_empty_target_unless_forced():
    assert kind_problem("sqlite", "sqlite") is None and kind_problem("postgresql", "postgresql") is None
    assert "备份来自 SQLite，目标是 PostgreSQL" in kind_problem("sqlite", "postgresql")
    assert target_problem([], 0, force=False) is None
    assert target_problem(["expert"], 2, force=True) is None
    problem = target_problem(["a", "b", "c", "d", "e", "f"], 2, force=False)
    assert "6 张表有数据（a、b、c、d、e等）" in problem and "2 个文件" in problem and "--force" in problem
    assert "上传目录中有 1 个文件" in target_problem([], 1, force=False)


def test_the_restored_head_must_be_the_manifests():
    assert head_problem({"seq": 9, "sha256": DIGEST}, AuditHead(9, DIGEST)) is None
    assert head_problem(None, None) is None
    assert "不一致" in head_problem({"seq": 9, "sha256": DIGEST}, AuditHead(8, DIGEST))
    assert "不一致" in head_problem({"seq": 9, "sha256": DIGEST}, None)
