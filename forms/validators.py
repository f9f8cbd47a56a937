"""WTForms validators that ask rules/, so forms and rules never disagree."""
from __future__ import annotations

from datetime import date
from typing import Callable

from sqlalchemy import select
from wtforms import PasswordField, StringField, TextAreaField, ValidationError
from wtforms.validators import NumberRange

from models import Expert, db
from models.encrypted import lookup_hash
from rules import InvalidInput
from rules.idcard import check_birth_month, validate_id_number
from rules.text import check_no_control_characters


class RuleCheck:
    """Run a rules function on the field's value; show its Chinese message; keep the normalized value."""

    def __init__(self, check: Callable[[str], object]):
        self.check = check

    def __call__(self, form, field):
        if field.data in (None, ""):
            return
        try:
            result = self.check(field.data)
        except InvalidInput as e:
            raise ValidationError(str(e)) from None
        if isinstance(result, str):
            field.data = result


class IntRange(NumberRange):
    """NumberRange that refuses an integer too large for a float instead of crashing on it.

    WTForms' NumberRange calls math.isnan() on the value, which raises OverflowError (a 500) for
    an IntegerField given, say, 400 nines.
    """

    def __call__(self, form, field):
        if isinstance(field.data, int) and abs(field.data) > 2**53:
            raise ValidationError(self.message or "数值超出允许范围")
        super().__call__(form, field)


class NotFuture:
    """A date that cannot lie after today."""

    def __init__(self, what: str):
        self.what = what

    def __call__(self, form, field):
        if field.data and field.data > date.today():
            raise ValidationError(f"{self.what}不能晚于今天")


def id_number_check(form, field):
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
    clash = select(Expert.id).where(Expert.id_type == id_type, Expert.id_number_hash == lookup_hash(field.data))
    own = getattr(form, "_obj", None)
    if own is not None and own.id is not None:
        clash = clash.where(Expert.id != own.id)
    if db.session.scalar(clash) is not None:
        raise ValidationError("该证件号码已登记在库，请勿重复录入；如您曾经申请，请用原账号登录后重新申请"
                              "（忘记用户名或密码请联系市科技局）")


def checks_text(field) -> bool:
    """Whether `field` takes typed text that no_control_characters checks: every text box, text area and
    hidden field, not a password (never shown or sent anywhere; a login must not say which character of
    it is wrong)."""
    return isinstance(field, StringField) and not isinstance(field, PasswordField)


def no_control_characters(form, field):
    """What was typed holds no control character (rules/text.py): none in one line, none but tabs and
    line breaks in a text area. Reads what was posted, so a field whose value is parsed (a fee) or that
    Optional() let through as blank ("\r\n") is checked too."""
    multiline = isinstance(field, TextAreaField)
    for value in field.raw_data or ():
        if isinstance(value, str):
            try:
                check_no_control_characters(value, multiline=multiline)
            except InvalidInput as e:
                raise ValidationError(str(e)) from None
