"""Draw requests (usage units), their approval and draws (bureau), and the draw records (supervisor)."""
from __future__ import annotations

import json

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import format_datetime
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms import ValidationError
from wtforms.fields import DateTimeLocalField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from admin_views.base import AwaitingMe, ClauseFilter, RoleView, apply_form, choices, user_role
from forms.draw_requests import (AttendanceForm, ConditionsForm, ConfirmForm, DecideForm, DisciplineCodesField, DrawForm,
                                 PhoneAnswerForm, SpecialForm, SpotCheckForm, SupplementForm, age_check, codes_check,
                                 period_check)
from forms.validators import IntRange, RuleCheck
from models import (DrawRecord, DrawRequest, Expert, Invitation, Organization, OutboxMessage, ProjectMember,
                    RequestAvoidance, SpecialExpert, db, local_now, utcnow)
from models.base import get_by_id, parse_id
from models.encrypted import lookup_hash
from operations import audit, draw_requests, draws
from operations.invitations import record_phone_answer
from operations.scope import awaiting_request, late_invitations, request_scope
from rules import InvalidInput
from rules.conflicts import EXCLUSION_REASONS
from rules.contact import validate_email, validate_mobile
from rules.credit_code import validate_credit_code
from rules.draw import ALGORITHM_NAMES
from rules.draw_requests import (ACTIVITY_TYPES, ATTENDANCE, REGIONS, SPECIAL_STATES, STATES, allowed_actions,
                                 may_export, names_visible)
from rules.eligibility import EXPERT_TYPES, TITLE_LEVELS
from rules.idcard import parse_resident_id
from rules.invitations import ROLES as INVITATION_ROLES
from rules.invitations import STATES as INVITATION_STATES
from rules.masking import mask_mobile
from web.downloads import send_download

AVOIDANCE_WARNING_SHARE = 1 / 3
# The filter (and to-do entry) for requests with an invitation unanswered past its deadline.
LATE = "有超过答复期限未答复的邀请"
USAGE, BUREAU = frozenset({"usage"}), frozenset({"bureau"})
READERS = frozenset({"usage", "bureau", "supervisor"})


class DrawRequestView(RoleView):
    """抽取申请: filed by a usage unit, approved and drawn by the bureau."""

    # Permissions: each step of the request's page is a page of its own, for the role the rules name.
    roles = READERS
    create_roles = USAGE
    edit_roles = USAGE
    page_roles = {"manage_view": READERS, "export_view": READERS,
                  "submit_view": USAGE, "attendance_view": USAGE,
                  "decide_view": BUREAU, "draw_view": BUREAU, "supplement_view": BUREAU, "phone_view": BUREAU,
                  "propose_view": USAGE, "units_view": USAGE,
                  "release_view": BUREAU, "special_view": BUREAU, "spot_check_view": BUREAU}
    row_scope = staticmethod(request_scope)

    # View
    column_list = ["id", "title", "organization", "activity_type", "start_at", "need", "status"]
    column_labels = {
        "id": "编号", "title": "活动名称", "organization": "使用单位", "activity_type": "活动类型",
        "start_at": "开始时间", "end_at": "结束时间", "place": "地点", "need": "所需专家人数",
        "backups": "备选人数", "discipline_codes": "学科（按代码或名称查找，可选多个）",
        "expert_type": "专家类型", "min_title": "最低职称级别", "region": "地域", "age_min": "年龄下限（周岁）",
        "age_max": "年龄上限（周岁）", "status": "状态", "members": "参评项目成员",
        "avoidances": "申请方声明的回避", "response_hours": "答复期限（小时）",
        "special_experts": "特邀专家建议（库内专家无法满足时填写，须市科技局同意）",
    }
    column_choices = {"status": choices(STATES), "activity_type": choices(ACTIVITY_TYPES)}
    column_formatters = {
        # Activity times are Beijing wall-clock times as typed, not UTC: shown as they are.
        "start_at": lambda v, c, m, n: format_datetime(m.start_at, rebase=False),
        "id": lambda v, c, m, n: m.number,
    }
    column_filters = ["status", AwaitingMe(DrawRequest.id, awaiting_request),
                      ClauseFilter(DrawRequest.id, LATE, lambda user: late_invitations(user, utcnow()))]
    column_default_sort = ("id", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-folder-open", ".manage_view", title="办理")]

    # Form
    form_columns = ["title", "activity_type", "start_at", "end_at", "place", "need", "backups",
                    "response_hours", "discipline_codes", "expert_type", "min_title", "region", "age_min",
                    "age_max", "members", "avoidances", "special_experts"]
    form_overrides = {"discipline_codes": DisciplineCodesField, "activity_type": SelectField,
                      "expert_type": SelectField, "min_title": SelectField,
                      "region": SelectField, "start_at": DateTimeLocalField, "end_at": DateTimeLocalField}
    form_args = {
        "title": {"validators": [InputRequired("请填写活动名称"), Length(max=200)]},
        "activity_type": {"choices": list(ACTIVITY_TYPES.items())},
        "start_at": {"format": "%Y-%m-%dT%H:%M", "validators": [InputRequired("请填写开始时间")]},
        "end_at": {"format": "%Y-%m-%dT%H:%M", "validators": [InputRequired("请填写结束时间"), period_check]},
        "place": {"validators": [InputRequired("请填写地点"), Length(max=200)]},
        "need": {"validators": [InputRequired("请填写所需专家人数"), IntRange(1, 50, "人数应在1到50之间")]},
        "backups": {"validators": [Optional(), IntRange(0, 30, "备选人数应在0到30之间")]},
        "response_hours": {"validators": [Optional(), IntRange(2, 168, "答复期限应在2到168小时之间")]},
        "discipline_codes": {"validators": [InputRequired("请选择至少一个学科"), codes_check]},
        "expert_type": {"choices": [("", "不限")] + list(EXPERT_TYPES.items())},
        "min_title": {"choices": choices(TITLE_LEVELS)},
        "region": {"choices": list(REGIONS.items())},
        "age_min": {"validators": [Optional(), IntRange(18, 100, "年龄应在18到100之间")]},
        "age_max": {"validators": [Optional(), IntRange(18, 100, "年龄应在18到100之间"), age_check]},
    }
    create_template = edit_template = "admin/draw_request_form.html"
    inline_models = [
        (ProjectMember, {
            "form_widget_args": {"unit_name": {"list": "known-units", "autocomplete": "off"},
                                 "credit_code": {"list": "known-unit-codes", "autocomplete": "off"}},
            "form_columns": ["id", "project", "name", "is_leader", "unit_name", "credit_code", "college", "id_number"],
            "column_labels": {"project": "项目名称", "name": "姓名", "is_leader": "项目负责人",
                              "unit_name": "单位", "credit_code": "单位统一社会信用代码",
                              "college": "院系（高校填写）"},
            # Matched against experts of any unit (§13(一)); only its keyed hash is kept (on_model_change).
            "form_extra_fields": {"id_number": StringField(
                "居民身份证号码（可选）", [Optional(), RuleCheck(lambda v: parse_resident_id(v).number)],
                description="填写后按号码核对回避（即使成员登记在其他单位）；系统只保存其校验摘要，不保存号码")},
            "form_args": {"project": {"validators": [InputRequired("请填写项目名称")]},
                          "name": {"validators": [InputRequired("请填写姓名")]},
                          "credit_code": {"validators": [InputRequired("请填写单位统一社会信用代码（回避按代码核对）"),
                                                         RuleCheck(validate_credit_code)]}},
        }),
        (RequestAvoidance, {
            "form_columns": ["id", "kind", "name", "credit_code", "reason"],
            "form_widget_args": {"name": {"list": "known-units", "autocomplete": "off"},
                                 "credit_code": {"list": "known-unit-codes", "autocomplete": "off"}},
            "form_choices": {"kind": [("unit", "单位"), ("person", "个人")]},
            "column_labels": {"kind": "类别", "name": "单位或个人名称", "credit_code": "统一社会信用代码",
                              "reason": "回避理由"},
            "form_args": {"reason": {"validators": [InputRequired("每项回避都须写明理由")]},
                          "name": {"validators": [InputRequired("请填写名称")]},
                          "credit_code": {"validators": [Optional(), RuleCheck(validate_credit_code)]}},
        }),
        (SpecialExpert, {
            "form_columns": ["id", "name", "unit_name", "title", "mobile", "email", "reason"],
            "column_labels": {"name": "姓名", "unit_name": "工作单位", "title": "职称", "reason": "特邀理由",
                              "mobile": "移动电话（发送邀请）", "email": "电子邮箱（可选）"},
            "form_args": {"name": {"validators": [InputRequired("请填写姓名")]},
                          "mobile": {"validators": [Optional(), RuleCheck(validate_mobile)]},
                          "email": {"validators": [Optional(), RuleCheck(validate_email)]},
                          "unit_name": {"validators": [InputRequired("请填写工作单位")]},
                          "reason": {"validators": [InputRequired("请写明特邀理由")]}},
        }),
    ]

    @expose("/units/")
    def units_view(self):
        """Registered units whose name holds, or whose credit code begins with, what is typed (at most 20),
        to pick members' and avoided units from: looked up as the user types, not sent whole with the form
        (an imported library may register thousands)."""
        typed = (request.args.get("q") or "").strip()[:100]
        if not typed:
            return jsonify([])
        rows = db.session.execute(
            select(Organization.name, Organization.credit_code)
            .where(or_(Organization.name.contains(typed, autoescape=True),
                       Organization.credit_code.startswith(typed.upper(), autoescape=True)))
            .order_by(func.length(Organization.name), Organization.name).limit(20)).all()
        return jsonify([{"name": name, "code": code} for name, code in rows])

    def row_allows(self, page, row):
        if page == "edit_view":
            try:
                draw_requests.check_editable(row, current_user)
            except InvalidInput:
                return False
        return True

    # Hooks
    def on_form_prefill(self, form, id):
        try:
            draw_requests.check_editable(self.get_one(id), current_user)
        except InvalidInput:
            abort(403)

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.organization_id = current_user.organization_id
            model.created_by_id = current_user.id
        else:
            try:
                draw_requests.check_editable(model, current_user)
            except InvalidInput:
                raise ValidationError("申请已提交，不能再修改") from None
        if model.start_at and model.start_at <= local_now():
            raise ValidationError("活动开始时间须晚于现在")
        for member in model.members:
            number = getattr(member, "id_number", "")  # the form's, never a column
            if number:
                member.id_number_hash = lookup_hash(number)
                member.id_number = ""
        super().on_model_change(form, model, is_created)

    def saved_message(self, form, model, is_created: bool) -> str:
        return (f"已保存抽取申请“{model}”（草稿）：核对无误后在申请页点“提交申请”，由市科技局审批后抽取；"
                "提交前仍可修改。")

    # The request's own page: everything that happens to it is offered here, each step posting its form.
    @expose("/manage/")
    def manage_view(self):
        return self._page(self.get_one(request.args.get("id")))

    def _page(self, req: DrawRequest, posted=None, status: int = 200):
        role = user_role()
        sealed = not names_visible(req.status, role)
        invitations = [] if sealed else db.session.scalars(
            select(Invitation).where(Invitation.request_id == req.id).order_by(Invitation.position)).all()
        if role == "bureau" and req.records:
            audit.record("draw_names_viewed", req, request_id=req.id)
            db.session.commit()
        current = draw_requests.conditions_of(req)
        proposed = json.loads(req.proposed_conditions) if req.proposed_conditions else None
        forms = {"decide": DecideForm(formdata=None), "draw": DrawForm(formdata=None),
                 "supplement": SupplementForm(formdata=None, data=proposed or current),
                 "propose": ConditionsForm(formdata=None, data=current),
                 "confirm": ConfirmForm(formdata=None),
                 "special": SpecialForm(formdata=None), "spot_check": {}, "attendance": {}, "phone": {}}
        for inv in invitations:
            forms["phone"][inv.id] = PhoneAnswerForm(formdata=None, invitation_id=inv.id, called_at=local_now())
            forms["spot_check"][inv.id] = SpotCheckForm(formdata=None, invitation_id=inv.id, note=inv.spot_check)
            forms["attendance"][inv.id] = AttendanceForm(
                formdata=None, invitation_id=inv.id, attendance=inv.attendance, absence_reason=inv.absence_reason,
                rating=inv.rating, comments=inv.comments, fee=inv.fee)
        if posted is not None:  # the refused form comes back as typed, with its messages
            kind = {DecideForm: "decide", DrawForm: "draw", SupplementForm: "supplement", ConditionsForm: "propose",
                    SpecialForm: "special", SpotCheckForm: "spot_check", AttendanceForm: "attendance",
                    PhoneAnswerForm: "phone"}.get(type(posted))
            if kind in ("spot_check", "attendance", "phone"):
                forms[kind][parse_id(posted.invitation_id.data)] = posted
            elif kind:
                forms[kind] = posted
        actions = allowed_actions(req.status, role)
        share = draws.avoidance_share(req) if "approve" in actions else None
        # §17: how large the pool is now, where the bureau is about to approve or draw.
        # §12: a special expert is approved against what the library could supply, so the pool shows there too.
        deciding_special = "decide_special" in actions and any(sp.status == "proposed" for sp in req.special_experts)
        places = req.need if req.status in ("submitted", "approved") else draws.open_places(req)
        drawing = {"approve", "draw"} & set(actions) or ("supplement" in actions and places)
        pool_size = len(draws.split_pool(req)[0]) if deciding_special or drawing else None
        ratio = current_app.config["DRAW_MIN_POOL_RATIO"]
        return self.render(
            "admin/draw_manage.html", req=req, role=role, sealed=sealed, invitations=invitations, forms=forms,
            actions=actions, share=share, warning_share=AVOIDANCE_WARNING_SHARE, pool_size=pool_size,
            small_pool=pool_size is not None and draws.small_pool(pool_size, max(places, 1), ratio), ratio=ratio,
            places=places, proposed=proposed,
            states=STATES, types=ACTIVITY_TYPES, inv_states=INVITATION_STATES, inv_roles=INVITATION_ROLES,
            attendance=ATTENDANCE, special_states=SPECIAL_STATES, regions=REGIONS, titles=TITLE_LEVELS,
            expert_types=EXPERT_TYPES, mask=mask_mobile, now=local_now(), utc_now=utcnow(), open_places=draws.open_places(req),
            may_export=lambda kind: may_export(kind, req.status, role),
            to_phone=set(db.session.scalars(select(OutboxMessage.invitation_id).where(
                OutboxMessage.invitation_id.in_([i.id for i in invitations]),
                OutboxMessage.status == "phone_pending")))), status

    def _step(self, form_class, apply, done_message=None):
        """One step of the request: check its form and apply it, then say what happened (`done_message`,
        or what `apply` returns); a refused step shows the page again, as typed, with the reason.
        `apply` is an operation taking (request, user), or a function of (request, form)."""
        req = self.get_one(request.args.get("id"))
        form = form_class()
        outcome = []
        act = (lambda: apply(req, current_user)) if done_message else (lambda: apply(req, form))
        done, error = apply_form(form, lambda: outcome.append(act()))
        if done:
            said = done_message or outcome[0]
            flash(*(said if isinstance(said, tuple) else (said, "success")))
            return redirect(url_for(".manage_view", id=req.id))
        flash(error or "未办理，请按提示修改标红的内容。", "error")
        return self._page(req, posted=form, status=400)

    @expose("/submit/", methods=("POST",))
    def submit_view(self):
        return self._step(ConfirmForm, draw_requests.submit_request, "已提交申请，待市科技局审批。")

    @expose("/decide/", methods=("POST",))
    def decide_view(self):
        def apply(req, form):
            approve = form.decision.data == "approve"
            draw_requests.decide_request(req, current_user, approve, form.reason.data or "")
            return "已批准，可进行随机抽取。" if approve else "已不予批准，理由已告知使用单位。"
        return self._step(DecideForm, apply)

    @expose("/draw/", methods=("POST",))
    def draw_view(self):
        """The first draw of an approved request."""
        return self._step(DrawForm, lambda req, form: self._drawn(draw_requests.draw(
            req, current_user, pool_reason=form.pool_reason.data or "")))

    @expose("/supplement/", methods=("POST",))
    def supplement_view(self):
        """A supplementary draw for the places still open, on the conditions shown — revised or not (§12)."""
        return self._step(SupplementForm, lambda req, form: self._drawn(draw_requests.draw(
            req, current_user, reason=form.reason.data, pool_reason=form.pool_reason.data or "",
            conditions=form.conditions())))

    @expose("/propose/", methods=("POST",))
    def propose_view(self):
        """The usage unit proposes revised conditions for a supplementary draw; the bureau decides."""
        def apply(req, form):
            draw_requests.propose_conditions(req, current_user, form.conditions(), form.reason.data)
            return "已提出调整抽取条件，待市科技局审核并补充抽取。"
        return self._step(ConditionsForm, apply)

    @expose("/release/", methods=("POST",))
    def release_view(self):
        return self._step(ConfirmForm, draw_requests.release, "已向使用单位公布名单。")

    @staticmethod
    def _drawn(record: DrawRecord) -> tuple[str, str]:
        """What the draw did, and what comes next (a draw that found nobody, or too few, is said as such)."""
        selected, backups = record.ids("selected"), record.ids("backup_ids")
        if not selected:
            return (f"未抽到任何专家：候选库中符合条件且无回避的专家 {record.pool_size} 人，均不可抽取或已抽取过。"
                    "请调整抽取条件后补充抽取。", "warning")
        deadline = db.session.scalar(select(Invitation.deadline).where(Invitation.record_id == record.id,
                                                                       Invitation.status == "invited").limit(1))
        text = (f"已抽取 {len(selected)} 人、备选 {len(backups)} 人，已向 {len(selected)} 人发出邀请"
                + (f"，答复期限 {format_datetime(deadline)}" if deadline else "") + "。")
        if record.shortfall:
            return text + f"候选库不足，尚缺 {record.shortfall} 人：可调整抽取条件后补充抽取。", "warning"
        return text, "success"

    @expose("/special/", methods=("POST",))
    def special_view(self):
        def apply(req, form):
            special = get_by_id(SpecialExpert, form.special_id.data)
            if special is None or special.request_id != req.id:
                raise InvalidInput("找不到该特邀专家建议")
            draw_requests.decide_special(special, current_user, form.decision.data == "approve")
            return f"特邀专家 {special.name}：{SPECIAL_STATES[special.status]}" + (
                "，已发出邀请（同抽取专家一样答复、记录出席与劳务费）。" if special.status == "approved" else "。")
        return self._step(SpecialForm, apply)

    def _invitation(self, req: DrawRequest, form) -> Invitation:
        inv = get_by_id(Invitation, form.invitation_id.data)
        if inv is None or inv.request_id != req.id:
            raise InvalidInput("找不到该专家的受聘记录")
        return inv

    @expose("/phone/", methods=("POST",))
    def phone_view(self):
        """An answer the bureau took by telephone, with who called, when and what was said."""
        def apply(req, form):
            inv = self._invitation(req, form)
            result = record_phone_answer(inv, current_user, form.answer.data, form.called_at.data, form.note.data)
            return f"已记录 {inv.person.name} 的电话答复：{INVITATION_STATES[result]}。"
        return self._step(PhoneAnswerForm, apply)

    @expose("/spot-check/", methods=("POST",))
    def spot_check_view(self):
        def apply(req, form):
            inv = self._invitation(req, form)
            draw_requests.spot_check(inv, current_user, form.note.data or "")
            return f"已记录对 {inv.person.name} 的抽查评价。"
        return self._step(SpotCheckForm, apply)

    @expose("/attendance/", methods=("POST",))
    def attendance_view(self):
        def apply(req, form):
            inv = self._invitation(req, form)
            draw_requests.record_attendance(
                inv, current_user, attendance=form.attendance.data, reason=form.absence_reason.data or "",
                rating=form.rating.data, comments=form.comments.data or "", fee=form.fee.data)
            return f"已记录 {inv.person.name} 的出席情况。"
        return self._step(AttendanceForm, apply)

    @expose("/export/<kind>")
    def export_view(self, kind):
        """专家抽取结果 (usage unit after release; bureau) or 专家抽取记录表 (bureau, supervisor)."""
        from operations.exports import draw_sheet_export

        req = self.get_one(request.args.get("id"))
        if kind not in ("result", "record"):
            abort(404)
        if not may_export(kind, req.status, user_role()) or not req.records:
            abort(403)
        content, filename = draw_sheet_export(req, current_user, kind)
        db.session.commit()
        return send_download(content, filename)


class DrawRecordView(RoleView):
    """抽取记录: read-only for everyone; the supervisor replays any of them."""

    # Permissions
    roles = frozenset({"bureau", "supervisor"})
    page_roles = {"record_view": roles}

    # View
    column_list = ["id", "request", "kind", "pool_size", "created_at", "operator"]
    column_labels = {"id": "记录号", "request": "抽取申请", "kind": "类别", "pool_size": "候选库人数",
                     "created_at": "抽取时间", "operator": "操作人"}
    column_choices = {"kind": [("initial", "首次抽取"), ("supplement", "补充抽取")]}
    column_formatters = {"created_at": lambda v, c, m, n: format_datetime(m.created_at, "long")}
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
                           algorithm_names=ALGORITHM_NAMES,
                           counts=json.loads(record.exclusion_counts), names=names, reasons=EXCLUSION_REASONS,
                           conditions=json.loads(record.conditions), titles=TITLE_LEVELS, regions=REGIONS,
                           previous_conditions=json.loads(db.session.get(DrawRecord, record.parent_id).conditions)
                           if record.parent_id else None,
                           expert_types=EXPERT_TYPES)
