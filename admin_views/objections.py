"""公示异议 (rules §6): every objection lodged on /publicity, decided by the bureau — upheld (the expert
back to review, the objection attached) or dismissed with a reason. Only the bureau reads the objector's
contact."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user

from admin_views.base import AwaitingMe, RoleView, apply_form, choices
from forms.review import DecisionForm
from models import Objection
from operations.admission import decide_objection
from operations.scope import awaiting_objection
from rules.publicity import OBJECTION_DECISIONS, OBJECTION_STATES

BUREAU = frozenset({"bureau"})


class ObjectionView(RoleView):
    # Permissions
    roles = BUREAU
    details_roles = BUREAU
    page_roles = {"decide_view": BUREAU}

    # View
    column_list = ["expert", "text", "name", "status", "created_at", "decided_at"]
    column_details_list = ["expert", "text", "name", "contact", "ip", "status", "decision_reason", "decided_by",
                           "created_at", "decided_at"]
    column_labels = {"expert": "被异议专家", "text": "异议内容", "name": "异议人", "contact": "联系方式",
                     "ip": "提交地址", "status": "状态", "decision_reason": "处理意见", "decided_by": "处理人",
                     "created_at": "提出时间", "decided_at": "处理时间"}
    column_choices = {"status": choices(OBJECTION_STATES)}
    column_filters = ["status", AwaitingMe(Objection.id, awaiting_objection)]
    column_default_sort = ("created_at", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-check-square", ".decide_view", title="处理")]

    @expose("/decide/", methods=("GET", "POST"))
    def decide_view(self):
        objection = self.get_one(request.args.get("id"))
        open_ = objection.status == "open"
        form = DecisionForm().with_choices(list(OBJECTION_DECISIONS) if open_ else [], OBJECTION_DECISIONS)
        done, error = apply_form(form, lambda: decide_objection(
            objection, current_user, form.decision.data, form.reason.data or ""))
        if done:
            expert = objection.expert
            flash(f"对 {expert.name} 的公示异议：{OBJECTION_STATES[objection.status]}"
                  + ("，该专家已退回市科技局重新审核。" if objection.status == "upheld"
                     else "；公示期满且无其他待处理异议后，该专家即入库。"), "success")
            return redirect(url_for(".decide_view", id=objection.id))
        return self.render("admin/objection.html", objection=objection, choices=OBJECTION_DECISIONS if open_ else {},
                           states=OBJECTION_STATES, error=error, form_values=request.form), 400 if error else 200
