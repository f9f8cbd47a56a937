"""The expert record in the back office, scoped to each reviewer's unit or department."""
from __future__ import annotations

from flask import abort
from flask_admin.form import rules as form_layout
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import ValidationError
from wtforms.fields import DateField, MonthField, SelectField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from admin_views.base import RoleView, user_role
from forms.fields import CodeListField
from forms.validators import NotFuture, RuleCheck
from models import Discipline, Expert, Organization, ReferenceItem, db
from models.experts import EXPERT_STATUSES
from operations.experts import eligibility_of
from operations.scope import expert_scope, organization_scope
from rules import InvalidInput
from rules.contact import validate_bank_account, validate_email, validate_mobile, validate_office_phone
from rules.eligibility import EXPERT_TYPES, PRIORITY_CATEGORIES, TITLE_LEVELS
from rules.idcard import ID_TYPES, check_birth_month, parse_resident_id, validate_id_number
from rules.masking import mask_id_number, mask_mobile
from web.filters import local_dt

TITLE_CHOICES = [(code, label) for code, (label, _rank) in TITLE_LEVELS.items()]

# Which statuses each reviewing role may still correct in place (later edits are change requests).
EDITABLE_STATUSES = {
    "bureau": set(EXPERT_STATUSES) - {"exited"},
    "unit": {"pending_unit"},
    "dept": {"pending_dept"},
}


def _id_number_check(form, field):
    """The number suits its type, agrees with the birth month, and is not already registered."""
    if not field.data:
        return
    id_type = form.id_type.data
    try:
        field.data = validate_id_number(id_type, field.data)
        if form.birth_month.data:
            check_birth_month(id_type, field.data, form.birth_month.data)
    except InvalidInput as e:
        raise ValidationError(str(e)) from None
    clash = select(Expert.id).where(Expert.id_type == id_type, Expert.id_number == field.data)
    own = getattr(form, "_obj", None)
    if own is not None and own.id is not None:
        clash = clash.where(Expert.id != own.id)
    if db.session.scalar(clash) is not None:
        raise ValidationError("该证件号码已登记在库，请勿重复录入")


def _college_check(form, field):
    if field.data and form.organization.data and field.data.organization_id != form.organization.data.id:
        raise ValidationError("所选院系不属于所选工作单位")


def _status_formatter(view, context, model, name):
    return EXPERT_STATUSES.get(model.status, model.status)


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
                      "primary_discipline.code", "admission_route"]
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

    # Form: the sections of attachment 1; status fields are never here, only actions change them.
    form_columns = [
        "name", "id_type", "id_number", "birth_month", "title_level", "position", "education",
        "degree", "mobile", "office_phone", "email", "bank_name", "bank_account",
        "organization", "college",
        "expert_type", "basic_condition_declared", "equivalent_level", "years_in_field",
        "primary_discipline", "secondary_disciplines", "priority_categories",
        "provincial_library", "research_keywords", "bad_record",
        "title_name", "title_issued_on",
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
    ]
    form_overrides = {
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
        "id_number": {"validators": [InputRequired("请填写证件号码"), _id_number_check]},
        "birth_month": {"validators": [InputRequired("请填写出生年月（如 1975-06）"), NotFuture("出生年月")]},
        "title_level": {"choices": TITLE_CHOICES},
        "expert_type": {"choices": list(EXPERT_TYPES.items())},
        "mobile": {"validators": [InputRequired("请填写移动电话"), RuleCheck(validate_mobile)]},
        "office_phone": {"validators": [Optional(), RuleCheck(validate_office_phone)]},
        "email": {"validators": [InputRequired("请填写电子邮箱"), RuleCheck(validate_email)]},
        "bank_account": {"validators": [Optional(), RuleCheck(validate_bank_account)]},
        "years_in_field": {"validators": [Optional(), NumberRange(0, 80, "年限应在0到80之间")]},
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

    def get_one(self, id):
        try:
            key = int(id)
        except (TypeError, ValueError):
            abort(404)
        expert = db.session.scalars(
            select(Expert).where(Expert.id == key, expert_scope(current_user))
        ).first()
        if expert is None:
            abort(404)
        return expert

    # Hooks
    def on_form_prefill(self, form, id):
        expert = self.get_one(id)
        if expert.status not in EDITABLE_STATUSES.get(user_role(), set()):
            abort(403)

    def on_model_change(self, form, model, is_created):
        if not is_created and model.status not in EDITABLE_STATUSES.get(user_role(), set()):
            raise ValidationError("当前状态下您不能直接修改该专家的信息")
        if model.id_type == "resident":
            parsed = parse_resident_id(model.id_number)
            model.birth_date, model.sex = parsed.birth_date, parsed.sex
        else:
            model.birth_date = None
        super().on_model_change(form, model, is_created)
