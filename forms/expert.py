"""The expert record's own fields (attachment 1), defined once: the panel's form and the portal's
form are both built from `expert_fields`; their labels come from rules/record.py.

Relations (work unit, education, disciplines…) differ by screen — the panel picks rows in scope,
the portal offers grouped lists and a new unit by name — so each form adds its own.
"""
from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, MonthField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from forms.fields import CodeListField
from forms.validators import IntRange, NotFuture, RuleCheck, id_number_check
from rules.contact import validate_bank_account, validate_email, validate_mobile, validate_office_phone
from rules.eligibility import EXPERT_TYPES, PRIORITY_CATEGORIES, TITLE_LEVELS
from rules.idcard import ID_TYPES
from rules.record import LABELS, REQUIRED_MESSAGES

TITLE_CHOICES = [(code, label) for code, (label, _rank) in TITLE_LEVELS.items()]


def expert_fields(*, required=(), leave_out=()) -> dict:
    """The record's own fields with the checks of rules/, as unbound WTForms fields.

    `required` names the fields this form may not leave empty (a draft may leave all of them);
    `leave_out` the ones it does not offer.
    """
    def first(name):
        return InputRequired(REQUIRED_MESSAGES[name]) if name in required else Optional()

    fields = {
        "name": StringField(LABELS["name"], [first("name"), Length(max=50, message="姓名不超过50个字")]),
        "id_type": SelectField(LABELS["id_type"], choices=list(ID_TYPES.items()), default="resident"),
        "id_number": StringField(LABELS["id_number"], [first("id_number"), id_number_check]),
        "birth_month": MonthField(LABELS["birth_month"], [first("birth_month"), NotFuture("出生年月")],
                                  render_kw={"placeholder": "例如 1975-06"}),
        "title_level": SelectField(LABELS["title_level"], choices=TITLE_CHOICES, default="none"),
        "position": StringField(LABELS["position"], [Optional(), Length(max=50, message="职务不超过50个字")]),
        "mobile": StringField(LABELS["mobile"], [first("mobile"), RuleCheck(validate_mobile)],
                              render_kw={"inputmode": "tel"}),
        "office_phone": StringField(LABELS["office_phone"], [Optional(), RuleCheck(validate_office_phone)],
                                    render_kw={"placeholder": "例如 0575-88157551"}),
        "email": StringField(LABELS["email"], [first("email"), RuleCheck(validate_email)],
                             render_kw={"inputmode": "email"}),
        "bank_name": StringField(LABELS["bank_name"], [Optional(), Length(max=100, message="不超过100个字")]),
        "bank_account": StringField(LABELS["bank_account"], [Optional(), RuleCheck(validate_bank_account)],
                                    render_kw={"inputmode": "numeric"}),
        "expert_type": SelectField(LABELS["expert_type"], choices=list(EXPERT_TYPES.items()), default="technical"),
        "basic_condition_declared": BooleanField(LABELS["basic_condition_declared"]),
        "equivalent_level": BooleanField(LABELS["equivalent_level"]),
        "years_in_field": IntegerField(LABELS["years_in_field"], [Optional(), IntRange(0, 80, "年限应在0到80之间")],
                                       render_kw={"inputmode": "numeric"}),
        "priority_categories": CodeListField(
            LABELS["priority_categories"], choices=list(PRIORITY_CATEGORIES.items()), validators=[Optional()],
            widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
            description="如符合请勾选，并上传证明材料"),
        "provincial_library": BooleanField(LABELS["provincial_library"],
                                           description="上传资格证明后由市科技局核实入库"),
        "research_keywords": StringField(LABELS["research_keywords"], [Optional(), Length(max=500, message="不超过500个字")],
                                         description="多个关键词用“；”分隔"),
        "bad_record": BooleanField(LABELS["bad_record"]),
        "title_name": StringField(LABELS["title_name"], [Optional(), Length(max=100, message="不超过100个字")]),
        "title_issued_on": DateField(LABELS["title_issued_on"], [Optional(), NotFuture("发证时间")]),
    }
    return {name: field for name, field in fields.items() if name not in leave_out}
