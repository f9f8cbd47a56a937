"""Command-line tools registered on the app: `flask --app app …`."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from models import db


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
    def audit_verify():
        """Check the audit log's hash chain; exit status 1 if it is broken."""
        from operations.audit import verify_chain

        count, problems = verify_chain()
        if problems:
            for p in problems:
                click.echo(f"序号 {p.seq}：{p.message}")
            click.echo(f"审计日志校验失败：共 {count} 条，发现 {len(problems)} 处问题")
            sys.exit(1)
        click.echo(f"审计日志校验通过：共 {count} 条，哈希链完整")

    @app.cli.command("lifecycle")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="按指定日期运行（演练或补跑用），默认今天")
    def lifecycle(today):
        """The daily job: end publicity periods (admit those without objection). Idempotent."""
        from datetime import date

        from operations import audit
        from operations.admission import end_publicity

        day = today.date() if today else date.today()
        admitted, waiting = end_publicity(day)
        if admitted:
            audit.record("lifecycle", username="system", day=day.isoformat(), admitted=admitted)
        db.session.commit()
        click.echo(f"{day:%Y-%m-%d} 每日任务：公示期满入库 {admitted} 人；"
                   f"公示期满但有未处理异议 {waiting} 人（待市科技局处理）")

    app.cli.add_command(seed)
    app.cli.add_command(audit_cli)
