"""Change requests of admitted experts, reviewed by unit, department and bureau."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from sqlalchemy import false, select, true

from admin_views.base import RoleView, user_role
from models import ChangeRequest, Expert, Organization, db
from operations.changes import decide
from operations.profile import change_rows
from rules import InvalidInput
from rules.changes import CHANGE_ACTIONS, CHANGE_STATES, CHANGE_TRANSITIONS
from web.filters import local_dt
from web.inputs import parse_id


def change_scope(user):
    role = getattr(user, "role", None)
    if role == "bureau":
        return true()
    if role == "unit":
        return ChangeRequest.organization_id == user.organization_id
    if role == "dept":
        return ChangeRequest.organization_id.in_(
            select(Organization.id).where(Organization.department_id == user.department_id))
    return false()


class ChangeRequestView(RoleView):
    """变更申请: old and new values side by side; approval applies them."""

    # Permissions
    roles = frozenset({"bureau", "unit", "dept"})
    details_roles = frozenset({"bureau", "unit", "dept"})

    # View
    column_list = ["expert", "organization", "status", "created_at"]
    column_labels = {"expert": "专家", "organization": "审核单位", "status": "状态", "created_at": "提交时间",
                     "reason": "意见", "decided_at": "办结时间", "changes": "变更内容"}
    column_formatters = {"status": lambda v, c, m, n: CHANGE_STATES.get(m.status, m.status),
                         "created_at": lambda v, c, m, n: local_dt(m.created_at)}
    column_filters = ["status"]
    column_default_sort = ("created_at", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-check-square", ".review_view", title="审核")]

    def get_query(self):
        return super().get_query().where(change_scope(current_user))

    def get_count_query(self):
        return super().get_count_query().where(change_scope(current_user))

    def get_one(self, id):
        key = parse_id(id)
        if key is None:
            abort(404)
        change = db.session.scalar(select(ChangeRequest).where(ChangeRequest.id == key,
                                                               change_scope(current_user)))
        if change is None:
            abort(404)
        return change

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self):
        """Old and new values side by side, and the reviewer's decision."""
        change = self.get_one(request.args.get("id"))
        role = user_role()
        org = change.organization
        as_dept = org is None or org.bureau_is_department
        actors = {"bureau": ["bureau", "dept"] if as_dept else ["bureau"], "dept": [] if as_dept else ["dept"]}.get(role, [role])
        choices = [a for a in CHANGE_ACTIONS if any((change.status, a, x) in CHANGE_TRANSITIONS for x in actors)]
        error = None
        if request.method == "POST":
            try:
                decide(change, request.form.get("decision", ""), current_user, request.form.get("reason", ""))
                db.session.commit()
                flash(f"已处理变更申请：{CHANGE_STATES[change.status]}", "success")
                return redirect(url_for(".review_view", id=change.id))
            except InvalidInput as e:
                db.session.rollback()
                error = str(e)
                change = self.get_one(request.args.get("id"))
        expert = db.session.get(Expert, change.expert_id)
        return self.render("admin/change_review.html", change=change, expert=expert, rows=change_rows(change),
                           choices=choices, actions=CHANGE_ACTIONS, states=CHANGE_STATES, error=error,
                           form_values=request.form)
