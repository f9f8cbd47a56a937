"""The expert's own portal (/me/) and registration (/register)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from forms.base import AppForm
from forms.accounts import RegisterForm
from forms.draw_requests import InvitationAnswerForm
from forms.fields import text_length
from forms.validators import RuleCheck
from forms.profile import ATTACHMENTS, SECTIONS, ProfileForm
from models import (ChangeRequest, ExitRequest, Expert, ExpertAvoidance, ExpertFile, ExpertLeave, Invitation,
                    Organization, db, utcnow)
from models.base import get_by_id, parse_id
from operations import admission
from operations.accounts import register_expert
from operations.files import attach_to_expert, store_upload
from operations.lifecycle import add_leave, remove_leave, request_exit
from operations.profile import add_avoidance, change_rows, remove_avoidance, resolve_organization, save_profile
from rules import InvalidInput
from rules.admission import IN_LIBRARY, STATUSES, may_edit_in_place
from rules.changes import CHANGE_STATES, PROPOSERS
from rules.credit_code import validate_credit_code
from rules.draw_requests import ATTENDANCE
from rules.invitations import SHOWN_TO_EXPERT
from rules.lifecycle import EXIT_REQUEST_STATES, LEAVE_REASON_MAX
from rules.invitations import STATES as INVITATION_STATES
from rules.record import FILE_KINDS
from rules.uploads import MAX_BYTES
from web.downloads import send_download

bp = Blueprint("portal", __name__)

# What the expert is told after answering an invitation.
ANSWERED = {"accepted": "已接受邀请，请按时参加。", "declined": "已答复不能参加。",
            "recused": "已申请回避，本次不参加，已通知下一位备选专家。",
            "conflict": "系统核查发现您与该活动存在回避情形，本次不能受聘，已通知下一位备选专家。"}


class ExitRequestForm(AppForm):
    reason = TextAreaField("申请理由", [InputRequired("请写明申请不再担任专家的原因"), text_length()])


class AvoidanceForm(AppForm):
    kind = SelectField("类别", choices=[("unit", "单位"), ("person", "个人")], validate_choice=False)  # add_avoidance says why
    name = StringField("单位或个人名称", [InputRequired("请填写回避的单位或个人名称"), Length(max=100)])
    credit_code = StringField("统一社会信用代码（单位）", [Optional(), RuleCheck(validate_credit_code)])
    reason = StringField("回避理由", [InputRequired("请写明回避理由"), text_length()])
    until = DateField("有效期至（可不填）", [Optional()])


class LeaveForm(AppForm):
    start = DateField("开始日期", [InputRequired("请填写请假的起止日期")])
    end = DateField("结束日期", [InputRequired("请填写请假的起止日期")])
    reason = StringField("事由", [Length(max=LEAVE_REASON_MAX, message=f"事由不超过{LEAVE_REASON_MAX}字")])


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an expert account and an empty draft application."""
    form = RegisterForm()
    if form.validate_on_submit():
        expert = register_expert(username=form.username.data, name=form.name.data, password=form.password.data,
                                 mobile=form.mobile.data, email=form.email.data)
        db.session.commit()
        login_user(expert.user)
        flash("注册成功，请填写专家信息表。", "success")
        return redirect(url_for("portal.profile"))
    return render_template("portal/register.html", form=form)


def _then_back(apply, said, failed: str = "", form: AppForm | None = None, keep_typed: bool = False):
    """One of the expert's own steps: check its `form` if any, apply it and commit, say `said` (or
    `said(result)`) and go back to /me/. When the form or the rules refuse it, roll back and say why: for a form
    the expert types into, /me/ again at once (400) with the message at that form and what was typed kept;
    for a button, in a message on /me/."""
    try:
        if form is not None and not form.validate_on_submit():
            raise InvalidInput(next(iter(form.errors.values()))[0])
        result = apply()
        db.session.commit()
        message, category = said(result) if callable(said) else (said, "success")
        flash(message, category)
    except InvalidInput as e:
        db.session.rollback()
        flash(f"{failed}{e}", "error")  # at the top too: the form may not be shown any more
        if form is not None or keep_typed:
            refused = {"endpoint": request.endpoint, "id": (request.view_args or {}).get("invitation_id"),
                       "message": f"{failed}{e}", "typed": request.form}
            return _index(refused), 400
    return redirect(url_for("portal.index"))


def _own_expert() -> Expert:
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role != "expert":
        abort(403)
    expert = db.session.scalar(select(Expert).where(Expert.user_id == current_user.id))
    if expert is None:
        abort(404)
    return expert


@bp.route("/me/")
@login_required
def index():
    """Where the application stands, what is missing, and the timeline."""
    return _index()


def _index(refused: dict | None = None) -> str:
    """/me/; `refused`: the form the rules just refused, its message and what was typed into it."""
    expert = _own_expert()
    proofs = db.session.scalars(select(ExpertFile).where(ExpertFile.expert_id == expert.id)).all()
    changes = db.session.scalars(select(ChangeRequest).where(ChangeRequest.expert_id == expert.id)
                                 .order_by(ChangeRequest.created_at.desc())).all()
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.expert_id == expert.id, Invitation.status.in_(SHOWN_TO_EXPERT))
        .order_by(Invitation.id.desc())).all()
    from models import ExpertExit
    from rules.lifecycle import EXIT_REASONS

    leaves = db.session.scalars(select(ExpertLeave).where(ExpertLeave.expert_id == expert.id)
                                .order_by(ExpertLeave.start_date)).all()
    last_exit = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == expert.id)
                                  .order_by(ExpertExit.id.desc()).limit(1))
    rejection = admission.last_reason(expert, "reject") if expert.status == "rejected" else None
    exit_requests = db.session.scalars(select(ExitRequest).where(ExitRequest.expert_id == expert.id)
                                       .order_by(ExitRequest.id.desc())).all()
    return render_template("portal/index.html", expert=expert, missing=admission.missing_for(expert), leaves=leaves,
                           rejection=rejection, exit_requests=exit_requests, avoidances=expert.avoidances, exit_request_states=EXIT_REQUEST_STATES,
                           attendance=ATTENDANCE,
                           last_exit=last_exit, exit_reasons=EXIT_REASONS,
                           invitations=invitations, inv_states=INVITATION_STATES, now=utcnow(),
                           editable=may_edit_in_place(expert.status, "expert"), events=admission.timeline(expert),
                           statuses=STATUSES, upload_kinds=FILE_KINDS, file_kinds=FILE_KINDS, max_mb=MAX_BYTES // 1024 // 1024, proofs=proofs, leave_form=LeaveForm(),
                           changes=[(c, change_rows(c)) for c in changes], change_states=CHANGE_STATES,
                           proposers=PROPOSERS, refused=refused or {})


def _form_values(form: ProfileForm, expert: Expert) -> dict:
    org = resolve_organization(form.organization_name.data, form.new_org_credit_code.data,
                               form.new_org_in_shaoxing.data, current_user)

    ref = parse_id  # a blank choice (Optional lets whitespace through) is no choice
    return {
        "name": form.name.data or expert.name, "id_type": form.id_type.data, "id_number": form.id_number.data or None,
        "birth_month": form.birth_month.data.isoformat() if form.birth_month.data else None,
        "title_level": form.title_level.data, "position": form.position.data or "",
        "education_id": ref(form.education.data), "degree_id": ref(form.degree.data),
        "mobile": form.mobile.data or expert.mobile, "office_phone": form.office_phone.data or "",
        "email": form.email.data or expert.email, "bank_name": form.bank_name.data or "",
        "bank_account": form.bank_account.data or "", "organization_id": org.id if org else None,
        "college_id": ref(form.college.data), "expert_type": form.expert_type.data,
        "basic_condition_declared": form.basic_condition_declared.data,
        "equivalent_level": form.equivalent_level.data, "years_in_field": form.years_in_field.data,
        "primary_discipline_id": ref(form.primary_discipline.data),
        "secondary_discipline_ids": sorted(filter(None, map(parse_id, form.secondary_disciplines.data or []))),
        "priority_categories": ",".join(form.priority_categories.data or []),
        "provincial_library": form.provincial_library.data,
        "research_keywords": form.research_keywords.data or "", "title_name": form.title_name.data or "",
        "title_issued_on": form.title_issued_on.data.isoformat() if form.title_issued_on.data else None,
    }


def _prefill(form: ProfileForm, expert: Expert) -> None:
    form.process(obj=expert)
    form.organization_name.data = expert.organization.name if expert.organization else ""
    form.education.data = str(expert.education_id or "")
    form.degree.data = str(expert.degree_id or "")
    form.college.data = str(expert.college_id or "")
    form.primary_discipline.data = str(expert.primary_discipline_id or "")
    form.secondary_disciplines.data = [str(d.id) for d in expert.secondary_disciplines]
    form.priority_categories.data = sorted(expert.priority_codes)


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Fill the 专家信息表: save as a draft at any time; after admission, propose a change."""
    expert = _own_expert()
    form = ProfileForm()
    form._obj = expert
    form.load_choices()
    if request.method == "GET":
        _prefill(form, expert)
    elif form.validate_on_submit():
        try:
            values = _form_values(form, expert)
        except InvalidInput as e:  # the work unit could not be resolved
            db.session.rollback()
            form.organization_name.errors.append(str(e))
        else:
            try:
                files = {kind: _stored(form, kind, storage) for kind, storage in form.attached().items()}
                change = save_profile(expert, values, current_user, files=files)
                db.session.commit()
                flash("变更申请已提交，经单位、归口管理部门和市科技局审核后生效；生效前原信息继续有效。"
                      if change else "已保存。", "success")
                return redirect(url_for("portal.index"))
            except InvalidInput as e:
                db.session.rollback()
                flash(str(e), "error")
    else:
        flash("请按提示修改标红的内容，其他已填写的内容都保留在表中。", "error")
    organizations = db.session.scalars(select(Organization.name).order_by(Organization.name)).all()
    in_library = expert.status in IN_LIBRARY
    return render_template("portal/profile.html", form=form, sections=SECTIONS + [ATTACHMENTS] * in_library,
                           expert=expert, multipart=in_library,
                           organizations=organizations,
                           read_only=not may_edit_in_place(expert.status, "expert") and expert.status not in IN_LIBRARY)


def _stored(form: ProfileForm, kind: str, storage):
    """A file sent with a change request, stored; a refused one is named at its field."""
    try:
        return store_upload(storage, current_user)
    except InvalidInput as e:
        form[f"attach_{kind}"].errors = [str(e)]
        raise


@bp.route("/me/upload/<kind>", methods=["POST"])
@login_required
def upload(kind: str):
    """Attach or replace a file; only while the application can still be edited."""
    expert = _own_expert()
    if kind not in FILE_KINDS:
        abort(404)
    return _then_back(lambda: attach_to_expert(expert, kind, request.files.get("file"), current_user),
                      lambda row: (f"已上传{FILE_KINDS[kind]}：{row.original_name}", "success"),
                      failed=f"{FILE_KINDS[kind]}上传失败：")


@bp.route("/me/submit", methods=["POST"])
@login_required
def submit():
    """Send the application to its first reviewer, once nothing is missing."""
    expert = _own_expert()
    return _then_back(lambda: admission.submit_application(expert, current_user),
                      lambda status: (f"已提交，当前状态：{STATUSES[status]}。", "success"))


@bp.route("/me/form.xlsx")
@login_required
def export_form():
    """The 专家信息表 as a workbook, for the unit to stamp."""
    from operations.exports import expert_form_export

    content, filename = expert_form_export(_own_expert(), current_user)
    db.session.commit()
    return send_download(content, filename)


@bp.route("/me/invitations/<int:invitation_id>", methods=["POST"])
@login_required
def respond(invitation_id: int):
    """Accept, decline or ask to recuse (§13): conflicts are checked again on accepting."""
    from operations.invitations import answer

    expert, form = _own_expert(), InvitationAnswerForm()
    inv = get_by_id(Invitation, invitation_id)  # <int:> lets through ids past the integer range
    if inv is None or inv.expert_id != expert.id:
        abort(404)
    return _then_back(lambda: answer(inv, form.answer.data or "", current_user, reason=form.reason.data or ""),
                      lambda result: (ANSWERED[result], "success" if result == "accepted" else "info"), form=form)


@bp.route("/me/reapply", methods=["POST"])
@login_required
def reapply():
    """常年受理: after 不予入库, or an exit whose reason allows it, the expert applies again."""
    expert = _own_expert()
    return _then_back(lambda: admission.reapply(expert, current_user),
                      "已重新开始入库申请，请核对并更新专家信息表、重新上传单位盖章的专家信息表后提交。")


@bp.route("/me/withdraw", methods=["POST"])
@login_required
def withdraw():
    """Take a submitted application back before the unit decides, to change it."""
    expert = _own_expert()
    return _then_back(lambda: admission.transition(expert, "withdraw", current_user),
                      "已撤回申请，可修改后重新提交。")


@bp.route("/me/exit-request", methods=["POST"])
@login_required
def exit_request():
    """§8(二): ask in writing not to serve any longer; the bureau decides."""
    expert, form = _own_expert(), ExitRequestForm()
    return _then_back(lambda: request_exit(expert, form.reason.data, current_user), "已提交出库申请，待市科技局处理。",
                      form=form)


@bp.route("/me/avoidances", methods=["POST"])
@login_required
def add_standing_avoidance():
    """A unit or person the expert must always avoid (§13); every later draw applies it."""
    expert, form = _own_expert(), AvoidanceForm()
    return _then_back(lambda: add_avoidance(expert, form.kind.data, form.name.data or "", form.credit_code.data or "",
                                            form.reason.data or "", form.until.data, current_user),
                      "已登记回避声明，此后的抽取将按此回避。", form=form)


@bp.route("/me/avoidances/<avoidance_id>/remove", methods=["POST"])
@login_required
def remove_standing_avoidance(avoidance_id: str):
    expert = _own_expert()
    return _then_back(lambda: remove_avoidance(expert, get_by_id(ExpertAvoidance, avoidance_id), current_user),
                      "已撤销该回避声明。")


@bp.route("/me/leave", methods=["POST"])
@login_required
def leave():
    """Mark a period when the expert cannot take part in reviews; draws skip it."""
    expert, form = _own_expert(), LeaveForm()
    return _then_back(lambda: add_leave(expert, form.start.data, form.end.data, form.reason.data or "", current_user),
                      "已登记请假，期间不会被抽取。", form=form)


@bp.route("/me/leave/<leave_id>/remove", methods=["POST"])
@login_required
def remove_leave_period(leave_id: str):
    """Withdraw a leave period the expert registered."""
    expert = _own_expert()
    return _then_back(lambda: remove_leave(expert, get_by_id(ExpertLeave, leave_id), current_user), "已撤销请假。")
