"""Draw requests (usage units), their approval and draws (bureau), and the draw records (supervisor)."""
from __future__ import annotations

import json

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from sqlalchemy import false, select, true
from wtforms import ValidationError
from wtforms.fields import DateTimeLocalField, SelectField
from wtforms.validators import InputRequired, Length, Optional

from admin_views.base import RoleView, user_role
from forms.validators import IntRange, RuleCheck
from models import (Discipline, DrawRecord, DrawRequest, Expert, Invitation, ProjectMember, RequestAvoidance,
                    SpecialExpert, db, local_now)
from models.draws import ACTIVITY_TYPES, ATTENDANCE, INVITATION_STATES, REQUEST_STATES
from operations import audit, draws
from rules import InvalidInput
from rules.conflicts import EXCLUSION_REASONS
from rules.credit_code import validate_credit_code
from rules.eligibility import EXPERT_TYPES, TITLE_LEVELS
from rules.feedback import parse_fee, parse_rating
from rules.masking import mask_mobile
from web.filters import local_dt
from web.inputs import get_by_id, parse_id

REGIONS = {"any": "不限", "in": "绍兴市内", "out": "绍兴市外"}
AVOIDANCE_WARNING_SHARE = 1 / 3
TEXT_MAX = 2000  # reasons, comments and notes typed on the request's page


class FieldErrors(InvalidInput):
    """An action's form was refused: `errors` maps each field to its Chinese message."""

    def __init__(self, message: str, errors: dict[str, str]):
        super().__init__(message)
        self.errors = errors


def request_scope(user):
    role = getattr(user, "role", None)
    if role in ("bureau", "supervisor"):
        return true()
    if role == "usage":
        return DrawRequest.organization_id == user.organization_id
    return false()


def _codes_check(form, field):
    codes = [c.strip() for c in (field.data or "").replace("，", ",").split(",") if c.strip()]
    known = set(db.session.scalars(select(Discipline.code).where(Discipline.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError("未知的学科代码：" + "、".join(unknown))
    field.data = ",".join(codes)


def _period_check(form, field):
    if form.start_at.data and field.data and field.data <= form.start_at.data:
        raise ValidationError("结束时间须晚于开始时间")


def _age_check(form, field):
    if form.age_min.data is not None and field.data is not None and field.data < form.age_min.data:
        raise ValidationError("年龄上限不能小于下限")


class DrawRequestView(RoleView):
    """抽取申请: filed by a usage unit, approved and drawn by the bureau."""

    # Permissions
    roles = frozenset({"usage", "bureau", "supervisor"})
    create_roles = frozenset({"usage"})
    edit_roles = frozenset({"usage"})

    # View
    column_list = ["id", "title", "organization", "activity_type", "start_at", "need", "status"]
    column_labels = {
        "id": "编号", "title": "活动名称", "organization": "使用单位", "activity_type": "活动类型",
        "start_at": "开始时间", "end_at": "结束时间", "place": "地点", "need": "所需专家人数",
        "backups": "备选人数", "discipline_codes": "学科代码（逗号分隔，如 520,54020）",
        "expert_type": "专家类型", "min_title": "最低职称级别", "region": "地域", "age_min": "年龄下限（周岁）",
        "age_max": "年龄上限（周岁）", "status": "状态", "members": "参评项目成员",
        "avoidances": "申请方声明的回避", "response_hours": "答复期限（小时）",
        "special_experts": "特邀专家建议（库内专家无法满足时填写，须市科技局同意）",
    }
    column_formatters = {
        "status": lambda v, c, m, n: REQUEST_STATES.get(m.status, m.status),
        "activity_type": lambda v, c, m, n: ACTIVITY_TYPES.get(m.activity_type, m.activity_type),
        "start_at": lambda v, c, m, n: m.start_at.strftime("%Y-%m-%d %H:%M"),
        "id": lambda v, c, m, n: m.number,
    }
    column_filters = ["status"]
    column_default_sort = ("id", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-folder-open", ".manage_view", title="办理")]

    # Form
    form_columns = ["title", "activity_type", "start_at", "end_at", "place", "need", "backups",
                    "response_hours", "discipline_codes", "expert_type", "min_title", "region", "age_min",
                    "age_max", "members", "avoidances", "special_experts"]
    form_overrides = {"activity_type": SelectField, "expert_type": SelectField, "min_title": SelectField,
                      "region": SelectField, "start_at": DateTimeLocalField, "end_at": DateTimeLocalField}
    form_args = {
        "title": {"validators": [InputRequired("请填写活动名称"), Length(max=200)]},
        "activity_type": {"choices": list(ACTIVITY_TYPES.items())},
        "start_at": {"format": "%Y-%m-%dT%H:%M", "validators": [InputRequired("请填写开始时间")]},
        "end_at": {"format": "%Y-%m-%dT%H:%M", "validators": [InputRequired("请填写结束时间"), _period_check]},
        "place": {"validators": [InputRequired("请填写地点"), Length(max=200)]},
        "need": {"validators": [InputRequired("请填写所需专家人数"), IntRange(1, 50, "人数应在1到50之间")]},
        "backups": {"validators": [Optional(), IntRange(0, 30, "备选人数应在0到30之间")]},
        "response_hours": {"validators": [Optional(), IntRange(2, 168, "答复期限应在2到168小时之间")]},
        "discipline_codes": {"validators": [InputRequired("请填写至少一个学科代码"), _codes_check]},
        "expert_type": {"choices": [("", "不限")] + list(EXPERT_TYPES.items())},
        "min_title": {"choices": [(k, v[0]) for k, v in TITLE_LEVELS.items()]},
        "region": {"choices": list(REGIONS.items())},
        "age_min": {"validators": [Optional(), IntRange(18, 100, "年龄应在18到100之间")]},
        "age_max": {"validators": [Optional(), IntRange(18, 100, "年龄应在18到100之间"), _age_check]},
    }
    inline_models = [
        (ProjectMember, {
            "form_columns": ["id", "project", "name", "is_leader", "unit_name", "credit_code", "college"],
            "column_labels": {"project": "项目名称", "name": "姓名", "is_leader": "项目负责人",
                              "unit_name": "单位", "credit_code": "单位统一社会信用代码",
                              "college": "院系（高校填写）"},
            "form_args": {"project": {"validators": [InputRequired("请填写项目名称")]},
                          "name": {"validators": [InputRequired("请填写姓名")]},
                          "credit_code": {"validators": [InputRequired("请填写单位统一社会信用代码（回避按代码核对）"),
                                                         RuleCheck(validate_credit_code)]}},
        }),
        (RequestAvoidance, {
            "form_columns": ["id", "kind", "name", "credit_code", "reason"],
            "form_choices": {"kind": [("unit", "单位"), ("person", "个人")]},
            "column_labels": {"kind": "类别", "name": "单位或个人名称", "credit_code": "统一社会信用代码",
                              "reason": "回避理由"},
            "form_args": {"reason": {"validators": [InputRequired("每项回避都须写明理由")]},
                          "name": {"validators": [InputRequired("请填写名称")]},
                          "credit_code": {"validators": [Optional(), RuleCheck(validate_credit_code)]}},
        }),
        (SpecialExpert, {
            "form_columns": ["id", "name", "unit_name", "title", "reason"],
            "column_labels": {"name": "姓名", "unit_name": "工作单位", "title": "职称", "reason": "特邀理由"},
            "form_args": {"name": {"validators": [InputRequired("请填写姓名")]},
                          "unit_name": {"validators": [InputRequired("请填写工作单位")]},
                          "reason": {"validators": [InputRequired("请写明特邀理由")]}},
        }),
    ]

    # Row scoping
    def get_query(self):
        return super().get_query().where(request_scope(current_user))

    def get_count_query(self):
        return super().get_count_query().where(request_scope(current_user))

    def get_one(self, id):
        key = parse_id(id)
        if key is None:
            abort(404)
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.id == key, request_scope(current_user)))
        if req is None:
            abort(404)
        return req

    # Hooks
    def on_form_prefill(self, form, id):
        if self.get_one(id).status != "draft":
            abort(403)

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.organization_id = current_user.organization_id
            model.created_by_id = current_user.id
        elif model.status != "draft":
            raise ValidationError("申请已提交，不能再修改")
        if model.start_at and model.start_at <= local_now():
            raise ValidationError("活动开始时间须晚于现在")
        super().on_model_change(form, model, is_created)

    # The request's own page: everything that happens to it happens here.
    @expose("/manage/", methods=("GET", "POST"))
    def manage_view(self):
        req = self.get_one(request.args.get("id"))
        role = user_role()
        status, field_errors = 200, {}
        if request.method == "POST":
            action = request.form.get("action", "")
            try:
                self._apply(req, role, action)
                db.session.commit()
                flash("操作成功。", "success")
                return redirect(url_for(".manage_view", id=req.id))
            except InvalidInput as e:
                # Nothing of the refused action is kept; the page comes back with what was typed.
                db.session.rollback()
                flash(str(e), "error")
                status, field_errors = 400, getattr(e, "errors", {})
                req = self.get_one(request.args.get("id"))
        sealed = role == "usage" and req.status not in ("released", "closed")
        invitations = [] if sealed else db.session.scalars(
            select(Invitation).where(Invitation.request_id == req.id).order_by(Invitation.position)).all()
        share = draws.avoidance_share(req) if role == "bureau" and req.status == "submitted" else None
        if role == "bureau" and req.records:
            audit.record("draw_names_viewed", req, request_id=req.id)
            db.session.commit()
        return self.render("admin/draw_manage.html", req=req, role=role, sealed=sealed, invitations=invitations,
                           share=share, warning_share=AVOIDANCE_WARNING_SHARE, states=REQUEST_STATES,
                           types=ACTIVITY_TYPES, inv_states=INVITATION_STATES, attendance=ATTENDANCE,
                           reasons=EXCLUSION_REASONS, regions=REGIONS, titles=TITLE_LEVELS,
                           expert_types=EXPERT_TYPES, mask=mask_mobile, now=local_now(),
                           json=json, open_places=draws.open_places(req),
                           form_values=request.form if request.method == "POST" else {},
                           field_errors=field_errors), status

    def _apply(self, req: DrawRequest, role: str, action: str) -> None:
        reason = request.form.get("reason", "")
        if any(len(request.form.get(name, "")) > TEXT_MAX for name in ("reason", "note")):
            raise InvalidInput(f"意见、原因或评价不超过{TEXT_MAX}字")
        allowed = {"submit": "usage", "approve": "bureau", "reject": "bureau", "draw": "bureau",
                   "supplement": "bureau", "release": "bureau", "attendance": "usage",
                   "special_approve": "bureau", "special_reject": "bureau", "spot_check": "bureau"}
        if allowed.get(action) != role:
            raise InvalidInput("您无权执行此操作")
        if action == "submit":
            draws.submit_request(req, current_user)
        elif action in ("approve", "reject"):
            draws.decide_request(req, current_user, action == "approve", reason)
        elif action in ("draw", "supplement"):
            draws.run_draw(req, current_user, reason=reason if action == "supplement" else "")
        elif action == "release":
            draws.release(req, current_user)
        elif action in ("special_approve", "special_reject"):
            special = get_by_id(SpecialExpert, request.form.get("special_id"))
            if special is None or special.request_id != req.id:
                raise InvalidInput("找不到该特邀专家建议")
            draws.decide_special(special, current_user, action == "special_approve")
        elif action == "spot_check":
            inv = get_by_id(Invitation, request.form.get("invitation_id"))
            if inv is None or inv.request_id != req.id:
                raise InvalidInput("找不到该专家的受聘记录")
            draws.spot_check(inv, current_user, request.form.get("note", ""))
        elif action == "attendance":
            inv = get_by_id(Invitation, request.form.get("invitation_id"))
            if inv is None or inv.request_id != req.id or req.status not in ("released", "closed"):
                raise InvalidInput("找不到该专家的受聘记录")
            values = self._attendance_values()
            draws.record_attendance(inv, current_user, **values)

    @staticmethod
    def _attendance_values() -> dict:
        """The attendance form, checked field by field: every message is shown beside its field."""
        form, errors = request.form, {}
        values = {"attendance": form.get("attendance", ""), "reason": form.get("absence_reason", ""),
                  "comments": form.get("comments", "")}
        if values["attendance"] not in ATTENDANCE:
            errors["attendance"] = "请选择出席情况"
        if values["attendance"] == "absent_excused" and not values["reason"].strip():
            errors["absence_reason"] = "请填写缺席理由"
        for name, key in (("absence_reason", "reason"), ("comments", "comments")):
            if len(values[key]) > TEXT_MAX:
                errors[name] = f"不超过{TEXT_MAX}字"
        for name, parse in (("rating", parse_rating), ("fee", parse_fee)):
            try:
                values[name] = parse(form.get(name, ""))
            except InvalidInput as e:
                errors[name] = str(e)
        if errors:
            raise FieldErrors("出席情况未保存，请按提示修改标红的内容。", errors)
        return values

    @expose("/export/<kind>")
    def export_view(self, kind):
        """专家抽取结果 (usage unit after release; bureau) or 专家抽取记录表 (bureau, supervisor)."""
        from operations.exports import draw_sheet_response

        req = self.get_one(request.args.get("id"))
        role = user_role()
        if kind == "result":
            allowed = role == "bureau" or (role == "usage" and req.status in ("released", "closed"))
        elif kind == "record":
            allowed = role in ("bureau", "supervisor")
        else:
            abort(404)
        if not allowed or not req.records:
            abort(403)
        return draw_sheet_response(req, current_user, kind)


class DrawRecordView(RoleView):
    """抽取记录: read-only for everyone; the supervisor replays any of them."""

    # Permissions
    roles = frozenset({"bureau", "supervisor"})

    # View
    column_list = ["id", "request", "kind", "pool_size", "created_at", "operator"]
    column_labels = {"id": "记录号", "request": "抽取申请", "kind": "类别", "pool_size": "候选库人数",
                     "created_at": "抽取时间", "operator": "操作人"}
    column_formatters = {"kind": lambda v, c, m, n: "首次抽取" if m.kind == "initial" else "补充抽取",
                         "created_at": lambda v, c, m, n: local_dt(m.created_at, "%Y-%m-%d %H:%M:%S")}
    column_default_sort = ("id", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-search", ".record_view", title="查看与复核")]

    @expose("/record/", methods=("GET", "POST"))
    def record_view(self):
        record = get_by_id(DrawRecord, request.args.get("id"))
        if record is None:
            abort(404)
        verdict = None
        if request.method == "POST":
            verdict = draws.verify(record)
            audit.record("draw_verify", record, ok=verdict.ok, message=verdict.message)
            db.session.commit()
        excluded = json.loads(record.excluded_ids)
        names = {e.id: e for e in db.session.scalars(select(Expert).where(
            Expert.id.in_([i for ids in excluded.values() for i in ids] + record.ids("selected")
                          + record.ids("backup_ids"))))}
        return self.render("admin/draw_record.html", record=record, verdict=verdict, excluded=excluded,
                           counts=json.loads(record.exclusion_counts), names=names, reasons=EXCLUSION_REASONS,
                           conditions=json.loads(record.conditions), titles=TITLE_LEVELS, regions=REGIONS,
                           expert_types=EXPERT_TYPES)
