"""Command-line tools registered on the app: `flask --app app …`."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from models import db


def _schema_present() -> None:
    """A check run on a database never migrated (or not yet restored) says so, not a stack trace."""
    from sqlalchemy import inspect

    if not inspect(db.engine).has_table("alembic_version"):
        click.echo("数据库尚未建立：请先运行 flask --app app db upgrade（或 flask --app app restore 备份目录）", err=True)
        sys.exit(1)


def register_commands(app: Flask) -> None:
    seed = AppGroup("seed", help="参考数据与演示数据")
    audit_cli = AppGroup("audit", help="审计日志")

    @seed.command("reference")
    def seed_reference():
        """Load the reference lists (idempotent)."""
        from seed.reference import load_reference

        counts = load_reference()
        db.session.commit()
        click.echo("参考数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))

    @seed.command("demo")
    def seed_demo():
        """Reference lists, demo organizations, the seven demo accounts and ~200 experts (idempotent)."""
        from seed.demo import load_demo
        from seed.reference import load_reference

        load_reference()
        summary = load_demo()
        db.session.commit()
        click.echo(summary)

    @seed.command("scale")
    @click.option("--experts", type=click.IntRange(1, 2_000_000), required=True, help="要生成的专家人数")
    def seed_scale(experts):
        """Benchmark-scale library: experts at every status, accounts, history, draws (adds to what is there)."""
        import time

        from sqlalchemy import text

        from operations import audit
        from seed.reference import load_reference
        from seed.scale import load_scale

        started = time.perf_counter()
        load_reference()
        added = load_scale(experts)
        audit.record("seed_scale", None, username="cli", added=added)
        db.session.commit()
        # Planner statistics (and PostgreSQL's visibility map, for index-only scans) for the bulk load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))
        click.echo("规模数据：" + "，".join(f"新增{k} {v}" for k, v in added.items())
                   + f"，用时 {time.perf_counter() - started:.1f} 秒")

    @seed.command("first-start")
    def seed_first_start():
        """Reference lists always; demo data only into a database with no accounts yet."""
        from sqlalchemy import func, select

        from models import User
        from seed.demo import load_demo
        from seed.reference import load_reference

        load_reference()
        if db.session.scalar(select(func.count(User.id))) == 0:
            click.echo(load_demo())
        db.session.commit()

    @audit_cli.command("verify")
    @click.option("--against", "against", type=click.Path(exists=True, dir_okay=False),
                  help="每日任务的日志或保存的链头邮件：检查其中记录的每个链头仍在链上（发现被删除的最后几条记录）")
    def audit_verify(against):
        """Check the audit log's hash chain; with --against FILE, also that the chain still reaches every
        head the daily job recorded in FILE. Exit status 1 if either fails."""
        from pathlib import Path

        _schema_present()
        from operations.audit import check_heads, heads_in_file, verify_chain

        count, problems = verify_chain()
        for p in problems:
            click.echo(f"序号 {p.seq}：{p.message}")
        failed = bool(problems)
        if problems:
            click.echo(f"审计日志校验失败：共 {count} 条，发现 {len(problems)} 处问题")
        else:
            click.echo(f"审计日志校验通过：共 {count} 条，哈希链完整")
        if against:
            heads = heads_in_file(Path(against).read_bytes())
            missing = check_heads(heads)
            for message in missing:
                click.echo(f"链头不符：{message}")
            if not heads:
                click.echo(f"链头核对失败：{against} 中没有找到链头记录（每日任务写下的“审计链头 date=… seq=… sha256=…”）")
            elif missing:
                click.echo(f"链头核对失败：{against} 中记录的 {len(heads)} 个链头有 {len(missing)} 个已不在审计日志中，"
                           "审计日志被截短或改写")
            else:
                latest = max(heads, key=lambda h: h.seq)
                click.echo(f"链头核对通过：{against} 中记录的 {len(heads)} 个链头都在链上"
                           f"（最近：{latest.day.isoformat()} 序号 {latest.seq}）")
            failed = failed or not heads or bool(missing)
        sys.exit(1 if failed else 0)

    keys_cli = AppGroup("keys", help="数据密钥（证件号码、银行账号加密）")

    @keys_cli.command("rotate")
    def keys_rotate():
        """Seal everything under a new key (or, with DATA_KEY set anew, under it); one transaction."""
        import os
        from pathlib import Path

        from models.encrypted import DataKey, use_key
        from operations.data_key import reseal_all

        instance = Path(app.instance_path)
        from_env = bool(os.environ.get("DATA_KEY"))
        if from_env:
            # The operator set DATA_KEY to the new key and DATA_KEY_PREVIOUS to the old one.
            counts = reseal_all()
            db.session.commit()
        else:
            # The new key is written beside the old first: if this stops half-way, both stay readable.
            new = DataKey.generate()
            pending = instance / "data_key.new"
            pending.write_text(new)
            pending.chmod(0o600)
            old = DataKey.from_text(app.config["DATA_KEY"])
            use_key(DataKey.from_text(new), old, *(DataKey.from_text(k) for k in app.config["DATA_KEY_PREVIOUS"]))
            counts = reseal_all()
            db.session.commit()
            os.replace(pending, instance / "data_key")
        summary = "，".join(f"{k} {v} 条" for k, v in counts.items())
        click.echo(f"已用新密钥重新加密：{summary}")
        if from_env:
            click.echo("现可从环境中去掉 DATA_KEY_PREVIOUS。")

    @keys_cli.command("generate")
    def keys_generate():
        """Print a new random data key (base64), for DATA_KEY."""
        from models.encrypted import DataKey

        click.echo(DataKey.generate())

    app.cli.add_command(keys_cli)

    @app.cli.command("lifecycle")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="按指定日期运行（演练或补跑用），默认今天")
    def lifecycle(today):
        """The daily job: publicity, invitation deadlines, the activity clock, flags, emails. Idempotent."""
        from datetime import date, datetime, time

        from models import utcnow
        from models.base import done_writing, will_write
        from operations import audit
        from operations.admission import end_publicity
        from operations.invitations import expire_invitations, remind_deadlines
        from operations.lifecycle import absent_twice, overage_non_priority, run_activity_clock
        from operations.notify import send_pending
        from sqlalchemy import text

        day = today.date() if today else date.today()
        will_write()  # on SQLite, waits its turn behind the web's writers rather than failing
        admitted, waiting = end_publicity(day)
        now = datetime.combine(day, time(0, 0)) if today else utcnow()
        expired = expire_invitations(now)
        reminded = remind_deadlines(now)
        clock = run_activity_clock(day, now)
        if admitted or expired or reminded or any(clock.values()):
            audit.record("lifecycle", username="system", day=day.isoformat(), admitted=admitted,
                         invitations_expired=expired, reminders=reminded, **clock)
        db.session.commit()  # the day's changes in one transaction, before any mail goes out
        # The chain's head, now, outside the database: to the supervisors by e-mail and into this log
        # (`audit verify --against` finds the last entries removed).
        head = audit.record_chain_head(day)
        db.session.commit()
        done_writing()  # no lock held while mail is sent
        if db.engine.dialect.name == "sqlite":
            # Keeps the planner's statistics current (PostgreSQL's autovacuum does this itself):
            # without them SQLite filters 100,000 experts by status instead of by discipline.
            db.session.execute(text("PRAGMA optimize"))
        sent, failed = send_pending()
        click.echo(f"{day:%Y-%m-%d} 每日任务：公示期满入库 {admitted} 人；公示期满但有未处理异议 {waiting} 人"
                   f"（待市科技局处理）；邀请超时 {expired} 个（已顺延邀请备选专家）；答复期限提醒 {reminded} 个")
        click.echo(f"活跃度：新进入休眠 {clock['dormant']} 人；超过两年未登录自动出库 {clock['exit']} 人；"
                   f"发出休眠/出库提醒 {clock['warned']} 人")
        click.echo(f"待市科技局处理（处理前不参与抽取）：超过65周岁的非优先入库专家 {len(overage_non_priority(day))} 人；"
                   f"接受邀请后无故缺席2次的专家 {len(absent_twice())} 人")
        click.echo(f"邮件：发送 {sent} 封，发送失败待重试 {failed} 封")
        click.echo(head.line() if head else "审计链头：审计日志为空")

    draws_cli = AppGroup("draws", help="专家抽取")

    @draws_cli.command("verify")
    @click.argument("record_id", required=False, type=int)
    @click.option("--all", "all_", is_flag=True, help="复核全部抽取记录")
    def draws_verify(record_id, all_):
        """Replay stored draws from their inputs and check each against the audit log, both ways (§17):
        exit status 1 on any mismatch, a record the log does not know, or a logged draw whose record is gone."""
        from sqlalchemy import select

        _schema_present()
        from models import DrawRecord
        from operations import audit
        from operations.draws import unrecorded_draws, verify

        if not all_ and record_id is None:
            raise click.UsageError("请给出抽取记录编号，或使用 --all")
        query = select(DrawRecord).order_by(DrawRecord.id)
        if not all_:
            query = query.where(DrawRecord.id == record_id)
        verdicts = [verify(r) for r in db.session.scalars(query)]
        missing = unrecorded_draws() if all_ else []
        if not verdicts and not missing:
            click.echo("没有找到抽取记录")
            sys.exit(1 if record_id is not None else 0)
        for v in verdicts:
            click.echo(f"抽取记录 #{v.record_id}：{'一致' if v.ok else '不一致'} — {v.message}")
        for problem in missing:
            click.echo(f"不一致 — {problem}")
        bad = [v for v in verdicts if not v.ok]
        audit.record("draws_verify", username="system", checked=len(verdicts), mismatches=[v.record_id for v in bad],
                     missing_records=len(missing))
        db.session.commit()
        click.echo(f"共复核 {len(verdicts)} 条，不一致 {len(bad)} 条；审计日志记载而记录已不存在的抽取 {len(missing)} 次")
        sys.exit(1 if bad or missing else 0)

    notify_cli = AppGroup("notify", help="通知")

    @notify_cli.command("send")
    def notify_send():
        """Send the queued messages that are due (retries with back-off)."""
        from operations.notify import send_pending

        sent, failed = send_pending()
        click.echo(f"发送 {sent} 封，失败待重试 {failed} 封")

    export_cli = AppGroup("export", help="导出")

    @export_cli.command("leadership")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件")
    @click.option("--year", type=int, default=None, help="统计年度，默认今年")
    @click.option("--district", default=None, help="区县代码（如 keqiao）或 outside")
    def export_leadership(out, year, district):
        """The leadership statistics workbook."""
        from datetime import date
        from types import SimpleNamespace

        from operations.exports import leadership_workbook

        year = year or date.today().year
        scope = f"年度：{year}；地域：{district or '全部'}"
        who = SimpleNamespace(name="系统（命令行导出）", username="cli", id=None)
        payload, rows = leadership_workbook(who, year, district, scope)
        with open(out, "wb") as fh:
            fh.write(payload)
        db.session.commit()
        click.echo(f"已导出 {out}（{scope}，在库专家 {rows} 人）")

    import_cli = AppGroup("import", help="批量导入（工作单位、专家）")

    @import_cli.command("template")
    @click.argument("kind", type=click.Choice(["experts", "units"]))
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件")
    def import_template_command(kind, out):
        """Write the import template of KIND (experts or units)."""
        from operations.imports import template_workbook

        content, name = template_workbook(kind)
        with open(out, "wb") as fh:
            fh.write(content)
        click.echo(f"已写出{name[:-5]}：{out}")

    def _import(kind, path, do_commit, status, admitted_on):
        """Dry run (or commit) FILE; print every row's outcome; exit status 1 when any row has an error."""
        from pathlib import Path

        from models.base import will_write
        from operations.imports import commit, dry_run
        from rules import InvalidInput
        from rules.imports import OUTCOMES

        data = Path(path).read_bytes()
        try:
            with click.progressbar(length=0, label="读取", file=sys.stderr) as bar:
                if do_commit:
                    will_write()
                    report = commit(data, kind, None, filename=Path(path).name, status=status,
                                    admitted_on=admitted_on.date() if admitted_on else None, progress=bar)
                else:
                    report = dry_run(data, kind, progress=bar)
        except InvalidInput as e:
            db.session.rollback()
            click.echo(f"无法导入：{e}", err=True)
            sys.exit(2)
        for row in report.rows:
            if row.outcome == "error":
                for issue in row.issues:
                    click.echo(f"第{issue.row}行\t{issue.column or '—'}\t{issue.message}")
            elif row.outcome == "update":
                click.echo(f"第{row.row}行\t{OUTCOMES['update']}\t{row.name}：" + "、".join(row.changed))
        if do_commit:
            db.session.commit()
        click.echo(report.summary() + ("" if do_commit else "（预检，未保存；加 --commit 导入有效的行）"))
        sys.exit(1 if report.counts["error"] else 0)

    @import_cli.command("experts")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--commit", "do_commit", is_flag=True, help="导入有效的行（默认只预检，不保存）")
    @click.option("--status", type=click.Choice(["admitted", "pending_bureau"]), default="admitted",
                  show_default=True, help="新增专家的状态：admitted 已入库，pending_bureau 待市科技局审核")
    @click.option("--admitted-on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="已入库专家的入库日期（行内未填“入库日期”时），默认今天")
    def import_experts(path, do_commit, status, admitted_on):
        """Import experts from PATH (the experts template); a dry run unless --commit."""
        _import("experts", path, do_commit, status, admitted_on)

    @import_cli.command("units")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--commit", "do_commit", is_flag=True, help="导入有效的行（默认只预检，不保存）")
    def import_units(path, do_commit):
        """Import work units from PATH (the units template); a dry run unless --commit."""
        _import("units", path, do_commit, "admitted", None)

    app.cli.add_command(import_cli)

    @app.cli.command("backup")
    @click.option("--out", "out", required=True, type=click.Path(file_okay=False, writable=True),
                  help="备份目录：每次备份在其下新建 expertlib-YYYYMMDD-HHMMSS（北京时间）")
    @click.option("--keep", type=click.IntRange(1), default=None, help="只保留最新的 N 份备份，删除更早的")
    def backup(out, keep):
        """One consistent snapshot while the app serves: the database by its own tools, the uploads, and a
        manifest (time, schema revision, rows per table, audit chain head, every file's SHA-256, the data
        key's fingerprint — never the key). Exit status 1 if it failed or an upload was missing."""
        from pathlib import Path

        from operations.backup import BackupError, take_backup

        try:
            taken = take_backup(Path(out), keep)
        except BackupError as error:
            click.echo(f"备份失败：{error}")
            sys.exit(1)
        manifest = taken.manifest
        head = manifest["audit_head"]
        uploads = sum(1 for path in manifest["files"] if path.startswith("uploads/"))
        click.echo(f"备份完成：{taken.path}（{manifest['database']}，结构版本 {manifest['schema_revision']}，"
                   f"{sum(manifest['row_counts'].values())} 行，上传文件 {uploads} 个，"
                   f"密钥指纹 {manifest['data_key_fingerprint']}，用时 {taken.seconds:.1f} 秒）")
        click.echo(f"审计链头：序号 {head['seq']} sha256={head['sha256']}" if head else "审计链头：审计日志为空")
        for name in taken.removed:
            click.echo(f"已删除旧备份：{name}")
        for name in manifest["missing_uploads"]:
            click.echo(f"警告：上传文件 {name} 有记录但不在上传目录中，未能备份")
        for name in manifest["damaged_uploads"]:
            click.echo(f"警告：上传文件 {name} 的内容与上传时记录的 SHA-256 不符（被改动或损坏），未备份")
        sys.exit(1 if manifest["missing_uploads"] or manifest["damaged_uploads"] else 0)

    @app.cli.command("restore")
    @click.argument("snapshot", type=click.Path(file_okay=False))
    @click.option("--force", is_flag=True, help="目标数据库或上传目录已有数据时仍覆盖")
    def restore(snapshot, force):
        """Restore a snapshot into this app's database and upload directory. Every digest, the data key,
        the schema revision and the target are checked first: on any problem nothing is written (exit 1)."""
        from pathlib import Path

        from operations.backup import BackupError, RestoreRefused, restore as restore_snapshot

        try:
            restored = restore_snapshot(Path(snapshot), force=force)
        except RestoreRefused as error:
            click.echo(f"拒绝恢复，未写入任何数据：{snapshot}")
            for line in str(error).splitlines():
                click.echo(f"  {line}")
            sys.exit(1)
        except BackupError as error:
            click.echo(f"恢复失败：{error}")
            sys.exit(1)
        manifest = restored.manifest
        click.echo(f"已恢复 {snapshot}（{manifest['taken_at_beijing']} 北京时间的备份，"
                   f"结构版本 {manifest['schema_revision']}，用时 {restored.seconds:.1f} 秒）")
        if restored.head_problem:
            click.echo(restored.head_problem)
            sys.exit(1)
        head = restored.head
        click.echo(f"审计链头：序号 {head.seq} sha256={head.sha256}，与备份清单一致" if head
                   else "审计链头：审计日志为空，与备份清单一致")
        for name in manifest.get("missing_uploads", []) + manifest.get("damaged_uploads", []):
            click.echo(f"警告：上传文件 {name} 在备份时已缺失或损坏，不在备份中，未能恢复")
        if restored.needs_upgrade:
            click.echo("备份的数据库结构较旧：请运行 flask --app app db upgrade")
        click.echo("请接着运行 flask --app app audit verify 与 flask --app app draws verify --all")

    app.cli.add_command(export_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(draws_cli)
    app.cli.add_command(seed)
    app.cli.add_command(audit_cli)
