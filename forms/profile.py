"""The expert's own profile form (the 专家信息表), in the sections of attachment 1."""
from __future__ import annotations

from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from forms.base import AppForm
from forms.expert import expert_fields
from forms.fields import MultipleChoiceField
from forms.validators import RuleCheck
from models import College, Discipline, Organization, ReferenceItem, db
from models.base import get_by_id
from rules.credit_code import validate_credit_code
from rules.record import FILE_KINDS, LABELS
from rules.uploads import MAX_BYTES

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
# An admitted expert sends new files with a change request (a new certificate with a new title).
ATTACHMENTS = (f"五、随变更提交的材料（可选；PDF、JPG或PNG，每个不超过{MAX_BYTES // 1024 // 1024}MB）",
               [f"attach_{kind}" for kind in FILE_KINDS])

# Every field is optional in a draft: submitting checks completeness (rules/completeness.py).
# Whether a record has a bad credit record is the bureau's finding, not the expert's to fill in.
_RecordFields = type("_RecordFields", (AppForm,), expert_fields(leave_out={"bad_record"}))


class ProfileForm(_RecordFields):
    """The record's own fields, and its relations chosen by name or from grouped lists."""

    education = SelectField(LABELS["education"], coerce=str, validators=[Optional()])
    degree = SelectField(LABELS["degree"], coerce=str, validators=[Optional()])
    organization_name = StringField(LABELS["organization"], [Optional(), Length(max=100)],
                                    render_kw={"list": "known-organizations", "autocomplete": "off"},
                                    description="输入关键字可从已登记单位中选择；未登记的单位请同时填写统一社会信用代码")
    new_org_credit_code = StringField("统一社会信用代码（新单位）", [Optional(), RuleCheck(validate_credit_code)])
    new_org_in_shaoxing = BooleanField("新单位位于绍兴市内", default=True)
    college = SelectField(LABELS["college"], coerce=str, validators=[Optional()], description="高校专家填写")
    primary_discipline = SelectField(LABELS["primary_discipline"], coerce=str, validators=[Optional()])
    secondary_disciplines = MultipleChoiceField(LABELS["secondary_disciplines"], coerce=str, validators=[Optional()],
                                                description="可多选；在上方输入学科代码或名称查找",
                                                render_kw={"data-filterable": "1", "size": 8})

    attach_title_certificate = FileField("新的" + FILE_KINDS["title_certificate"],
                                         description="职称变更时请上传新的职称证书；审核通过后替换原证书")
    attach_stamped_form = FileField("新的" + FILE_KINDS["stamped_form"], description="审核通过后替换原文件")
    attach_priority_proof = FileField("补充" + FILE_KINDS["priority_proof"], description="审核通过后与原有材料一并保存")
    attach_provincial_proof = FileField("补充" + FILE_KINDS["provincial_proof"],
                                        description="审核通过后与原有材料一并保存")

    def attached(self) -> dict:
        """{kind: the FileStorage chosen} for the files sent with a change request."""
        return {kind: self[f"attach_{kind}"].data for kind in FILE_KINDS
                if getattr(self[f"attach_{kind}"].data, "filename", "")}

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
            # The group is headed by the first-level discipline; choosing it means the whole of it.
            label = f"{d}（整个一级学科）" if d.parent is None else str(d)
            grouped.setdefault(f"{(d.parent or d).code} {group}", []).append((str(d.id), label))
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
                raise ValidationError("所选院系不属于所填工作单位")
