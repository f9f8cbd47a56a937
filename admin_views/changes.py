"""Change requests of admitted experts, reviewed by unit, department and bureau."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user

from admin_views.base import AwaitingMe, RoleView, apply_form, choices
from forms.review import DecisionForm
from models import ChangeRequest
from operations.admission import stand_ins
from operations.changes import choices_for, decide
from operations.profile import change_rows
from operations.scope import awaiting_change, change_scope
from rules.changes import CHANGE_ACTIONS, CHANGE_STATES, PROPOSERS
from rules.record import FILE_KINDS

REVIEWERS = frozenset({"bureau", "unit", "dept"})


class ChangeRequestView(RoleView):
    """变更申请: old and new values side by side; approval applies them."""

    # Permissions
    roles = REVIEWERS
    details_roles = REVIEWERS
    page_roles = {"review_view": REVIEWERS}
    row_scope = staticmethod(change_scope)

    # View
    column_list = ["expert", "organization", "proposed_by", "status", "created_at"]
    column_labels = {"expert": "专家", "organization": "审核单位", "status": "状态", "created_at": "提交时间",
                     "reason": "审核意见", "decided_at": "办结时间", "changes": "变更内容", "proposed_by": "提出人",
                     "proposal_reason": "变更理由"}
    column_details_list = ["expert", "organization", "proposed_by", "proposal_reason", "status", "reason",
                           "created_at", "decided_at"]
    column_choices = {"status": choices(CHANGE_STATES)}
    column_filters = ["status", AwaitingMe(ChangeRequest.id, awaiting_change)]
    column_default_sort = ("created_at", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-check-square", ".review_view", title="审核")]

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self):
        """Old and new values side by side, and the reviewer's decision."""
        change = self.get_one(request.args.get("id"))
        form = DecisionForm().with_choices(choices_for(change, current_user), CHANGE_ACTIONS)
        done, error = apply_form(form, lambda: decide(change, form.decision.data, current_user, form.reason.data or ""))
        if done:
            flash(f"已处理变更申请：{CHANGE_STATES[change.status]}", "success")
            return redirect(url_for(".review_view", id=change.id))
        return self.render("admin/change_review.html", change=change, expert=change.expert, rows=change_rows(change),
                           choices=[c for c, _ in form.decision.choices], actions=CHANGE_ACTIONS,
                           states=CHANGE_STATES, error=error, form_values=request.form,
                           stand_ins=stand_ins(change.organization), proposers=PROPOSERS, file_kinds=FILE_KINDS)
