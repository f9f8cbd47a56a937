"""Backups of the library: what a snapshot's manifest says, and whether a snapshot may be restored.

A snapshot is one folder, `expertlib-YYYYMMDD-HHMMSS` (Beijing time), holding the database as its own
tools wrote it (`database.sqlite3` or `database.pgdump`), the uploaded files under `uploads/`, and
`manifest.json`: when, which schema revision, the rows per table, the audit chain's head, the SHA-256
of every file, and the data key's fingerprint (never the key). `manifest.json.sha256` holds the
manifest's own digest in `sha256sum` form. Everything here is checked before a restore writes a byte.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

FORMAT = "expertlib-backup 1"
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.json.sha256"
UPLOADS = "uploads"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_NAME = re.compile(r"^expertlib-(\d{8})-(\d{6})$")
_BEIJING = timezone(timedelta(hours=8))


def snapshot_name(taken_at_utc: datetime) -> str:
    """The folder's name: the time the snapshot was taken, in Beijing time (sorts as it was taken)."""
    return "expertlib-" + _as_utc(taken_at_utc).astimezone(_BEIJING).strftime("%Y%m%d-%H%M%S")


def is_snapshot_name(name: str) -> bool:
    return _NAME.match(name) is not None


def snapshots_to_remove(names: list[str], keep: int) -> list[str]:
    """With `--keep N`: the snapshot folders beyond the newest N (other names are never touched)."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    snapshots = sorted((n for n in names if is_snapshot_name(n)), reverse=True)
    return sorted(snapshots[keep:])


@dataclass(frozen=True)
class AuditHead:
    seq: int
    sha256: str


def build_manifest(*, taken_at_utc: datetime, database: str, schema_revision: str | None,
                   row_counts: dict[str, int], audit_head: AuditHead | None, key_id: str,
                   sealed_with: list[str] = (),
                   files: dict[str, str], missing_uploads: list[str], damaged_uploads: list[str] = (),
                   tool: str = "") -> dict:
    """The manifest as plain JSON values. `files`: {path inside the snapshot: SHA-256}."""
    at = _as_utc(taken_at_utc)
    return {
        "format": FORMAT,
        "taken_at_utc": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "taken_at_beijing": at.astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        "database": database,
        "tool": tool,
        "schema_revision": schema_revision,
        "row_counts": dict(sorted(row_counts.items())),
        "audit_head": {"seq": audit_head.seq, "sha256": audit_head.sha256} if audit_head else None,
        "data_key_fingerprint": key_id,
        # Every key that sealed a value in the snapshot (more than the current one while a rotation is unfinished).
        "sealed_with": sorted(sealed_with),
        "files": dict(sorted(files.items())),
        # Files an uploaded_file row named that were not in UPLOAD_DIR when the snapshot was taken, and those
        # whose content no longer had the digest recorded at upload: left out of the snapshot.
        "missing_uploads": sorted(missing_uploads),
        "damaged_uploads": sorted(damaged_uploads),
    }


def manifest_digest_line(digest: str) -> str:
    """The line of manifest.json.sha256 (`sha256sum -c manifest.json.sha256` checks it too)."""
    return f"{digest}  {MANIFEST}\n"


def manifest_digest_problem(recorded: str | None, actual: str) -> str | None:
    """Whether manifest.json is the one the backup wrote."""
    if recorded is None:
        return f"缺少 {MANIFEST_DIGEST}（备份清单的校验值）"
    expected = recorded.split()[0] if recorded.split() else ""
    if expected != actual:
        return f"{MANIFEST} 已损坏或被改动（SHA-256 应为 {expected}，实为 {actual}）"
    return None


def manifest_problems(manifest: dict) -> list[str]:
    """What makes a manifest unreadable as one of ours (its fields are then not trusted further)."""
    if manifest.get("format") != FORMAT:
        return [f"{MANIFEST} 不是本系统的备份清单（格式 {manifest.get('format')!r}，应为 {FORMAT!r}）"]
    missing = [k for k in ("database", "schema_revision", "row_counts", "audit_head", "data_key_fingerprint",
                           "files") if k not in manifest]
    if missing:
        return [f"{MANIFEST} 缺少字段：{', '.join(missing)}"]
    if manifest["database"] not in DATABASE_FILES:
        return [f"{MANIFEST} 中的数据库类型 {manifest['database']!r} 未知"]
    if DATABASE_FILES[manifest["database"]] not in manifest["files"]:
        return [f"{MANIFEST} 没有列出数据库文件 {DATABASE_FILES[manifest['database']]}"]
    return []


def file_problems(listed: dict[str, str], found: dict[str, str]) -> list[str]:
    """Every listed file present with its digest, and nothing else in the folder (but the manifest).

    `listed`: the manifest's {path: SHA-256}; `found`: the same for every file in the folder."""
    problems = []
    for path, digest in sorted(listed.items()):
        if path not in found:
            problems.append(f"缺少文件 {path}")
        elif found[path] != digest:
            problems.append(f"文件 {path} 已损坏或被改动（SHA-256 应为 {digest}，实为 {found[path]}）")
    for path in sorted(set(found) - set(listed) - {MANIFEST, MANIFEST_DIGEST}):
        problems.append(f"备份清单中没有的文件 {path}（备份目录被改动）")
    return problems


def key_problem(fingerprint: str, current: str, previous: list[str], sealed_with: list[str] = ()) -> str | None:
    """The snapshot's sealed numbers open only with the keys they were sealed under: the key current when it
    was taken (`fingerprint`) and any other that still sealed values then (`sealed_with`, mid-rotation) must
    each be the configured key or one still readable (DATA_KEY_PREVIOUS)."""
    configured = [current, *previous]
    lacking = [k for k in dict.fromkeys([fingerprint, *sealed_with]) if k not in configured]
    if not lacking:
        return None
    return (f"数据密钥不符：备份中的数据用指纹为 {'、'.join(lacking)} 的密钥加密，当前配置的密钥指纹为 {current}"
            + (f"（另可读：{', '.join(previous)}）" if previous else "")
            + "。请把 DATA_KEY 设为备份时使用的密钥（密钥与备份分开保存）"
            + ("，轮换未完成时的旧密钥设为 DATA_KEY_PREVIOUS" if len(lacking) > 1 or lacking[0] != fingerprint else ""))


def schema_problem(revision: str | None, known: list[str]) -> str | None:
    """A revision this code's migrations do not know was written by newer code: refused. `known`: every
    revision of this code, oldest first."""
    if revision is None:
        return "备份中的数据库没有结构版本（alembic_version 为空），不是由本系统迁移建立的数据库"
    if revision not in known:
        return (f"备份的数据库结构版本 {revision} 比当前代码新（当前代码最新为 {known[-1] if known else '无'}）："
                "请用备份时的或更新的程序版本恢复")
    return None


def needs_upgrade(revision: str, known: list[str]) -> bool:
    """An older (known) revision: restore, then `flask --app app db upgrade`."""
    return bool(known) and revision != known[-1]


def kind_problem(snapshot_kind: str, target_kind: str) -> str | None:
    if snapshot_kind != target_kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        return (f"数据库类型不符：备份来自 {names.get(snapshot_kind, snapshot_kind)}，目标是 "
                f"{names.get(target_kind, target_kind)}（只能恢复到同类数据库）")
    return None


def target_problem(tables_with_rows: list[str], upload_files: int, force: bool) -> str | None:
    """A target that already holds data is overwritten only with --force."""
    if force or (not tables_with_rows and not upload_files):
        return None
    held = []
    if tables_with_rows:
        shown = "、".join(tables_with_rows[:5]) + ("等" if len(tables_with_rows) > 5 else "")
        held.append(f"数据库中 {len(tables_with_rows)} 张表有数据（{shown}）")
    if upload_files:
        held.append(f"上传目录中有 {upload_files} 个文件")
    return "目标不是空的：" + "，".join(held) + "。确认要覆盖请加 --force"


def head_problem(manifest_head: dict | None, restored: AuditHead | None) -> str | None:
    """After a restore: the chain's head must be the one the manifest recorded."""
    expected = AuditHead(manifest_head["seq"], manifest_head["sha256"]) if manifest_head else None
    if expected == restored:
        return None
    return f"恢复后的审计链头 {_head_text(restored)} 与备份清单记录的 {_head_text(expected)} 不一致"


def _head_text(head: AuditHead | None) -> str:
    return f"序号 {head.seq} sha256={head.sha256}" if head else "（空）"


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
