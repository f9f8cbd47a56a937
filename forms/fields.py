"""Fields for code lists stored as strings, for values a rules/ parser reads, and the longest text typed."""
from __future__ import annotations

from typing import Callable

from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length

TEXT_MAX = 2000  # reasons, opinions, comments and evidence typed into a box


def text_length() -> Length:
    return Length(max=TEXT_MAX, message=f"不超过{TEXT_MAX}字")


class MultipleChoiceField(SelectMultipleField):
    """Several choices, each one of those offered; WTForms' own message for anything else has no Chinese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.invalid_choice_message is None:
            self.invalid_choice_message = f"请从列表中选择{self.label.text}（所选项不存在）"


class CodeListField(MultipleChoiceField):
    """Several codes kept in one comma-separated string column."""

    def process_data(self, value):
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        super().process_data(value)

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(self.data or []))


class ParsedField(StringField):
    """A text box whose value a rules/ parser reads (e.g. a fee); its Chinese message is the field's error
    (rules.InvalidInput is a ValueError, which WTForms reports at the field), and what was typed stays."""

    def __init__(self, label=None, validators=None, parse: Callable[[str], object] | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse = parse

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = self.parse(valuelist[0])

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)
