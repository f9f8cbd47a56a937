"""WTForms validators that ask rules/, so forms and rules never disagree."""
from __future__ import annotations

from datetime import date
from typing import Callable

from wtforms import ValidationError

from rules import InvalidInput


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


class NotFuture:
    """A date that cannot lie after today."""

    def __init__(self, what: str):
        self.what = what

    def __call__(self, form, field):
        if field.data and field.data > date.today():
            raise ValidationError(f"{self.what}不能晚于今天")


def required(message: str):
    """DataRequired with our own Chinese message."""
    from wtforms.validators import InputRequired

    return InputRequired(message)
