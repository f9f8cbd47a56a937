"""The public publicity page (公示), open without login, with objections."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from forms.base import AppForm
from forms.draw_requests import InvitationAnswerForm
from models import Expert, PublicityBatch, db
from operations.admission import lodge_objection
from forms.fields import ParsedField
from rules import InvalidInput
from rules.contact import validate_contact
from rules.eligibility import TITLE_LEVELS

bp = Blueprint("public", __name__)


class ObjectionForm(AppForm):
    expert_id = HiddenField()
    name = StringField("您的姓名", [InputRequired("请填写姓名"), Length(max=50, message="姓名不超过50个字")])
    # Required so the bureau can verify the objection; sealed in the database, shown to the bureau only.
    contact = ParsedField("联系方式（手机、带区号的电话或电子邮箱，仅供市科技局核实，不予公开）",
                          [InputRequired("请填写联系方式")], parse=validate_contact)
    text = TextAreaField("异议内容及事实依据", [InputRequired("请填写异议内容"),
                                          Length(max=2000, message="不超过2000字")])


@bp.route("/publicity", methods=["GET", "POST"])
def publicity():
    """Name, unit, discipline and title of the experts in publicity, with the period's dates."""
    form = ObjectionForm()
    rows = db.session.scalars(
        select(Expert).where(Expert.status == "publicizing")
        .options(joinedload(Expert.organization), joinedload(Expert.primary_discipline),
                 joinedload(Expert.publicity_batch))
        .join(PublicityBatch, Expert.publicity_batch_id == PublicityBatch.id)
        .order_by(PublicityBatch.start_date, Expert.id)
    ).all()
    # The expert objected to is looked up among those listed, never by converting the posted id.
    wanted = (form.expert_id.data or "") if request.method == "POST" else request.args.get("expert", "")
    target = next((e for e in rows if str(e.id) == wanted.strip()), None)
    status = 200
    if request.method == "POST":
        status = 400  # unless the objection is lodged below; the form keeps what was typed
        if target is None:
            flash("请从公示名单中选择要提出异议的专家（该专家不在公示期内或已不存在）。", "error")
        elif not form.validate_on_submit():
            flash("异议未提交，请按提示修改标红的内容。", "error")
        else:
            try:
                lodge_objection(target, form.name.data.strip(), form.contact.data, form.text.data.strip(),
                                ip=request.remote_addr or "")
                db.session.commit()
                flash(f"对“{target.name}”的异议已收到。市科技局将核实处理，并可能通过您留下的联系方式与您联系；"
                      "异议处理完毕前，该专家不会入库。", "success")
                return redirect(url_for("public.publicity"))
            except InvalidInput as e:
                db.session.rollback()
                flash(str(e), "error")
    return render_template("public/publicity.html", experts=rows, form=form, titles=TITLE_LEVELS,
                           target=target), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def answer_invitation(token: str):
    """A signed link from the invitation e-mail or SMS: confirm the answer (no login needed). The decline
    link also offers 申请回避 (§13), as /me/ does."""
    from flask import abort

    from models import Invitation
    from operations.invitations import answer as give_answer
    from operations.notify import read_invitation_token
    from rules.invitations import STATES as INVITATION_STATES
    from web.portal import ANSWERED

    try:
        invitation_id, answer = read_invitation_token(token)
    except ValueError as e:
        return render_template("public/invitation.html", error=str(e)), 400
    inv = db.session.get(Invitation, invitation_id)
    if inv is None or answer not in ("accept", "decline"):
        abort(404)
    form = InvitationAnswerForm()
    given = "recuse" if answer == "decline" and form.answer.data == "recuse" else answer
    status = 200
    if request.method == "POST":
        try:
            if not form.validate_on_submit():
                raise InvalidInput(next(iter(form.errors.values()))[0])
            result = give_answer(inv, given, inv.person.user, reason=form.reason.data or "", via="email_link")
            db.session.commit()
            flash(ANSWERED[result], "success" if result == "accepted" else "info")
        except InvalidInput as e:
            db.session.rollback()
            flash(str(e), "error")
            status = 400
    return render_template("public/invitation.html", inv=inv, answer=answer, given=given, error=None,
                           states=INVITATION_STATES, reason=form.reason.data or ""), status
