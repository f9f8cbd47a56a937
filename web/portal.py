"""The expert's own portal (/me/) and registration (/register)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from forms.profile import SECTIONS, ProfileForm
from forms.validators import RuleCheck
from models import ChangeRequest, Expert, ExpertFile, Invitation, Organization, User, db, utcnow
from models.draws import INVITATION_STATES
from models.experts import EXPERT_STATUSES
from operations import admission, audit
from operations.files import store_upload
from operations.profile import resolve_organization, save_profile, snapshot
from rules import InvalidInput
from rules.changes import CHANGE_STATES
from rules.completeness import missing_for_submission
from rules.contact import validate_email, validate_mobile
from rules.passwords import validate_password
from web.inputs import get_by_id

bp = Blueprint("portal", __name__)

UPLOAD_KINDS = {
    "title_certificate": "职称证书",
    "stamped_form": "单位盖章的专家信息表",
    "priority_proof": "优先入库条件证明材料",
    "provincial_proof": "浙江省科技专家库专家资格证明",
}
EDITABLE = ("draft", "returned", "invited")


class RegisterForm(FlaskForm):
    username = StringField("用户名", [InputRequired("请填写用户名"), Length(3, 50, "用户名为3到50位")])
    name = StringField("姓名", [InputRequired("请填写姓名"), Length(max=50)])
    mobile = StringField("移动电话", [InputRequired("请填写移动电话"), RuleCheck(validate_mobile)])
    email = StringField("电子邮箱", [InputRequired("请填写电子邮箱"), RuleCheck(validate_email)])
    password = PasswordField("密码", [InputRequired("请设置密码")])
    password2 = PasswordField("确认密码", [InputRequired("请再次输入密码"), EqualTo("password", "两次输入的密码不一致")])

    def validate_username(self, field):
        import re

        if not re.fullmatch(r"[A-Za-z0-9_.\-]{3,50}", field.data or ""):
            raise ValidationError("用户名为3到50位字母、数字、下划线、点或连字符")
        if db.session.scalar(select(User.id).where(func.lower(User.username) == field.data.lower())):
            raise ValidationError("该用户名已被使用")

    def validate_password(self, field):
        try:
            validate_password(field.data, self.username.data or "")
        except InvalidInput as e:
            raise ValidationError(str(e)) from None


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an expert account and an empty draft application."""
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, name=form.name.data, role="expert", email=form.email.data)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.flush()
        expert = Expert(user_id=user.id, name=form.name.data, mobile=form.mobile.data, email=form.email.data)
        db.session.add(expert)
        db.session.flush()
        audit.record("register", expert, user=user)
        db.session.commit()
        login_user(user)
        flash("注册成功，请填写专家信息表。", "success")
        return redirect(url_for("portal.profile"))
    return render_template("portal/register.html", form=form)


def _own_expert() -> Expert:
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role != "expert":
        abort(403)
    expert = db.session.scalar(select(Expert).where(Expert.user_id == current_user.id))
    if expert is None:
        abort(404)
    return expert


def _files_present(expert: Expert) -> dict:
    kinds = set(db.session.scalars(select(ExpertFile.kind).where(ExpertFile.expert_id == expert.id)))
    return {"title_certificate": expert.title_certificate_id is not None,
            "stamped_form": expert.stamped_form_id is not None,
            "priority_proof": "priority_proof" in kinds, "provincial_proof": "provincial_proof" in kinds}


def _route_for(expert: Expert) -> str:
    if expert.admission_route == "invitation":
        return "invitation"
    return "provincial" if expert.provincial_library else "open"


def _missing(expert: Expert) -> list[str]:
    values = snapshot(expert) | {"organization": expert.organization_id, "education": expert.education_id,
                                 "primary_discipline": expert.primary_discipline_id}
    return missing_for_submission(values, route=_route_for(expert), files=_files_present(expert))


@bp.route("/me/")
@login_required
def index():
    """Where the application stands, what is missing, and the timeline."""
    expert = _own_expert()
    proofs = db.session.scalars(select(ExpertFile).where(ExpertFile.expert_id == expert.id)).all()
    changes = db.session.scalars(select(ChangeRequest).where(ChangeRequest.expert_id == expert.id)
                                 .order_by(ChangeRequest.created_at.desc())).all()
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.expert_id == expert.id, Invitation.status.notin_(["waiting", "cancelled"]))
        .order_by(Invitation.id.desc())).all()
    from models import ExpertExit, ExpertLeave
    from rules.lifecycle import EXIT_REASONS

    leaves = db.session.scalars(select(ExpertLeave).where(ExpertLeave.expert_id == expert.id)
                                .order_by(ExpertLeave.start_date)).all()
    last_exit = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == expert.id)
                                  .order_by(ExpertExit.id.desc()).limit(1))
    return render_template("portal/index.html", expert=expert, missing=_missing(expert), leaves=leaves,
                           last_exit=last_exit, exit_reasons=EXIT_REASONS,
                           invitations=invitations, inv_states=INVITATION_STATES, now=utcnow(),
                           editable=expert.status in EDITABLE, events=admission.timeline(expert),
                           statuses=EXPERT_STATUSES, upload_kinds=UPLOAD_KINDS, proofs=proofs,
                           changes=changes, change_states=CHANGE_STATES)


def _form_values(form: ProfileForm, expert: Expert) -> dict:
    org = resolve_organization(form.organization_name.data, form.new_org_credit_code.data,
                               form.new_org_in_shaoxing.data, current_user)

    def ref(value):
        return int(value) if value else None

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
        "secondary_discipline_ids": sorted(int(i) for i in form.secondary_disciplines.data or []),
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
                change = save_profile(expert, values, current_user)
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
    return render_template("portal/profile.html", form=form, sections=SECTIONS, expert=expert,
                           organizations=organizations,
                           read_only=expert.status not in EDITABLE + ("admitted", "dormant"))


@bp.route("/me/upload/<kind>", methods=["POST"])
@login_required
def upload(kind: str):
    """Attach or replace a file; only while the application can still be edited."""
    expert = _own_expert()
    if kind not in UPLOAD_KINDS:
        abort(404)
    if expert.status not in EDITABLE:
        flash("申请已提交，材料不能再更换。", "error")
        return redirect(url_for("portal.index"))
    storage = request.files.get("file")
    try:
        if storage is None:
            raise InvalidInput("请选择要上传的文件")
        row = store_upload(storage, current_user)
        if kind in ("title_certificate", "stamped_form"):
            setattr(expert, f"{kind}_id", row.id)  # replaces the earlier file
        else:
            db.session.add(ExpertFile(expert_id=expert.id, file_id=row.id, kind=kind))
        db.session.commit()
        flash(f"已上传{UPLOAD_KINDS[kind]}：{row.original_name}", "success")
    except InvalidInput as e:
        db.session.rollback()
        flash(f"{UPLOAD_KINDS[kind]}上传失败：{e}", "error")
    return redirect(url_for("portal.index"))


@bp.route("/me/submit", methods=["POST"])
@login_required
def submit():
    """Send the application to its first reviewer, once nothing is missing."""
    expert = _own_expert()
    missing = _missing(expert)
    if missing:
        flash("尚不能提交，还缺少：" + "、".join(missing), "error")
        return redirect(url_for("portal.index"))
    try:
        if expert.status in ("draft", "returned") and expert.admission_route != "invitation":
            expert.admission_route = _route_for(expert)
            db.session.flush()
        admission.transition(expert, "submit", current_user)
        db.session.commit()
        flash(f"已提交，当前状态：{expert.status_label}。", "success")
    except InvalidInput as e:
        db.session.rollback()
        flash(str(e), "error")
    return redirect(url_for("portal.index"))


@bp.route("/me/form.xlsx")
@login_required
def export_form():
    """The 专家信息表 as a workbook, for the unit to stamp."""
    from operations.exports import expert_form_response

    return expert_form_response(_own_expert(), current_user)


@bp.route("/me/invitations/<int:invitation_id>", methods=["POST"])
@login_required
def respond(invitation_id: int):
    """Accept or decline an invitation to a review (conflicts are checked again on accepting)."""
    from operations.draws import respond as respond_to

    expert = _own_expert()
    inv = get_by_id(Invitation, invitation_id)  # <int:> lets through ids past the integer range
    if inv is None or inv.expert_id != expert.id:
        abort(404)
    answer = request.form.get("answer")
    if answer not in ("accept", "decline"):
        flash("请选择“接受邀请”或“不能参加”。", "error")
        return redirect(url_for("portal.index"))
    try:
        result = respond_to(inv, answer == "accept", current_user,
                            reason=request.form.get("reason", ""))
        db.session.commit()
        flash({"accepted": "已接受邀请，请按时参加。", "declined": "已答复不能参加。",
               "conflict": "系统核查发现您与该活动存在回避情形，本次不能受聘，已通知下一位备选专家。"}[result],
              "success" if result == "accepted" else "info")
    except InvalidInput as e:
        db.session.rollback()
        flash(str(e), "error")
    return redirect(url_for("portal.index"))


@bp.route("/me/reapply", methods=["POST"])
@login_required
def reapply():
    """An exited expert applies again, where the exit reason allows it."""
    from operations.lifecycle import reapply as start_again

    expert = _own_expert()
    try:
        start_again(expert, current_user)
        db.session.commit()
        flash("已重新开始入库申请，请核对并更新专家信息表后提交。", "success")
    except InvalidInput as e:
        db.session.rollback()
        flash(str(e), "error")
    return redirect(url_for("portal.index"))


@bp.route("/me/leave", methods=["POST"])
@login_required
def leave():
    """Mark (or remove) a period when the expert cannot take part in reviews; draws skip it."""
    from datetime import date

    from models import ExpertLeave

    expert = _own_expert()
    if "remove" in request.form:
        row = get_by_id(ExpertLeave, request.form["remove"])
        if row is None or row.expert_id != expert.id:
            flash("找不到要撤销的请假记录，请刷新页面后重试。", "error")
            return redirect(url_for("portal.index"))
        db.session.delete(row)
        audit.record("leave_removed", expert, start=str(row.start_date), end=str(row.end_date))
        db.session.commit()
        return redirect(url_for("portal.index"))
    try:
        start = date.fromisoformat(request.form.get("start", ""))
        end = date.fromisoformat(request.form.get("end", ""))
    except ValueError:
        flash("请填写请假的起止日期", "error")
        return redirect(url_for("portal.index"))
    if end < start:
        flash("结束日期不能早于开始日期", "error")
    elif expert.status not in ("admitted", "dormant"):
        flash("入库后方可登记请假", "error")
    else:
        db.session.add(ExpertLeave(expert_id=expert.id, start_date=start, end_date=end,
                                   reason=request.form.get("reason", "")[:200]))
        audit.record("leave_added", expert, start=str(start), end=str(end))
        db.session.commit()
        flash("已登记请假，期间不会被抽取。", "success")
    return redirect(url_for("portal.index"))
