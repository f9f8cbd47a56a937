"""Taking a consistent snapshot of the library while it serves, and restoring one into an empty target.

The database is copied by its own tools: SQLite's online backup API (one step, under one read lock);
PostgreSQL's `pg_dump -Fc` on a snapshot exported from a REPEATABLE READ transaction, in which the
row counts, the schema revision, the audit chain's head and the list of uploads are read too. Uploads
are written before their row commits and never changed, so the files the snapshot's rows name are all
there to copy; each copy is checked against its row's digest. The rules (names, manifest, what refuses
a restore) are in rules/backup.py.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from models import db, utcnow
from models.encrypted import PREFIX, DataKey
from rules import backup as rules
from rules.backup import AuditHead

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_CHUNK = 1 << 20


class BackupError(Exception):
    """str(e) is a Chinese message for the operator."""


class RestoreRefused(BackupError):
    """A restore's checks failed: nothing was written. str(e): every problem, one a line."""


@dataclass
class Facts:
    """What a snapshot holds, read inside the snapshot itself."""

    revision: str | None
    row_counts: dict[str, int]
    head: AuditHead | None
    uploads: list[tuple[str, str]]  # (stored_name, sha256) of every uploaded_file row
    sealed_with: list[str]  # the fingerprints of the keys that sealed its encrypted values


@dataclass
class Taken:
    path: Path
    manifest: dict
    seconds: float
    removed: list[str] = field(default_factory=list)


@dataclass
class Restored:
    manifest: dict
    head: AuditHead | None
    head_problem: str | None
    needs_upgrade: bool
    seconds: float


# Helpers ------------------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_bin(name: str) -> str:
    """A PostgreSQL client program: the newest in the distribution's versioned folders, then PATH."""
    def version(path: str) -> tuple:
        return tuple(int(p) for p in re.findall(r"\d+", path.split("/")[-3]))

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    program = found[-1] if found else shutil.which(name)
    if not program:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具（与服务器同一大版本或更新，Debian 包 postgresql-client）")
    return program


def _libpq(url) -> tuple[str, dict]:
    """A libpq URL for pg_dump/pg_restore, and the environment carrying the password (not on the command line,
    where `ps` shows it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")


def _tables(conn) -> list[str]:
    """The database's own tables (those of its revision, which may be older than the models)."""
    if conn.dialect.name == "postgresql":
        query = ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                 "AND table_type = 'BASE TABLE' ORDER BY table_name")
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    return [name for name, in conn.execute(text(query))]


def _facts(conn) -> Facts:
    tables = _tables(conn)
    counts = {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
        if "alembic_version" in tables else None
    head = None
    if "audit_entry" in tables:
        last = conn.execute(text("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")).first()
        head = AuditHead(last[0], last[1]) if last else None
    uploads = [(name, digest) for name, digest in conn.execute(
        text("SELECT stored_name, sha256 FROM uploaded_file ORDER BY id"))] if "uploaded_file" in tables else []
    return Facts(revision, counts, head, uploads, _sealed_with(conn, tables))


def _sealed_with(conn, tables: list[str]) -> list[str]:
    """The key ids in the sealed columns ("enc1:<key id>:…") that the database's revision has."""
    from sqlalchemy import inspect

    from operations.data_key import SEALED

    inspector, found = inspect(conn), set()
    for table, column, _hash_column in SEALED:
        if table in tables and column in {c["name"] for c in inspector.get_columns(table)}:
            found |= set(conn.execute(text(f"SELECT DISTINCT substr({column}, 6, 8) FROM {table} "
                                           f"WHERE {column} LIKE '{PREFIX}:%'")).scalars())
    return sorted(found)


def known_revisions() -> list[str]:
    """Every schema revision this code's migrations know, oldest first."""
    from alembic.script import ScriptDirectory

    return [s.revision for s in reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]


def _key_ids() -> tuple[str, list[str]]:
    """The fingerprints of the configured data key and of the keys still readable."""
    config = current_app.config
    return (DataKey.from_text(config["DATA_KEY"]).key_id,
            [DataKey.from_text(k).key_id for k in config["DATA_KEY_PREVIOUS"]])


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _sqlite_path() -> Path:
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise BackupError("SQLite 数据库在内存中，没有可备份或恢复的文件")
    return Path(path)


# Backup -----------------------------------------------------------------------------------------------------

def take_backup(out: Path, keep: int | None = None) -> Taken:
    """Write one snapshot folder under `out` (complete, or not at all), then apply --keep."""
    started = time.perf_counter()
    taken_at = utcnow()
    out.mkdir(parents=True, exist_ok=True)
    name = rules.snapshot_name(taken_at)
    final = out / name
    if final.exists():
        raise BackupError(f"{final} 已存在（同一秒内的第二次备份）：请稍后再试")
    partial = out / f".{name}.partial"  # never taken for a snapshot by --keep or a restore
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)  # personal data: the app's user only
    try:
        kind = db.engine.dialect.name
        database = partial / rules.DATABASE_FILES[kind]
        if kind == "sqlite":
            facts, tool = _sqlite_snapshot(database), f"sqlite3 {sqlite3.sqlite_version} online backup"
        else:
            facts, tool = _postgresql_snapshot(database)
        files = {database.name: sha256_of(database)}
        left_out = _copy_uploads(facts.uploads, partial / rules.UPLOADS, files)
        manifest = rules.build_manifest(
            taken_at_utc=taken_at, database=kind, schema_revision=facts.revision, row_counts=facts.row_counts,
            audit_head=facts.head, key_id=_key_ids()[0], sealed_with=facts.sealed_with, files=files,
            missing_uploads=left_out["missing"], damaged_uploads=left_out["damaged"], tool=tool)
        raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        (partial / rules.MANIFEST).write_bytes(raw)
        (partial / rules.MANIFEST_DIGEST).write_text(rules.manifest_digest_line(hashlib.sha256(raw).hexdigest()))
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    removed = []
    if keep:
        removed = rules.snapshots_to_remove([p.name for p in out.iterdir() if p.is_dir()], keep)
        for old in removed:
            shutil.rmtree(out / old)
    return Taken(final, manifest, time.perf_counter() - started, removed)


def _sqlite_snapshot(target: Path) -> Facts:
    """The online backup API in one step (pages=-1): one read lock, so one moment; then read the copy."""
    path = _sqlite_path()
    if not path.is_file():
        raise BackupError(f"数据库文件 {path} 不存在（DATABASE_URL 是否正确？）")
    source = sqlite3.connect(path, timeout=current_app.config.get("DATABASE_LOCK_TIMEOUT", 20))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=-1)
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return _facts(conn)
    finally:
        engine.dispose()


def _postgresql_snapshot(target: Path) -> tuple[Facts, str]:
    """pg_dump on the snapshot of a REPEATABLE READ transaction that reads the facts at the same moment."""
    pg_dump = _pg_bin("pg_dump")
    url, env = _libpq(db.engine.url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _facts(conn)
            # The transaction stays open while pg_dump reads: its exported snapshot lives only that long.
            _run([pg_dump, "--format=custom", "--no-owner", "--schema=public", f"--snapshot={snapshot}",
                  f"--file={target}", f"--dbname={url}"], env)
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True).stdout.strip()
    return facts, version


def _copy_uploads(uploads: list[tuple[str, str]], folder: Path, files: dict[str, str]) -> dict[str, list[str]]:
    """Copy each file the snapshot's rows name, checked against its row's digest. Returns those left out:
    missing from UPLOAD_DIR, or whose content no longer matches the digest recorded when it was uploaded."""
    folder.mkdir()
    source, left_out = _upload_dir(), {"missing": [], "damaged": []}
    for stored_name, expected in uploads:
        origin = source / stored_name
        if not origin.is_file():
            left_out["missing"].append(stored_name)
            continue
        copy = folder / stored_name
        shutil.copyfile(origin, copy)
        actual = sha256_of(copy)
        if actual != expected:
            copy.unlink()
            left_out["damaged"].append(stored_name)
            continue
        files[f"{rules.UPLOADS}/{stored_name}"] = actual
    return left_out


# Restore ----------------------------------------------------------------------------------------------------

def check_snapshot(folder: Path, force: bool = False) -> tuple[dict | None, list[str]]:
    """Everything a restore checks before it writes: (the manifest, every problem found)."""
    if not folder.is_dir():
        return None, [f"{folder} 不是目录"]
    manifest_path = folder / rules.MANIFEST
    if not manifest_path.is_file():
        return None, [f"缺少备份清单 {rules.MANIFEST}"]
    raw = manifest_path.read_bytes()
    digest_path = folder / rules.MANIFEST_DIGEST
    problem = rules.manifest_digest_problem(digest_path.read_text() if digest_path.is_file() else None,
                                            hashlib.sha256(raw).hexdigest())
    if problem:
        return None, [problem]
    try:
        manifest = json.loads(raw)
    except ValueError as error:
        return None, [f"{rules.MANIFEST} 无法读取：{error}"]
    problems = rules.manifest_problems(manifest)
    if problems:
        return None, problems
    found = {p.relative_to(folder).as_posix(): sha256_of(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    problems = rules.file_problems(manifest["files"], found)
    current, previous = _key_ids()
    problems += [p for p in (
        rules.key_problem(manifest["data_key_fingerprint"], current, previous, manifest.get("sealed_with", [])),
        rules.schema_problem(manifest["schema_revision"], known_revisions()),
        rules.kind_problem(manifest["database"], db.engine.dialect.name),
    ) if p]
    if not problems:
        problem = rules.target_problem(*_target_contents(), force=force)
        if problem:
            problems.append(problem)
    return manifest, problems


def _target_contents() -> tuple[list[str], int]:
    """The target's tables holding rows (the migration's own bookkeeping aside), and files in UPLOAD_DIR."""
    if db.engine.dialect.name == "sqlite" and not _sqlite_path().exists():
        tables = []
    else:
        with db.engine.connect() as conn:
            tables = [t for t in _tables(conn) if t != "alembic_version"
                      and conn.execute(text(f'SELECT 1 FROM "{t}" LIMIT 1')).first() is not None]
    uploads = _upload_dir()
    files = sum(1 for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else 0
    return tables, files


def restore(folder: Path, force: bool = False) -> Restored:
    """Check the snapshot and the target, then write the database and the uploads; raises BackupError with
    every problem before anything is written."""
    started = time.perf_counter()
    manifest, problems = check_snapshot(folder, force)
    if problems:
        raise RestoreRefused("\n".join(problems))
    database = folder / rules.DATABASE_FILES[manifest["database"]]
    programs = _restore_programs() if manifest["database"] == "postgresql" else None
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps the old database open
    try:
        if programs:
            _pg_restore(database, *programs)
        else:
            _sqlite_restore(database)
    except (OSError, sqlite3.Error, DBAPIError) as error:
        raise BackupError(f"写入数据库失败，目标未改动：{error}") from error
    db.engine.dispose()
    try:
        _restore_uploads(folder / rules.UPLOADS, manifest["files"])
    except OSError as error:
        raise BackupError(f"数据库已恢复，但复制上传文件失败（{error}）：修正后用 --force 重新恢复") from error
    with db.engine.connect() as conn:
        facts = _facts(conn)
    return Restored(manifest, facts.head, rules.head_problem(manifest["audit_head"], facts.head),
                    rules.needs_upgrade(manifest["schema_revision"], known_revisions()),
                    time.perf_counter() - started)


def _restore_programs() -> tuple[str, str]:
    try:
        return _pg_bin("pg_restore"), _pg_bin("psql")
    except BackupError as error:
        raise RestoreRefused(str(error)) from None


def _sqlite_restore(database: Path) -> None:
    """The backup API again, from the snapshot's file into the target's: the target is replaced whole."""
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    source, dest = sqlite3.connect(database), sqlite3.connect(target, timeout=60)
    try:
        source.backup(dest, pages=-1)
    finally:
        dest.close()
        source.close()


def _pg_restore(database: Path, pg_restore: str, psql: str) -> None:
    """One transaction: the target's public schema dropped (the dump holds it whole, its CREATE SCHEMA too)
    and the dump replayed by psql, committed only once pg_restore has read the whole dump. On any error the
    transaction is never committed and the target stays as it was."""
    import tempfile

    url, env = _libpq(db.engine.url)
    with tempfile.TemporaryFile() as dump_errors, tempfile.TemporaryFile() as replay_errors:
        replay = subprocess.Popen([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={url}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=replay_errors, env=env)
        dump = subprocess.Popen([pg_restore, "--no-owner", "--no-privileges", "--file=-", str(database)],
                                stdout=subprocess.PIPE, stderr=dump_errors, env=env)
        try:
            replay.stdin.write(b"BEGIN;\nDROP SCHEMA IF EXISTS public CASCADE;\n")
            for chunk in iter(lambda: dump.stdout.read(_CHUNK), b""):
                replay.stdin.write(chunk)
            dumped = dump.wait() == 0
            if dumped:
                replay.stdin.write(b"\nCOMMIT;\n")
            replay.stdin.close()  # without COMMIT, the session ends and the server rolls back
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): rolled back
            dump.kill()
            dump.wait()
            dumped = False
        replay.wait()
        dump_errors.seek(0)
        replay_errors.seek(0)
        if replay.returncode != 0:
            raise BackupError(f"psql 恢复失败（退出码 {replay.returncode}），已回滚："
                              f"{replay_errors.read().decode('utf-8', 'replace').strip()[-2000:]}")
        if not dumped:
            raise BackupError(f"pg_restore 失败（退出码 {dump.returncode}），已回滚："
                              f"{dump_errors.read().decode('utf-8', 'replace').strip()[-2000:]}")


def _restore_uploads(source: Path, listed: dict[str, str]) -> None:
    target = _upload_dir()
    target.mkdir(parents=True, exist_ok=True)
    prefix = rules.UPLOADS + "/"
    for path in listed:
        if not path.startswith(prefix):
            continue
        name = path[len(prefix):]
        destination = target / name
        partial = destination.with_name(destination.name + ".part")
        shutil.copyfile(source / name, partial)
        os.replace(partial, destination)  # never a half-written file under the final name
