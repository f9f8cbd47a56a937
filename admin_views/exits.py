"""Experts' written requests to leave the library (rules §8(二)), decided by the bureau."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from sqlalchemy import select

from admin_views.base import AwaitingMe, DecisionView, RoleBaseView, choices
from forms.review import FlagDecisionForm
from models import ExitRequest, Expert, db
from models.base import parse_ids
from operations.admission import apply_each
from operations.scope import awaiting_exit
from operations.lifecycle import (absences_of, absent_twice, decide_exit_request, exit_flagged, keep_despite_absences,
                                  overage_non_priority)
from rules.eligibility import age_on, birth_date_for_age
from rules.lifecycle import EXIT_REASONS, EXIT_REQUEST_STATES

BUREAU = frozenset({"bureau"})
DECISIONS = {"approve": "同意出库", "reject": "不同意"}


class ExitRequestView(DecisionView):
    """出库申请: the expert's reason; the bureau grants it (an exit at their own request) or not, saying why."""

    # Permissions
    roles = BUREAU
    details_roles = BUREAU
    page_roles = {"decide_view": BUREAU}

    # View
    column_list = ["expert", "reason", "status", "created_at", "decided_at"]
    column_labels = {"expert": "专家", "reason": "申请理由", "status": "状态", "created_at": "提交时间",
                     "decided_at": "处理时间", "decision_reason": "处理意见", "decided_by": "处理人"}
    column_choices = {"status": choices(EXIT_REQUEST_STATES)}
    column_filters = ["status", AwaitingMe(ExitRequest.id, awaiting_exit)]
    column_default_sort = ("created_at", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-check-square", ".decide_view", title="处理")]

    # The decision (DecisionView.decide_view)
    decisions, states, open_status = DECISIONS, EXIT_REQUEST_STATES, "pending"
    template, row_name = "admin/exit_request.html", "exit_request"

    def decide(self, exit_request, decision, reason):
        decide_exit_request(exit_request, current_user, decision == "approve", reason)

    def decided_message(self, exit_request):
        return f"{exit_request.expert.name} 的出库申请：{EXIT_REQUEST_STATES[exit_request.status]}。"


class ExitFlagsView(RoleBaseView):
    """出库处理: the experts the daily job flags — over 65 without a priority condition (§8(一)), absent
    twice without reason after accepting (§8(四)) — with the evidence; kept out of draws until decided."""

    roles = BUREAU
    page_roles = {"index": BUREAU, "exit_view": BUREAU, "keep_view": BUREAU}

    @expose("/")
    def index(self):
        return self._page(FlagDecisionForm(formdata=None))

    def _page(self, form, status: int = 200):
        today = date.today()
        over_age = db.session.scalars(select(Expert).where(Expert.id.in_(overage_non_priority(today)))
                                      .order_by(Expert.name)).all()
        counts = dict(absent_twice())
        absent = db.session.scalars(select(Expert).where(Expert.id.in_(list(counts))).order_by(Expert.name)).all()
        return self.render("admin/exit_flags.html", over_age=over_age, absent=absent,
                           absences=absences_of(counts), today=today, form=form,
                           birth=lambda e: birth_date_for_age(e.birth_date, e.birth_month), age_on=age_on), status

    def _decide(self, apply_one, said):
        form = FlagDecisionForm()
        chosen = parse_ids(form.expert_ids.data) if form.validate_on_submit() else None
        if not chosen:
            flash("请勾选要处理的专家，并填写处理意见。" if not form.errors else
                  "；".join(m for messages in form.errors.values() for m in messages), "error")
            return self._page(form, 400)
        experts = db.session.scalars(select(Expert).where(Expert.id.in_(chosen))).all()
        errors = apply_each(experts, lambda e: apply_one(e, form.note.data))
        db.session.commit()
        if len(errors) < len(experts):
            flash(said(len(experts) - len(errors)), "success")
        for message in errors:
            flash(message, "error")
        return redirect(url_for(".index"))

    @expose("/exit/", methods=("POST",))
    def exit_view(self):
        """Exit the ticked experts with the reason of their list (§8) and the bureau's note."""
        flag = request.form.get("flag", "")
        label = EXIT_REASONS.get(flag, ("",))[0]
        return self._decide(lambda e, note: exit_flagged(e, flag, note, current_user),
                            lambda n: f"已出库 {n} 人（{label}），其尚未开始的受聘已取消并启用备选专家。")

    @expose("/keep/", methods=("POST",))
    def keep_view(self):
        """Keep the ticked experts despite their absences (found excused): the absences no longer count."""
        return self._decide(lambda e, note: keep_despite_absences(e, note, current_user),
                            lambda n: f"已记录核实意见，{n} 人不予出库，其缺席记录不再计入。")
