"""The expert record in the back office, scoped to each reviewer's unit or department."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_admin.form import rules as form_layout
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import ValidationError
from wtforms.fields import DateField, MonthField, SelectField, StringField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import InputRequired, Length, Optional

from admin_views.base import RoleView, user_role
from forms.fields import CodeListField
from forms.validators import IntRange, NotFuture, RuleCheck, id_number_check
from models import Discipline, Expert, ExpertAvoidance, ExpertFile, Organization, ReferenceItem, db
from models.experts import ADMISSION_ROUTES, EXPERT_STATUSES
from operations import admission, audit
from operations.experts import eligibility_of
from operations.scope import expert_scope, organization_scope
from rules import InvalidInput
from rules.credit_code import validate_credit_code
from rules.contact import validate_bank_account, validate_email, validate_mobile, validate_office_phone
from rules.eligibility import EXPERT_TYPES, PRIORITY_CATEGORIES, TITLE_LEVELS
from rules.admission import ACTIONS, allowed_actions
from rules.idcard import ID_TYPES, parse_resident_id
from rules.masking import mask_bank_account, mask_id_number, mask_mobile, may_see
from web.filters import local_dt
from web.inputs import parse_id, parse_ids

TITLE_CHOICES = [(code, label) for code, (label, _rank) in TITLE_LEVELS.items()]

# Which statuses each reviewing role may still correct in place (later edits are change requests).
EDITABLE_STATUSES = {
    "bureau": set(EXPERT_STATUSES) - {"exited"},
    "unit": {"pending_unit"},
    "dept": {"pending_dept"},
}


def _college_check(form, field):
    if field.data and form.organization.data and field.data.organization_id != form.organization.data.id:
        raise ValidationError("所选院系不属于所选工作单位")


class DisciplineCodeFilter(BaseSQLAFilter):
    """主学科代码 starting with what is typed: a first-level code takes in all its sub-disciplines.

    A sub-query on the small discipline table rather than Flask-Admin's outer join, so the
    database can start from the discipline index instead of scanning every expert.
    """

    def apply(self, query, value, alias=None):
        wanted = select(Discipline.id).where(Discipline.code.startswith(value.strip(), autoescape=True))
        return query.filter(Expert.primary_discipline_id.in_(wanted))

    def operation(self):
        return "开头为"


def _status_formatter(view, context, model, name):
    return EXPERT_STATUSES.get(model.status, model.status)


MASKS = {"id_number": mask_id_number, "mobile": mask_mobile, "bank_account": mask_bank_account}


def _secret(field: str, mask):
    """Masked on the details page; a "显示" button where the role may see it, and revealing is audited."""
    def formatter(view, context, model, name):
        value = getattr(model, field) or ""
        if field in g.get("revealed", ()):
            return value
        if not value or not may_see(user_role(), field):
            return mask(value)
        return Markup('{} <form method="post" action="{}" class="d-inline ml-2">'
                      '<input type="hidden" name="csrf_token" value="{}">'
                      '<button class="btn btn-link btn-sm p-0">显示完整号码</button></form>').format(
            mask(value), url_for(".reveal_view", id=model.id, field=field), generate_csrf())
    return formatter


class ExpertView(RoleView):
    """Experts: the bureau sees all; unit and department reviewers only those under them."""

    # Permissions
    roles = frozenset({"bureau", "unit", "dept", "leader"})
    create_roles = frozenset({"bureau"})
    edit_roles = frozenset({"bureau", "unit", "dept"})
    details_roles = frozenset({"bureau", "unit", "dept"})
    delete_roles = frozenset()  # experts leave by exit (出库), never by deletion

    # View
    column_list = ["name", "organization", "primary_discipline", "title_level", "expert_type",
                   "id_number", "mobile", "status", "updated_at"]
    # Not the personal numbers: ID numbers are ciphertext in the database, and sorting by phone helps nobody.
    column_sortable_list = ["name", "title_level", "expert_type", "status", "updated_at"]
    column_labels = {
        "name": "专家姓名", "id_type": "证件类型", "id_number": "证件号码", "birth_month": "出生年月",
        "title_level": "职称级别", "position": "职务", "education": "学历", "degree": "学位",
        "mobile": "移动电话", "office_phone": "办公电话", "email": "电子邮箱",
        "bank_name": "开户银行", "bank_account": "银行账号", "organization": "工作单位",
        "college": "院系", "expert_type": "专家类型",
        "basic_condition_declared": "从事相关专业领域工作累计5年及以上，具有副高级（含）以上职称或同等专业技术水平",
        "equivalent_level": "具有同等专业技术水平（无副高级以上职称时）",
        "years_in_field": "从事本领域年限", "primary_discipline": "主学科",
        "secondary_disciplines": "其他学科", "priority_categories": "符合的优先入库条件",
        "provincial_library": "浙江省科技专家库专家", "research_keywords": "研究方向（关键词）",
        "bad_record": "有学术道德、科技信用或违纪违法不良记录",
        "title_name": "职称名称", "title_issued_on": "发证时间", "title_certificate": "职称证书",
        "stamped_form": "盖章的专家信息表", "status": "状态", "admission_route": "入库方式",
        "admitted_on": "入库日期", "updated_at": "更新时间", "created_at": "创建时间",
        "avoidances": "声明的回避", "sex": "性别", "birth_date": "出生日期",
        "organization.name": "工作单位", "eligibility": "入库条件核查", "primary_discipline.code": "学科代码",
    }
    column_searchable_list = ["name"]
    column_filters = ["status", "title_level", "expert_type", "organization.name",
                      DisciplineCodeFilter(Expert.primary_discipline_id, "主学科代码"), "admission_route"]
    column_default_sort = ("updated_at", True)
    column_select_related_list = [Expert.organization, Expert.primary_discipline]
    column_formatters = {
        "status": _status_formatter,
        "title_level": lambda v, c, m, n: TITLE_LEVELS.get(m.title_level, ("", 0))[0],
        "expert_type": lambda v, c, m, n: EXPERT_TYPES.get(m.expert_type, ""),
        "id_number": lambda v, c, m, n: mask_id_number(m.id_number),
        "mobile": lambda v, c, m, n: mask_mobile(m.mobile),
        "updated_at": lambda v, c, m, n: local_dt(m.updated_at),
    }
    column_formatters_detail = {
        "status": _status_formatter,
        "title_level": lambda v, c, m, n: TITLE_LEVELS.get(m.title_level, ("", 0))[0],
        "expert_type": lambda v, c, m, n: EXPERT_TYPES.get(m.expert_type, ""),
        "id_type": lambda v, c, m, n: ID_TYPES.get(m.id_type, ""),
        "priority_categories": lambda v, c, m, n: "；".join(m.priority_labels) or "无",
        "birth_month": lambda v, c, m, n: m.birth_month.strftime("%Y年%m月") if m.birth_month else "",
        "eligibility": lambda v, c, m, n: eligibility_of(m).summary(),
        "id_number": _secret("id_number", mask_id_number),
        "mobile": _secret("mobile", mask_mobile),
        "bank_account": _secret("bank_account", mask_bank_account),
    }
    column_details_list = [
        "eligibility", "name", "id_type", "id_number", "birth_month", "sex", "title_level", "position",
        "education", "degree", "mobile", "office_phone", "email", "bank_name", "bank_account",
        "organization", "college", "expert_type", "basic_condition_declared", "years_in_field",
        "primary_discipline", "secondary_disciplines", "priority_categories",
        "provincial_library", "research_keywords", "bad_record", "title_name",
        "title_issued_on", "title_certificate", "stamped_form", "status", "admission_route",
        "admitted_on", "created_at", "updated_at",
    ]

    column_extra_row_actions = [EndpointLinkRowAction("fa fa-check-square", ".review_view", title="审核")]
    list_template = "admin/expert_list.html"
    inline_models = [(ExpertAvoidance, {
        "form_columns": ["id", "kind", "name", "credit_code", "reason"],
        "form_choices": {"kind": [("unit", "单位"), ("person", "个人")]},
        "column_labels": {"kind": "类别", "name": "单位或个人名称", "credit_code": "统一社会信用代码（单位）",
                          "reason": "回避理由"},
        "form_args": {"credit_code": {"validators": [Optional(), RuleCheck(validate_credit_code)]}},
    })]

    # Form: the sections of attachment 1; status fields are never here, only actions change them.
    form_columns = [
        "name", "id_type", "id_number", "birth_month", "title_level", "position", "education",
        "degree", "mobile", "office_phone", "email", "bank_name", "bank_account",
        "organization", "college",
        "expert_type", "basic_condition_declared", "equivalent_level", "years_in_field",
        "primary_discipline", "secondary_disciplines", "priority_categories",
        "provincial_library", "research_keywords", "bad_record",
        "title_name", "title_issued_on", "avoidances",
    ]
    form_rules = [
        form_layout.FieldSet(["name", "id_type", "id_number", "birth_month", "title_level", "position",
                              "education", "degree", "mobile", "office_phone", "email",
                              "bank_name", "bank_account"], "一、基本信息"),
        form_layout.FieldSet(["organization", "college"], "二、工作单位"),
        form_layout.FieldSet(["expert_type", "basic_condition_declared", "equivalent_level",
                              "years_in_field", "primary_discipline", "secondary_disciplines",
                              "priority_categories", "provincial_library", "research_keywords",
                              "bad_record"], "三、学术信息"),
        form_layout.FieldSet(["title_name", "title_issued_on"], "四、职称信息"),
        form_layout.FieldSet(["avoidances"], "五、声明的回避（亲属所在单位等）"),
    ]
    form_overrides = {
        "id_number": StringField,  # encrypted columns: Flask-Admin cannot guess a field for their type
        "bank_account": StringField,
        "id_type": SelectField,
        "title_level": SelectField,
        "expert_type": SelectField,
        "birth_month": MonthField,
        "title_issued_on": DateField,
        "priority_categories": CodeListField,
    }
    form_args = {
        "name": {"validators": [InputRequired("请填写专家姓名"), Length(max=50, message="姓名不超过50个字")]},
        "id_type": {"choices": list(ID_TYPES.items())},
        "id_number": {"validators": [InputRequired("请填写证件号码"), id_number_check]},
        "birth_month": {"validators": [InputRequired("请填写出生年月（如 1975-06）"), NotFuture("出生年月")]},
        "title_level": {"choices": TITLE_CHOICES},
        "expert_type": {"choices": list(EXPERT_TYPES.items())},
        "mobile": {"validators": [InputRequired("请填写移动电话"), RuleCheck(validate_mobile)]},
        "office_phone": {"validators": [Optional(), RuleCheck(validate_office_phone)]},
        "email": {"validators": [InputRequired("请填写电子邮箱"), RuleCheck(validate_email)]},
        "bank_account": {"validators": [Optional(), RuleCheck(validate_bank_account)]},
        "years_in_field": {"validators": [Optional(), IntRange(0, 80, "年限应在0到80之间")]},
        "priority_categories": {"choices": list(PRIORITY_CATEGORIES.items()),
                                "validators": [Optional()],
                                "widget": ListWidget(prefix_label=False),
                                "option_widget": CheckboxInput()},
        "title_issued_on": {"validators": [Optional(), NotFuture("发证时间")]},
        "education": {"query_factory": lambda: ReferenceItem.of_kind("education"), "blank_text": "（未填）"},
        "degree": {"query_factory": lambda: ReferenceItem.of_kind("degree"), "blank_text": "（未填）"},
        "organization": {"query_factory": lambda: db.session.scalars(
            select(Organization).where(organization_scope(current_user)).order_by(Organization.name)).all(),
            "validators": [InputRequired("请选择工作单位")]},
        "college": {"validators": [_college_check], "blank_text": "（无，非高校）"},
        "primary_discipline": {"query_factory": lambda: db.session.scalars(
            select(Discipline).order_by(Discipline.code)).all(),
            "validators": [InputRequired("请选择主学科")]},
        "secondary_disciplines": {"query_factory": lambda: db.session.scalars(
            select(Discipline).order_by(Discipline.code)).all()},
    }

    # Row scoping: list, count and single-record reads all go through the same clause.
    def get_query(self):
        return super().get_query().where(expert_scope(current_user))

    def get_count_query(self):
        return db.session.query(func.count(Expert.id)).filter(expert_scope(current_user))

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Every word typed must be in the name. Chinese names have no case, so a plain LIKE does;
        only a word with Latin letters pays for lower() on every row (a third of the scan on PostgreSQL)."""
        for word in search.split():
            if any(c.isascii() and c.isalpha() for c in word):
                clause = func.lower(Expert.name).contains(word.lower(), autoescape=True)
            else:
                clause = Expert.name.contains(word, autoescape=True)
            query = query.filter(clause)
            count_query = count_query.filter(clause) if count_query is not None else None
        return query, count_query, joins, count_joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """The page's ids first, then only those rows: one query walking to page 4,000 would join
        (and load) every row it skips; the id walk runs on the sort column's index alone."""
        count, query = super().get_list(page, sort_column, sort_desc, search, filters, execute=False,
                                        page_size=page_size)
        if not execute:
            return count, query
        ids = [row.id for row in query.with_entities(Expert.id)]
        rows = {e.id: e for e in db.session.query(Expert).options(
            joinedload(Expert.organization), joinedload(Expert.primary_discipline)).filter(Expert.id.in_(ids))}
        return count, [rows[i] for i in ids if i in rows]

    def get_one(self, id):
        key = parse_id(id)
        if key is None:
            abort(404)
        expert = db.session.scalars(
            select(Expert).where(Expert.id == key, expert_scope(current_user))
        ).first()
        if expert is None:
            abort(404)
        return expert

    # Reading a record is audited (design: every view of an expert's record).
    @expose("/details/")
    def details_view(self):
        expert = self.get_one(request.args.get("id"))
        if not g.get("revealed"):
            audit.record("view_expert", expert, page="details")
            db.session.commit()
        return super().details_view()

    @expose("/reveal/", methods=("POST",))
    def reveal_view(self):
        """Show one personal number in full, for a role allowed to see it; the reveal is audited."""
        field = request.args.get("field", "")
        if field not in MASKS or not may_see(user_role(), field):
            abort(403)
        expert = self.get_one(request.args.get("id"))
        audit.record("reveal", expert, field=field)
        db.session.commit()
        g.revealed = {field}
        return super().details_view()

    # The edit form never carries a number the role may not see: it shows the mask, read-only,
    # and the stored value is put back before validation and saving.
    def _hidden_numbers(self) -> list[str]:
        return [f for f in ("id_number", "bank_account") if not may_see(user_role(), f)]

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        for name in self._hidden_numbers():
            field = getattr(form, name, None)
            if field is not None:
                field.data = MASKS[name](getattr(obj, name))
                field.render_kw = {"readonly": True}
                field.description = "仅市科技局可查看和修改"
        return form

    def validate_form(self, form):
        hidden = self._hidden_numbers() if getattr(form, "_obj", None) is not None else []
        for name in hidden:
            if hasattr(form, name):
                getattr(form, name).data = getattr(form._obj, name)
        ok = super().validate_form(form)
        if not ok:  # the form is shown again: masked once more
            for name in hidden:
                if hasattr(form, name):
                    getattr(form, name).data = MASKS[name](getattr(form._obj, name))
        return ok

    # Hooks
    def on_form_prefill(self, form, id):
        expert = self.get_one(id)
        if expert.status not in EDITABLE_STATUSES.get(user_role(), set()):
            abort(403)
        if request.method == "GET":
            audit.record("view_expert", expert, page="edit")
            db.session.commit()

    def on_model_change(self, form, model, is_created):
        if not is_created and model.status not in EDITABLE_STATUSES.get(user_role(), set()):
            raise ValidationError("当前状态下您不能直接修改该专家的信息")
        if model.id_type == "resident":
            parsed = parse_resident_id(model.id_number)
            model.birth_date, model.sex = parsed.birth_date, parsed.sex
        else:
            model.birth_date = None
        super().on_model_change(form, model, is_created)

    # Actions: the review chain. Each row goes through operations.admission, which asks rules/.
    def is_action_allowed(self, name):
        allowed = {"endorse": {"unit", "dept", "bureau"}, "publicize": {"bureau"},
                   "admit": {"bureau"}}
        return user_role() in allowed.get(name, set()) and super().is_action_allowed(name)

    def _selected(self, ids) -> list[Expert] | None:
        """The ticked rows in scope; None (and a message, nothing done) if any posted id is not an id."""
        keys = parse_ids(ids)
        if keys is None:
            flash("所选记录无效，请刷新列表后重新勾选。", "error")
            return None
        return self.get_query().where(Expert.id.in_(keys)).all()

    def _bulk(self, ids, apply, done_label):
        done, failed = 0, []
        for expert in self._selected(ids) or []:
            try:
                with db.session.begin_nested():
                    apply(expert)
                done += 1
            except InvalidInput as e:
                failed.append(f"{expert.name}：{e}")
        db.session.commit()
        if done:
            flash(f"已{done_label} {done} 人。", "success")
        for message in failed:
            flash(message, "error")

    @action("endorse", "推荐", "确认推荐所选专家？")
    def action_endorse(self, ids):
        self._bulk(ids, lambda e: admission.transition(e, "endorse", current_user), "推荐")

    @action("publicize", "公示（7天）", "确认将所选专家列入公示？公示期7天。")
    def action_publicize(self, ids):
        experts = self._selected(ids)
        if experts is None:
            return
        batch, errors = admission.publicize(experts, current_user)
        db.session.commit()
        count = len(experts) - len(errors)
        if count:
            flash(f"已将 {count} 人列入公示（{batch}）。", "success")
        for message in errors:
            flash(message, "error")

    @action("admit", "公示期满入库", "确认将公示期满且无异议的所选专家入库？")
    def action_admit(self, ids):
        self._bulk(ids, lambda e: admission.admit_after_publicity(e, current_user), "入库")

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self):
        """One application: the record, eligibility, objections, timeline, and the reviewer's decision."""
        expert = self.get_one(request.args.get("id"))
        role = user_role()
        bureau_as_dept = admission.bureau_is_department(expert)
        as_unit = role == "bureau" and expert.status == "pending_unit" and admission.bureau_is_unit(expert)
        choices = [a for a in allowed_actions(expert.status, role, route=expert.admission_route,
                                              bureau_is_department=bureau_as_dept, bureau_is_unit=as_unit)
                   if a in ("endorse", "return", "reject", "publicize", "confirm")]
        error = None
        if request.method == "POST":
            chosen = request.form.get("decision", "")
            try:
                if chosen not in choices:
                    raise InvalidInput("请选择一项您可以执行的操作")
                if chosen == "publicize":
                    _batch, errors = admission.publicize([expert], current_user,
                                                         override=request.form.get("override", ""))
                    if errors:
                        raise InvalidInput(errors[0].split("：", 1)[1])
                else:
                    admission.transition(expert, chosen, current_user,
                                         reason=request.form.get("reason", ""),
                                         override=request.form.get("override", ""))
                db.session.commit()
                flash(f"已{ACTIONS[chosen]}：{expert.name}（当前状态：{expert.status_label}）", "success")
                return redirect(url_for(".review_view", id=expert.id))
            except InvalidInput as e:
                db.session.rollback()
                error = str(e)
                expert = self.get_one(request.args.get("id"))
        from models import Objection

        objections = db.session.scalars(select(Objection).where(Objection.expert_id == expert.id)
                                        .order_by(Objection.created_at)).all()
        if request.method == "GET":
            audit.record("view_expert", expert, page="review")
            db.session.commit()
        return self.render("admin/expert_review.html", expert=expert, choices=choices,
                           actions=ACTIONS, error=error, form_values=request.form,
                           report=eligibility_of(expert), events=admission.timeline(expert),
                           objections=objections, bureau_as_dept=bureau_as_dept,
                           statuses=EXPERT_STATUSES, routes=ADMISSION_ROUTES,
                           proofs=db.session.scalars(select(ExpertFile).where(ExpertFile.expert_id == expert.id)).all(),
                           proof_kinds={"priority_proof": "优先入库条件证明", "provincial_proof": "省库专家资格证明"})

    @expose("/form.xlsx")
    def form_xlsx_view(self):
        """The 专家信息表 of an expert in scope, for the unit to print and stamp."""
        from operations.exports import expert_form_response

        return expert_form_response(self.get_one(request.args.get("id")), current_user)

    @expose("/invite/", methods=("GET", "POST"))
    def invite_view(self):
        """邀请入库: create the expert's account; they complete the form; the bureau confirms."""
        from web.portal import RegisterForm

        form = RegisterForm()
        if form.validate_on_submit():
            expert = admission.invite(current_user, name=form.name.data, username=form.username.data,
                                      password=form.password.data, mobile=form.mobile.data,
                                      email=form.email.data)
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
        from rules.lifecycle import EXIT_REASONS

        expert = self.get_one(request.args.get("id"))
        if request.method == "POST":
            try:
                storage = request.files.get("evidence_file")
                file_id = store_upload(storage, current_user).id if storage and storage.filename else None
                exit_expert(expert, request.form.get("reason", ""), current_user,
                            evidence=request.form.get("evidence", ""), file_id=file_id)
                db.session.commit()
                flash(f"{expert.name} 已出库。", "success")
                return redirect(url_for(".review_view", id=expert.id))
            except InvalidInput as e:
                db.session.rollback()
                flash(str(e), "error")
                expert = self.get_one(request.args.get("id"))
        return self.render("admin/expert_exit.html", expert=expert, reasons=EXIT_REASONS, form_values=request.form)

    @expose("/roster.xlsx")
    def roster_view(self):
        """The list as it is filtered now, as a printable roster (masked by role, audited)."""
        from operations.rosters import roster_response

        view_args = self._get_list_extra_args()
        sort_column = self._get_column_by_idx(view_args.sort)
        sort_field = sort_column[0] if sort_column is not None else None
        _count, query = self.get_list(0, sort_field, view_args.sort_desc, view_args.search, view_args.filters,
                                      execute=False, page_size=0)  # 0: no page limit
        parts = []
        if view_args.search:
            parts.append(f"搜索“{view_args.search}”")
        for index, _name, value in view_args.filters or []:
            flt = self._filters[index]
            parts.append(f"{flt.name}{flt.operation()}“{value}”")
        return roster_response(query, current_user, "；".join(parts) or "全部（本人管理范围内）")
