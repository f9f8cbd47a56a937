"""What every back-office model form is built from (RoleView sets these): the base form and the fields for
a relation.

- AdminForm: Flask-Admin's BaseForm with the check every form of the app makes (forms/base.py): no
  control characters in typed text. Inline forms (an expert's avoidances, a request's members) get it too.
- RelationField / RelationListField: Flask-Admin's QuerySelectField turns a posted id it cannot find in
  its query (a unit outside the reviewer's scope, a made-up id) into "nothing chosen" and, where the
  relation may be blank, saves that without a word; InputRequired passes on the blank choice "__None"
  too. Here an id not in the query is an error at the field, and a required relation is never empty.
"""
from __future__ import annotations

from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.contrib.sqla.form import AdminModelConverter, InlineModelConverter
from flask_admin.form import BaseForm
from wtforms import ValidationError
from wtforms.validators import DataRequired, InputRequired, StopValidation

from forms.base import TextCheck

BLANK = ("", "__None")  # what a select posts for its empty choice


class AdminForm(TextCheck, BaseForm):
    """Flask-Admin's form, whose text fields refuse control characters."""


def _not_offered(field) -> str:
    return f"请从列表中选择{field.label.text}（所选项不存在，或不在您的管理范围内）"


def _required_message(field) -> str:
    """The message of the field's own InputRequired/DataRequired, else "请选择…"."""
    for validator in field.validators:
        if isinstance(validator, (InputRequired, DataRequired)) and validator.message:
            return str(validator.message)
    return f"请选择{field.label.text}"


class RelationField(QuerySelectField):
    """One row, chosen among those the field's query offers (the user's scope)."""

    _posted = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self._posted = valuelist[0] if valuelist else None

    def pre_validate(self, form):
        if self.data is None:
            if self._posted not in (None, *BLANK):  # an id was posted, and the query does not hold it
                raise ValidationError(_not_offered(self))
            if self.flags.required or not self.allow_blank:
                raise StopValidation(_required_message(self))
            return
        if not any(obj == self.data for _pk, obj in self._get_object_list()):
            raise ValidationError(_not_offered(self))


class RelationListField(QuerySelectMultipleField):
    """Several rows, each among those the field's query offers."""

    def process_formdata(self, valuelist):
        super().process_formdata([v for v in valuelist if v not in BLANK])

    def pre_validate(self, form):
        chosen = self.data  # reading it matches the posted ids against the query, and notes any it lacks
        offered = [obj for _pk, obj in self._get_object_list()]
        if self._invalid_formdata or any(obj not in offered for obj in chosen):
            raise ValidationError(_not_offered(self))
        if not chosen and self.flags.required:
            raise StopValidation(_required_message(self))


RELATION_FIELDS = {QuerySelectField: RelationField, QuerySelectMultipleField: RelationListField}


class RelationCheckingConverter(AdminModelConverter):
    """Flask-Admin's converter, with the relation fields above in place of its own."""

    def convert(self, *args, **kwargs):
        field = super().convert(*args, **kwargs)
        checked = RELATION_FIELDS.get(getattr(field, "field_class", None))
        if checked is not None:
            field.field_class = checked  # an unbound field: bound (created) later with the same arguments
        return field


class InlineConverter(InlineModelConverter):
    """Inline forms built on the view's base form (Flask-Admin's default is its plain BaseForm)."""

    def get_info(self, p):
        info = super().get_info(p)
        if getattr(info, "form_base_class", None) is None:
            info.form_base_class = self.view.form_base_class
        return info
