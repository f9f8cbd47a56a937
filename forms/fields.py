"""Fields for code lists stored as strings."""
from __future__ import annotations

from wtforms import SelectMultipleField


class CodeListField(SelectMultipleField):
    """Several codes kept in one comma-separated string column."""

    def process_data(self, value):
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        super().process_data(value)

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(self.data or []))
