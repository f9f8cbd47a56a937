"""公示异议 (rules §6): every objection lodged on /publicity, decided by the bureau — upheld (the expert
back to review, the objection attached) or dismissed with a reason. Only the bureau reads the objector's
contact."""
from __future__ import annotations

from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user

from admin_views.base import AwaitingMe, DecisionView, choices
from models import Objection
from operations.admission import decide_objection
from operations.scope import awaiting_objection
from rules.publicity import OBJECTION_DECISIONS, OBJECTION_STATES

BUREAU = frozenset({"bureau"})


class ObjectionView(DecisionView):
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

    # The decision (DecisionView.decide_view)
    decisions, states, open_status = OBJECTION_DECISIONS, OBJECTION_STATES, "open"
    template, row_name = "admin/objection.html", "objection"

    def decide(self, objection, decision, reason):
        decide_objection(objection, current_user, decision, reason)

    def decided_message(self, objection):
        return (f"对 {objection.expert.name} 的公示异议：{OBJECTION_STATES[objection.status]}"
                + ("，该专家已退回市科技局重新审核。" if objection.status == "upheld"
                   else "；公示期满且无其他待处理异议后，该专家即入库。"))
