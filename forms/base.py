"""The base of every form: text typed into any field is checked for control characters.

Every FlaskForm of forms/ and web/ derives from AppForm; the back office's Flask-Admin forms get the
same check through admin_views/forms.py (AdminForm). No field has to remember to ask for it.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import ValidationError

from forms.validators import checks_text, no_control_characters


class TextCheck:
    """Mixed into a WTForms form: after the fields' own checks, each text field refuses control characters,
    its message first at the field.

    Checked after, not through `extra_validators`: a field's Optional() stops its chain on blank-looking
    input such as "\\r\\n", which would then be saved unchecked."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators=extra_validators)
        for field in self:
            if not checks_text(field):
                continue
            try:
                no_control_characters(self, field)
            except ValidationError as e:
                field.errors = [str(e), *field.errors]
                ok = False
        self._errors = None  # Form.errors is cached: read it again with these messages
        return ok


class AppForm(TextCheck, FlaskForm):
    """A Flask-WTF form (CSRF-protected) whose text fields refuse control characters."""
