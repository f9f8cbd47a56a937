"""Backup and restore (issue 19), on SQLite and PostgreSQL: the demo with a draw and uploads, backed up and
restored into a fresh database and upload directory, comes back row for row and byte for byte, and both
verifications pass; a damaged snapshot, a missing file, the wrong data key and a newer schema are refused
with nothing written; a backup taken while a writer keeps saving is consistent; yesterday's backup takes
today's migrations."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, make_url, select, text
from werkzeug.datastructures import FileStorage

from app import create_app
from models import db
from models.encrypted import DataKey, use_key
from tests.factories import PDF, PNG


@contextmanager
def fresh_target(source, tmp_path: Path, **config):
    """A second app on an empty database (a new SQLite file / a new PostgreSQL database) and upload directory,
    configured as the source is unless `config` says otherwise."""
    name = f"restore_{uuid.uuid4().hex[:8]}"
    url = source.config["SQLALCHEMY_DATABASE_URI"]
    postgres = url.startswith("postgresql")
    if postgres:
        with source.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    else:
        target_url = f"sqlite:///{tmp_path / name}.db"
    target = create_app({"SQLALCHEMY_DATABASE_URI": target_url, "SECRET_KEY": source.config["SECRET_KEY"],
                         "TESTING": True, "UPLOAD_DIR": str(tmp_path / f"{name}-uploads"),
                         "DATA_KEY": source.config["DATA_KEY"], **config})
    try:
        yield target
    finally:
        with target.app_context():
            db.engine.dispose()
        # create_app set the process's data key: the source's again.
        use_key(DataKey.from_text(source.config["DATA_KEY"]),
                *(DataKey.from_text(k) for k in source.config["DATA_KEY_PREVIOUS"]))
        if postgres:
            with source.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def run(application, *args):
    result = application.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def table_rows(application) -> dict[str, list[tuple]]:
    """Every table's rows as data, in primary-key order."""
    rows = {}
    with application.app_context(), db.engine.connect() as conn:
        inspector = inspect(conn)
        for table in sorted(inspector.get_table_names()):
            key = inspector.get_pk_constraint(table)["constrained_columns"] or \
                [inspector.get_columns(table)[0]["name"]]
            order = ", ".join(f'"{c}"' for c in key)
            rows[table] = [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))]
    return rows


def is_empty(application) -> bool:
    """No table holds a row and no file is in the upload directory."""
    uploads = Path(application.config["UPLOAD_DIR"])
    files = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    return not files and not any(table_rows(application).values())


def add_uploads(application) -> list[str]:
    from operations.files import store_upload

    with application.app_context():
        rows = [store_upload(FileStorage(io.BytesIO(content + uuid.uuid4().bytes), filename=name), None)
                for content, name in ((PDF, "职称证书.pdf"), (PNG, "盖章表.png"))]
        db.session.commit()
        return [r.stored_name for r in rows]


def snapshot_of(output_dir: Path) -> Path:
    [folder] = [p for p in output_dir.iterdir() if p.name.startswith("expertlib-")]
    return folder


def test_backup_and_restore_bring_back_every_row_and_file(demo_app, tmp_path):
    stored = add_uploads(demo_app)
    with demo_app.app_context():
        assert db.session.scalar(text("SELECT COUNT(*) FROM draw_record")) > 0  # the demo's draws
    status, output = run(demo_app, "backup", "--out", str(tmp_path / "backups"))
    assert status == 0, output
    folder = snapshot_of(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    source_rows = table_rows(demo_app)
    assert manifest["row_counts"] == {t: len(r) for t, r in source_rows.items()}
    assert manifest["data_key_fingerprint"] == DataKey.from_text(demo_app.config["DATA_KEY"]).key_id
    assert manifest["sealed_with"] == [manifest["data_key_fingerprint"]]  # the demo's identity numbers
    assert demo_app.config["DATA_KEY"] not in (folder / "manifest.json").read_text()
    assert {f"uploads/{name}" for name in stored} <= set(manifest["files"])

    # Refusals, each on its own copy of the snapshot, into an empty target that stays empty.
    damaged = {}
    for case in ("flipped", "removed", "newer"):
        damaged[case] = tmp_path / case / folder.name
        shutil.copytree(folder, damaged[case])
    database = damaged["flipped"] / ("database.pgdump" if manifest["database"] == "postgresql" else "database.sqlite3")
    raw = bytearray(database.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    database.write_bytes(bytes(raw))
    (damaged["removed"] / "uploads" / stored[0]).unlink()
    payload = json.dumps(dict(manifest, schema_revision="9999")).encode()
    (damaged["newer"] / "manifest.json").write_bytes(payload)
    (damaged["newer"] / "manifest.json.sha256").write_text(f"{hashlib.sha256(payload).hexdigest()}  manifest.json\n")
    expected = {"flipped": f"文件 {database.name} 已损坏", "removed": f"缺少文件 uploads/{stored[0]}",
                "newer": "结构版本 9999 比当前代码新"}
    with fresh_target(demo_app, tmp_path) as target:
        for case, message in expected.items():
            status, output = run(target, "restore", str(damaged[case]))
            assert status == 1 and message in output and "未写入任何数据" in output, (case, output)
            assert is_empty(target), case
    wrong_key = DataKey.generate()
    with fresh_target(demo_app, tmp_path, DATA_KEY=wrong_key) as target:
        status, output = run(target, "restore", str(folder))
        assert status == 1 and "数据密钥不符" in output and manifest["data_key_fingerprint"] in output, output
        assert DataKey.from_text(wrong_key).key_id in output
        assert is_empty(target)

    with fresh_target(demo_app, tmp_path) as target:
        status, output = run(target, "restore", str(folder))
        assert status == 0, output
        head = manifest["audit_head"]
        assert f"序号 {head['seq']} sha256={head['sha256']}，与备份清单一致" in output
        assert table_rows(target) == source_rows
        with target.app_context(), db.engine.connect() as conn:  # the schema whole: indexes, constraints
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
            if conn.dialect.name == "postgresql":  # and the append-only triggers
                assert set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars()) \
                    == {"audit_entry_append_only", "draw_record_final"}
        for name in stored:
            assert (Path(target.config["UPLOAD_DIR"]) / name).read_bytes() == \
                (Path(demo_app.config["UPLOAD_DIR"]) / name).read_bytes()
        status, output = run(target, "audit", "verify")
        assert status == 0, output
        status, output = run(target, "draws", "verify", "--all")
        assert status == 0 and "不一致 0 条" in output, output
        # A target holding data is overwritten only with --force.
        status, output = run(target, "restore", str(folder))
        assert status == 1 and "目标不是空的" in output and "--force" in output, output
        # A dump that passes its digests but breaks off (the manifest rewritten to match) fails with the target
        # as it was: the database is written in one transaction.
        cut = tmp_path / "cut" / folder.name
        shutil.copytree(folder, cut)
        dump = cut / database.name
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
        payload = json.dumps(dict(manifest, files={**manifest["files"], dump.name: hashlib.sha256(
            dump.read_bytes()).hexdigest()})).encode()
        (cut / "manifest.json").write_bytes(payload)
        (cut / "manifest.json.sha256").write_text(f"{hashlib.sha256(payload).hexdigest()}  manifest.json\n")
        before = table_rows(target)  # the restore and what `draws verify` logged since
        status, output = run(target, "restore", str(cut), "--force")
        assert status == 1 and "恢复失败" in output, output
        assert table_rows(target) == before
        status, output = run(target, "restore", str(folder), "--force")
        assert status == 0, output


def test_a_backup_taken_while_a_writer_keeps_saving_is_consistent(demo_app, tmp_path):
    from models import Expert
    from models.base import will_write
    from operations.profile import save_profile, snapshot

    with demo_app.app_context():
        expert_id = db.session.scalar(select(Expert.id).where(Expert.status == "draft").limit(1))
    stop, saved, errors = threading.Event(), [], []
    writer = SimpleNamespace(id=None, username="writer", role="expert")

    def keep_saving():
        with demo_app.app_context():
            try:
                while not stop.is_set():
                    will_write()
                    expert = db.session.get(Expert, expert_id)
                    values = snapshot(expert)
                    values["research_keywords"] = f"纺织；第{len(saved)}次保存"
                    save_profile(expert, values, writer)
                    db.session.commit()
                    saved.append(1)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))

    thread = threading.Thread(target=keep_saving)
    thread.start()
    try:
        while len(saved) < 3 and not errors:
            stop.wait(0.05)
        status, output = run(demo_app, "backup", "--out", str(tmp_path / "backups"))
        before = len(saved)
    finally:
        while len(saved) < before + 3 and not errors and thread.is_alive():
            stop.wait(0.05)  # the writer kept going after the snapshot
        stop.set()
        thread.join(timeout=60)
    assert status == 0 and errors == [], (output, errors)
    folder = snapshot_of(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    with fresh_target(demo_app, tmp_path) as target:
        status, output = run(target, "restore", str(folder))
        assert status == 0 and "与备份清单一致" in output, output
        assert {t: len(r) for t, r in table_rows(target).items()} == manifest["row_counts"]
        status, output = run(target, "audit", "verify")
        assert status == 0, output
    with demo_app.app_context():
        assert db.session.scalar(text("SELECT MAX(seq) FROM audit_entry")) > manifest["audit_head"]["seq"]


def test_yesterdays_backup_takes_todays_migrations(app, tmp_path):
    from flask_migrate import upgrade

    from operations import audit

    with fresh_target(app, tmp_path) as yesterday:
        with yesterday.app_context():
            upgrade(revision="0013")
            audit.record("before_upgrade", username="cli", note="昨天的记录")
            db.session.execute(text("INSERT INTO reference_item (kind, code, name, sort_order) "
                                    "VALUES ('education', 'yesterday', '昨天的选项', 99)"))
            db.session.commit()
        backups = tmp_path / "backups"
        for old in ("expertlib-20200101-010000", "expertlib-20200102-010000", "notes"):
            (backups / old).mkdir(parents=True)
        status, output = run(yesterday, "backup", "--out", str(backups), "--keep", "2")
        assert status == 0 and "已删除旧备份：expertlib-20200101-010000" in output, output
        kept = sorted(p.name for p in backups.iterdir())
        assert kept[0] == "expertlib-20200102-010000" and kept[2] == "notes" and len(kept) == 3, kept
        folder = backups / kept[1]
        with fresh_target(app, tmp_path) as today:
            status, output = run(today, "restore", str(folder))
            assert status == 0 and "db upgrade" in output, output
            with today.app_context():
                upgrade()
                assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "0014"
                assert db.session.scalar(text("SELECT name FROM reference_item WHERE code = 'yesterday'")) == "昨天的选项"
                db.session.remove()
            status, output = run(today, "audit", "verify")
            assert status == 0, output


def test_uploads_missing_or_changed_on_disk_are_named_and_left_out(clean_app, tmp_path):
    gone, changed = add_uploads(clean_app)
    uploads = Path(clean_app.config["UPLOAD_DIR"])
    (uploads / gone).unlink()
    (uploads / changed).write_bytes(b"%PDF-1.4 altered")
    status, output = run(clean_app, "backup", "--out", str(tmp_path / "backups"))
    assert status == 1, output
    assert f"上传文件 {gone} 有记录但不在上传目录中" in output and f"上传文件 {changed} 的内容与上传时记录的" in output
    manifest = json.loads((snapshot_of(tmp_path / "backups") / "manifest.json").read_text())
    assert manifest["missing_uploads"] == [gone] and manifest["damaged_uploads"] == [changed]
    assert not any(path.startswith("uploads/") for path in manifest["files"])
