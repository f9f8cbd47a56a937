"""The expert view's own pages: the review of one application, the 专家信息表, invitation and exit."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import FormOpts
from flask_login import current_user
from sqlalchemy import select

from admin_views.base import apply_form, in_one_transaction
from forms.accounts import RegisterForm
from forms.review import DecisionForm, ExitForm
from models import ExpertFile, Objection, db
from operations import admission, audit
from operations.accounts import register_expert
from operations.experts import eligibility_of
from operations.profile import DATES, REFERENCES, SCALARS, propose_change
from rules.admission import ACTIONS, ROUTES, STATUSES, may_propose_change
from rules.lifecycle import EXIT_REASONS
from rules.publicity import OBJECTION_STATES
from rules.record import FILE_KINDS
from web.downloads import send_download


def panel_values(form) -> dict:
    """The panel form's values as a change request keeps them (operations.profile.snapshot's keys)."""
    values = {field: form[field].data for field in SCALARS if field in form}
    values["priority_categories"] = ",".join(form.priority_categories.data or [])
    values.update({field: form[field].data.isoformat() if form[field].data else None for field in DATES})
    for key in REFERENCES:
        row = form[key.removesuffix("_id")].data
        values[key] = row.id if row else None
    values["secondary_discipline_ids"] = sorted(d.id for d in form.secondary_disciplines.data or [])
    return values


class ExpertPages:
    """Mixed into ExpertView: its get_one scopes every page to the user's experts."""

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self):
        """One application: the record, eligibility, objections, timeline, and the reviewer's decision."""
        expert = self.get_one(request.args.get("id"))
        form = DecisionForm().with_choices(admission.review_choices(expert, current_user), ACTIONS)
        done, error = apply_form(form, lambda: admission.decide(
            expert, form.decision.data, current_user, reason=form.reason.data or "", override=form.override.data or ""))
        if done:
            flash(f"{expert.name}：已{ACTIONS[form.decision.data]}，{admission.where_it_waits(expert)}。", "success")
            return redirect(url_for(".review_view", id=expert.id))
        objections = db.session.scalars(select(Objection).where(Objection.expert_id == expert.id)
                                        .order_by(Objection.created_at)).all()
        if request.method == "GET":
            audit.record("view_expert", expert, page="review")
            db.session.commit()
        return self.render("admin/expert_review.html", expert=expert, choices=[c for c, _ in form.decision.choices],
                           actions=ACTIONS, error=error, form_values=request.form,
                           report=eligibility_of(expert), events=admission.timeline(expert),
                           objections=objections, objection_states=OBJECTION_STATES, stand_ins=admission.stand_ins(expert.organization),
                           routes=ROUTES, statuses=STATUSES, proof_kinds=FILE_KINDS,
                           proofs=db.session.scalars(select(ExpertFile).where(ExpertFile.expert_id == expert.id)).all())

    @expose("/change/", methods=("GET", "POST"))
    def change_view(self):
        """A record in the library changes by a recorded change (§7): a unit's or department's goes to the
        bureau; the bureau's own correction takes effect at once. The same form, and why."""
        expert = self.get_one(request.args.get("id"))
        if not may_propose_change(expert.status, current_user.role):
            abort(403)
        form = self.change_form(expert)
        if request.method == "POST" and self.validate_form(form):
            done, error = in_one_transaction(lambda: propose_change(
                expert, panel_values(form), current_user, form.change_reason.data or ""))
            if done:
                flash("已更正并记录为信息变更（原值、新值和理由可在“信息变更”中查看）。" if current_user.role == "bureau" else
                      "已提交信息变更，待市科技局审核；生效前原信息继续有效。", "success")
                return redirect(url_for(".review_view", id=expert.id))
            flash(error, "error")
        if request.method == "GET":
            audit.record("view_expert", expert, page="change")
            db.session.commit()
        return self.change_page(expert, form)

    def change_page(self, expert, form):
        return self.render("admin/expert_change.html", model=expert, form=form,
                           form_opts=FormOpts(widget_args=self.form_widget_args, form_rules=self.change_rules()),
                           return_url=url_for(".review_view", id=expert.id))

    @expose("/form.xlsx")
    def form_xlsx_view(self):
        """The 专家信息表 of an expert in scope, for the unit to print and stamp."""
        from operations.exports import expert_form_export

        content, filename = expert_form_export(self.get_one(request.args.get("id")), current_user)
        db.session.commit()
        return send_download(content, filename)

    @expose("/invite/", methods=("GET", "POST"))
    def invite_view(self):
        """邀请入库: create the expert's account; they complete the form; the bureau confirms."""
        form = RegisterForm()
        if form.validate_on_submit():
            expert = register_expert(username=form.username.data, name=form.name.data, password=form.password.data,
                                     mobile=form.mobile.data, email=form.email.data, invited_by=current_user)
            db.session.commit()
            flash(f"已邀请 {expert.name} 入库：请将用户名“{form.username.data}”和初始密码告知本人，"
                  "由其登录填写专家信息表后提交，再由市科技局确认入库。", "success")
            return redirect(url_for(".review_view", id=expert.id))
        return self.render("admin/expert_invite.html", form=form)

    @expose("/exit/", methods=("GET", "POST"))
    def exit_view(self):
        """出库: the bureau records a reason of rules §8 with its evidence."""
        from operations.files import store_upload
        from operations.lifecycle import exit_expert

        expert = self.get_one(request.args.get("id"))
        form = ExitForm()

        def apply():
            storage = form.evidence_file.data
            file_id = store_upload(storage, current_user).id if storage and storage.filename else None
            exit_expert(expert, form.reason.data or "", current_user, evidence=form.evidence.data or "",
                        file_id=file_id)

        done, error = apply_form(form, apply)
        if done:
            flash(f"{expert.name} 已出库。", "success")
            return redirect(url_for(".review_view", id=expert.id))
        if error:
            flash(error, "error")
        return self.render("admin/expert_exit.html", expert=expert, reasons=EXIT_REASONS, form_values=request.form)
