"""The supervisor reads the audit log in words: every action and object type has its Chinese label, and
an entry's detail is a list of 'field: value' lines (issue 17)."""
from __future__ import annotations

import ast
import json
from pathlib import Path

from sqlalchemy import select

from admin_views.audit_labels import PREFIXED, action_label, detail_lines, object_label
from models import AuditEntry, db
from tests.conftest import staff

ROOT = Path(__file__).resolve().parents[1]


def _recorded_actions() -> tuple[set[str], set[str]]:
    """The action codes written by audit.record in the source: literal ones, and the literal prefixes of
    composed ones ("expert_" + action)."""
    literal, prefixes = set(), set()
    for path in ROOT.glob("**/*.py"):
        if {".venv", "tests", "migrations"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record"
                    and getattr(node.func.value, "id", "") == "audit" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant):
                literal.add(first.value)
            elif isinstance(first, ast.BinOp) and isinstance(first.left, ast.Constant):
                prefixes.add(first.left.value)
            elif isinstance(first, ast.IfExp):
                literal |= {first.body.value, first.orelse.value}
    return literal, prefixes


def test_every_action_the_code_records_has_a_chinese_label():
    literal, prefixes = _recorded_actions()
    assert len(literal) > 40 and len(prefixes) >= 8
    assert [code for code in sorted(literal) if action_label(code) == code] == []
    assert prefixes <= {prefix for prefix, _said, _steps in PREFIXED}


def test_every_action_and_object_in_the_demo_log_reads_in_chinese(demo_app):
    with demo_app.app_context():
        rows = db.session.execute(select(AuditEntry.action, AuditEntry.object_type)).all()
    assert [a for a, _o in rows if action_label(a) == a] == []
    assert [o for _a, o in rows if o and object_label(o) == o] == []


def test_a_change_reads_as_old_to_new_in_the_objects_own_labels():
    detail = json.dumps({"changes": {"status": {"old": "pending_unit", "new": "pending_dept"},
                                     "name": {"old": "张三", "new": "张三丰"}, "email": "（已修改）"},
                         "reason": "材料齐全", "ok": True})
    lines = detail_lines(detail, "Expert", {"name": "姓名"})
    assert lines == [("状态", "待单位审核 → 待归口部门审核"), ("姓名", "张三 → 张三丰"), ("电子邮箱", "（已修改）"),
                     ("理由", "材料齐全"), ("校验通过", "是")]


def test_the_supervisors_log_shows_labels_not_codes(demo_app):
    supervisor = staff(demo_app, "supervisor")
    page = supervisor.get("/admin/audit/").get_data(as_text=True)
    assert "登录" in page and "载入演示数据" in page
    for code in ("login", "seed_demo", "DrawRequest", "request_release"):
        assert f">{code}<" not in page.replace(" ", "").replace("\n", "")
    with demo_app.app_context():
        entry_id = db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "seed_demo"))
    details = supervisor.get(f"/admin/audit/details/?id={entry_id}").get_data(as_text=True)
    assert "专家" in details and '{"' not in details
