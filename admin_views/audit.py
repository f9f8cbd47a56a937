"""The audit log, read-only, for the supervisor."""
from __future__ import annotations

from flask_admin import expose

from flask_babel import format_datetime

from admin_views.base import RoleView
from models import db
from operations import audit


class AuditEntryView(RoleView):
    """Every login, change and export, hash-chained; nobody edits it."""

    # Permissions
    roles = frozenset({"supervisor"})
    details_roles = frozenset({"supervisor"})
    page_roles = {"verify_view": roles}

    # View
    column_list = ["seq", "created_at", "username", "action", "object_type", "object_id", "ip"]
    column_details_list = ["seq", "created_at", "username", "user_id", "action", "object_type",
                           "object_id", "detail", "ip", "prev_hash", "hash"]
    column_labels = {
        "seq": "序号", "created_at": "时间", "username": "用户", "user_id": "用户ID",
        "action": "操作", "object_type": "对象类型", "object_id": "对象ID", "detail": "详情",
        "ip": "IP地址", "prev_hash": "前一条哈希", "hash": "本条哈希",
    }
    column_formatters = {"created_at": lambda v, c, m, n: format_datetime(m.created_at, "long")}  # to the second
    column_formatters_detail = column_formatters
    column_searchable_list = ["username", "action", "object_type", "object_id"]
    column_filters = ["username", "action", "object_type", "created_at"]
    column_default_sort = ("seq", True)
    page_size = 50
    list_template = "admin/audit_list.html"

    @expose("/verify/", methods=("GET", "POST"))
    def verify_view(self):
        """Walk the whole hash chain on request and show where, if anywhere, it breaks."""
        from flask import request

        result = None
        if request.method == "POST":
            count, problems = audit.verify_chain()
            result = {"count": count, "problems": problems}
            audit.record("audit_verify", ok=not problems, checked=count, problems=len(problems))
            db.session.commit()
        return self.render("admin/audit_verify.html", result=result)
