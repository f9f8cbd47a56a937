"""The draw request's forms: the conditions' checks for the request itself, and one form per step
on its page (each POSTs to its own address; the operations refuse what the rules do not allow)."""
from __future__ import annotations

from sqlalchemy import select
from wtforms import (DateTimeLocalField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     ValidationError)
from wtforms.fields.choices import Choice, SelectFieldBase
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import Select

from forms.base import AppForm
from forms.fields import ParsedField, text_length
from forms.validators import IntRange
from models import Discipline, db
from rules.draw_requests import ATTENDANCE, CONDITION_FIELDS, REGIONS
from rules.eligibility import EXPERT_TYPES, TITLE_LEVELS
from rules.feedback import parse_fee, parse_rating


# The request's own form (Flask-Admin's): checks across its fields.
def codes_check(form, field):
    """Known GB/T 13745 codes, separated by commas (Chinese or Latin)."""
    codes = [c.strip() for c in (field.data or "").replace("，", ",").split(",") if c.strip()]
    known = set(db.session.scalars(select(Discipline.code).where(Discipline.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError("未知的学科代码：" + "、".join(unknown))
    field.data = ",".join(codes)


class DisciplineCodesField(SelectFieldBase):
    """学科 picked from the GB/T 13745 list: a multi-select the back office turns into a search box (type a
    code or a name). Kept as "code,code", as typed before; a value typed with commas still works."""

    widget = Select(multiple=True)

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"data-role": "select2", "data-placeholder": "输入学科代码或名称查找"})
        super().__init__(label, validators, **kwargs)

    def iter_choices(self):
        chosen = {c.strip() for c in (self.data or "").replace("，", ",").split(",")}
        return [Choice(code, f"{code} {name}", code in chosen, {}) for code, name in db.session.execute(
            select(Discipline.code, Discipline.name).order_by(Discipline.code))]

    def process_data(self, value):
        self.data = value or ""

    def process_formdata(self, valuelist):
        self.data = ",".join(v.strip() for v in valuelist if v.strip())

    def pre_validate(self, form):
        pass  # codes_check names every unknown code


def period_check(form, field):
    if form.start_at.data and field.data and field.data <= form.start_at.data:
        raise ValidationError("结束时间须晚于开始时间")


def age_check(form, field):
    if form.age_min.data is not None and field.data is not None and field.data < form.age_min.data:
        raise ValidationError("年龄上限不能小于下限")


# The steps on the request's page.
class ConfirmForm(AppForm):
    """A step that needs nothing but the click (submit, release)."""


class DecideForm(AppForm):
    """The bureau approves or rejects a filed request; a rejection says why."""

    decision = RadioField("审批", choices=[("approve", "批准"), ("reject", "不予批准")],
                          validators=[InputRequired("请选择批准或不予批准")])
    reason = StringField("审批意见", [text_length()])

    def validate_reason(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError("请填写不予批准的理由")


class ConditionsForm(AppForm):
    """Revised conditions for a supplementary draw (§12 可重新设定条件), and why."""

    discipline_codes = DisciplineCodesField("学科（按代码或名称查找，可选多个）",
                                            [InputRequired("请选择至少一个学科"), codes_check])
    expert_type = SelectField("专家类型", choices=[("", "不限")] + list(EXPERT_TYPES.items()))
    min_title = SelectField("最低职称级别", choices=[(k, v[0]) for k, v in TITLE_LEVELS.items()])
    region = SelectField("地域", choices=list(REGIONS.items()))
    age_min = IntegerField("年龄下限", [Optional(), IntRange(18, 100, "年龄应在18到100之间")])
    age_max = IntegerField("年龄上限", [Optional(), IntRange(18, 100, "年龄应在18到100之间"), age_check])
    reason = StringField("理由", [InputRequired("补充抽取须写明原因"), text_length()])

    def conditions(self) -> dict:
        return {name: self[name].data for name in CONDITION_FIELDS}


class SupplementForm(ConditionsForm):
    """A supplementary draw: on the conditions shown (revised or not), with its reason; a small pool's reason."""

    pool_reason = StringField("候选库不足时的抽取理由", [text_length()])


class DrawForm(AppForm):
    """The first draw: from a small pool, the reason for drawing from it anyway (refused without)."""

    pool_reason = StringField("候选库不足时的抽取理由", [text_length()])


class SpecialForm(AppForm):
    special_id = HiddenField()
    decision = RadioField("意见", choices=[("approve", "同意"), ("reject", "不同意")],
                          validators=[InputRequired("请选择同意或不同意")])


class SpotCheckForm(AppForm):
    invitation_id = HiddenField()
    note = StringField("抽查评价", [InputRequired("请填写抽查评价"), text_length()])


class PhoneAnswerForm(AppForm):
    """An answer the bureau took by telephone: what, when, and what was said."""

    invitation_id = HiddenField()
    answer = SelectField("专家答复", choices=[("accept", "接受"), ("decline", "不能参加"), ("recuse", "申请回避")],
                         validators=[InputRequired("请选择专家的答复")])
    called_at = DateTimeLocalField("通话时间", format="%Y-%m-%dT%H:%M", validators=[InputRequired("请填写通话时间")])
    note = StringField("通话内容", [InputRequired("请记录通话内容（专家的答复原话或要点）"), text_length()])


class InvitationAnswerForm(AppForm):
    """An expert's answer to an invitation, on /me/ or from the e-mailed link (operations/invitations.py
    refuses an answer it does not know, or a recusal without its reason)."""

    answer = StringField("答复")
    reason = StringField("原因或回避理由", [text_length()])


class AttendanceForm(AppForm):
    """出席情况, rating, comments and fee for one engaged expert, each message beside its field."""

    invitation_id = HiddenField()
    attendance = SelectField("出席情况", choices=list(ATTENDANCE.items()),
                             validators=[InputRequired("请选择出席情况")], validate_choice=False)
    absence_reason = StringField("缺席理由", [text_length()])
    rating = ParsedField("评分", parse=parse_rating)
    comments = StringField("评价", [text_length()])
    fee = ParsedField("劳务费（元）", parse=parse_fee)

    def validate_attendance(self, field):
        if field.data not in ATTENDANCE:
            raise ValidationError("请选择出席情况")

    def validate_absence_reason(self, field):
        if self.attendance.data == "absent_excused" and not (field.data or "").strip():
            raise ValidationError("请填写缺席理由")
