"""The expert's own profile form (the 专家信息表), in the sections of attachment 1."""
from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (BooleanField, DateField, IntegerField, MonthField, SelectField,
                     SelectMultipleField, StringField)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from forms.validators import IntRange, NotFuture, RuleCheck, id_number_check
from models import College, Discipline, Organization, ReferenceItem, db
from rules.contact import validate_bank_account, validate_email, validate_mobile, validate_office_phone
from rules.credit_code import validate_credit_code
from rules.eligibility import EXPERT_TYPES, PRIORITY_CATEGORIES, TITLE_LEVELS
from rules.idcard import ID_TYPES
from web.inputs import get_by_id

BLANK = [("", "（请选择）")]

SECTIONS = [
    ("一、基本信息", ["name", "id_type", "id_number", "birth_month", "title_level", "position",
                  "education", "degree", "mobile", "office_phone", "email", "bank_name", "bank_account"]),
    ("二、工作单位", ["organization_name", "new_org_credit_code", "new_org_in_shaoxing", "college"]),
    ("三、学术信息", ["expert_type", "basic_condition_declared", "equivalent_level", "years_in_field",
                  "primary_discipline", "secondary_disciplines", "priority_categories",
                  "provincial_library", "research_keywords"]),
    ("四、职称信息", ["title_name", "title_issued_on"]),
]


class ProfileForm(FlaskForm):
    """Every field is optional for a draft; submitting checks completeness separately."""

    name = StringField("专家姓名", [Optional(), Length(max=50, message="姓名不超过50个字")])
    id_type = SelectField("证件类型", choices=list(ID_TYPES.items()), default="resident")
    id_number = StringField("证件号码", [Optional(), id_number_check])
    birth_month = MonthField("出生年月", [Optional(), NotFuture("出生年月")],
                             render_kw={"placeholder": "例如 1975-06"})
    title_level = SelectField("职称级别", choices=[(k, v[0]) for k, v in TITLE_LEVELS.items()], default="none")
    position = StringField("职务", [Optional(), Length(max=50)])
    education = SelectField("学历", coerce=str, validators=[Optional()])
    degree = SelectField("学位", coerce=str, validators=[Optional()])
    mobile = StringField("移动电话", [Optional(), RuleCheck(validate_mobile)], render_kw={"inputmode": "tel"})
    office_phone = StringField("办公电话", [Optional(), RuleCheck(validate_office_phone)],
                               render_kw={"placeholder": "例如 0575-88157551"})
    email = StringField("电子邮箱", [Optional(), RuleCheck(validate_email)], render_kw={"inputmode": "email"})
    bank_name = StringField("开户银行", [Optional(), Length(max=100)])
    bank_account = StringField("银行账号", [Optional(), RuleCheck(validate_bank_account)],
                               render_kw={"inputmode": "numeric"})

    organization_name = StringField("工作单位名称", [Optional(), Length(max=100)],
                                    render_kw={"list": "known-organizations", "autocomplete": "off"},
                                    description="输入关键字可从已登记单位中选择；未登记的单位请同时填写统一社会信用代码")
    new_org_credit_code = StringField("统一社会信用代码（新单位）", [Optional(), RuleCheck(validate_credit_code)])
    new_org_in_shaoxing = BooleanField("新单位位于绍兴市内", default=True)
    college = SelectField("院系（高校专家填写）", coerce=str, validators=[Optional()])

    expert_type = SelectField("专家类型", choices=list(EXPERT_TYPES.items()), default="technical")
    basic_condition_declared = BooleanField(
        "从事相关专业领域工作累计5年及以上，具有副高级（含）以上职称或同等专业技术水平")
    equivalent_level = BooleanField("无副高级以上职称，但具有同等专业技术水平")
    years_in_field = IntegerField("从事本领域年限", [Optional(), IntRange(0, 80, "年限应在0到80之间")],
                                  render_kw={"inputmode": "numeric"})
    primary_discipline = SelectField("学科分类（主学科）", coerce=str, validators=[Optional()])
    secondary_disciplines = SelectMultipleField("其他学科（可多选）", coerce=str, validators=[Optional()])
    priority_categories = SelectMultipleField(
        "符合的优先入库条件（如符合请勾选并上传证明）", choices=list(PRIORITY_CATEGORIES.items()),
        validators=[Optional()], widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    provincial_library = BooleanField("我是浙江省科技专家库专家（上传资格证明后由市科技局核实入库）")
    research_keywords = StringField("研究方向（关键词，用“；”分隔）", [Optional(), Length(max=500)])

    title_name = StringField("职称名称", [Optional(), Length(max=100)])
    title_issued_on = DateField("发证时间", [Optional(), NotFuture("发证时间")])

    def load_choices(self) -> None:
        """Choices from the reference tables (read per request: the bureau may change them)."""
        def items(kind):
            return BLANK + [(str(r.id), r.name) for r in ReferenceItem.of_kind(kind)]

        self.education.choices = items("education")
        self.degree.choices = items("degree")
        disciplines = db.session.scalars(select(Discipline).order_by(Discipline.code)).all()
        grouped: dict[str, list] = {}
        for d in disciplines:
            group = d.parent.name if d.parent else d.name
            grouped.setdefault(f"{(d.parent or d).code} {group}", []).append((str(d.id), str(d)))
        self.primary_discipline.choices = {"": BLANK, **grouped}
        self.secondary_disciplines.choices = grouped
        colleges = db.session.scalars(select(College).join(Organization).order_by(Organization.name, College.name)).all()
        by_org: dict[str, list] = {}
        for c in colleges:
            by_org.setdefault(c.organization.name, []).append((str(c.id), c.name))
        self.college.choices = {"": [("", "（无，非高校）")], **by_org}

    def validate_college(self, field):
        """A college is chosen only with its own university."""
        if field.data and self.organization_name.data:
            # Runs even when the choice itself was refused, so the posted value may be anything.
            college = get_by_id(College, field.data)
            if college and college.organization.name != self.organization_name.data.strip():
                from wtforms import ValidationError

                raise ValidationError("所选院系不属于所填工作单位")
