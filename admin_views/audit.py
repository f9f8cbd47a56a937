"""The audit log, read-only, for the supervisor."""
from __future__ import annotations

from flask_admin import expose
from flask_babel import format_datetime
from markupsafe import Markup, escape

from admin_views.audit_labels import OBJECTS, action_label, detail_lines, known_actions, object_label
from admin_views.base import RoleView, choices
from models import db
from operations import audit


def _detail(view, context, model, name) -> Markup:
    """The detail as a list of 'field: value' lines (a change as 'old → new'), in the object's own labels."""
    lines = detail_lines(model.detail, model.object_type, view.field_labels().get(model.object_type))
    return Markup("<dl class=\"row mb-0\">" + "".join(
        f"<dt class=\"col-sm-3\">{escape(k)}</dt><dd class=\"col-sm-9\">{escape(v)}</dd>" for k, v in lines)
        + "</dl>")


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
    column_choices = {"action": choices(known_actions()), "object_type": choices(OBJECTS)}
    column_formatters = {
        "created_at": lambda v, c, m, n: format_datetime(m.created_at, "yyyy-MM-dd HH:mm:ss"),  # to the second
        "action": lambda v, c, m, n: action_label(m.action),
        "username": lambda v, c, m, n: "系统" if m.username == "system" else m.username,
        "object_type": lambda v, c, m, n: object_label(m.object_type),
    }
    column_formatters_detail = {**column_formatters, "detail": _detail}
    column_searchable_list = ["username", "action", "object_type", "object_id"]
    column_filters = ["username", "action", "object_type", "created_at"]
    column_default_sort = ("seq", True)
    page_size = 50
    list_template = "admin/audit_list.html"

    def field_labels(self) -> dict[str, dict[str, str]]:
        """Each model's field labels as its own page shows them, for the changes recorded on it."""
        return {view.model.__name__: dict(view.column_labels or {})
                for view in self.admin._views if getattr(view, "model", None) is not None}

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
