"""The draw request's forms: the conditions' checks for the request itself, and one form per step
on its page (each POSTs to its own address; the operations refuse what the rules do not allow)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired

from forms.fields import ParsedField, text_length
from models import Discipline, db
from rules.draw_requests import ATTENDANCE
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


def period_check(form, field):
    if form.start_at.data and field.data and field.data <= form.start_at.data:
        raise ValidationError("结束时间须晚于开始时间")


def age_check(form, field):
    if form.age_min.data is not None and field.data is not None and field.data < form.age_min.data:
        raise ValidationError("年龄上限不能小于下限")


# The steps on the request's page.
class ConfirmForm(FlaskForm):
    """A step that needs nothing but the click (submit, release)."""


class DecideForm(FlaskForm):
    """The bureau approves or rejects a filed request; a rejection says why."""

    decision = RadioField("审批", choices=[("approve", "批准"), ("reject", "不予批准")],
                          validators=[InputRequired("请选择批准或不予批准")])
    reason = StringField("审批意见", [text_length()])

    def validate_reason(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError("请填写不予批准的理由")


class DrawForm(FlaskForm):
    """A draw: the first needs nothing more; a supplementary one its reason (operations/draw_requests.py)."""

    reason = StringField("补充抽取原因", [text_length()])


class SpecialForm(FlaskForm):
    special_id = HiddenField()
    decision = RadioField("意见", choices=[("approve", "同意"), ("reject", "不同意")],
                          validators=[InputRequired("请选择同意或不同意")])


class SpotCheckForm(FlaskForm):
    invitation_id = HiddenField()
    note = StringField("抽查评价", [InputRequired("请填写抽查评价"), text_length()])


class AttendanceForm(FlaskForm):
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
