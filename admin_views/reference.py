"""Reference lists: disciplines and the simple code lists."""
from __future__ import annotations

import re

from wtforms import ValidationError
from wtforms.validators import InputRequired, Length

from admin_views.base import RoleView, choices
from models.reference import REFERENCE_KINDS


def _discipline_code(form, field):
    code = (field.data or "").strip()
    parent = form.parent.data
    if not re.fullmatch(r"\d{3}|\d{5}", code):
        raise ValidationError("学科代码为3位（一级）或5位（二级）数字")
    if len(code) == 5 and (parent is None or not code.startswith(parent.code)):
        raise ValidationError("二级学科代码须以其一级学科代码开头，并选择上级学科")
    if len(code) == 3 and parent is not None:
        raise ValidationError("一级学科不应有上级学科")
    field.data = code


class DisciplineView(RoleView):
    """GB/T 13745-2009 disciplines."""

    roles = frozenset({"bureau"})
    create_roles = edit_roles = frozenset({"bureau"})

    column_list = ["code", "name", "parent"]
    column_labels = {"code": "代码", "name": "名称", "parent": "上级学科", "children": "下级学科"}
    column_searchable_list = ["code", "name"]
    column_default_sort = "code"
    page_size = 50
    form_columns = ["parent", "code", "name"]
    form_args = {
        "code": {"validators": [InputRequired("请填写学科代码"), _discipline_code]},
        "name": {"validators": [InputRequired("请填写学科名称"), Length(max=60)]},
    }


class ReferenceItemView(RoleView):
    """Education, degree, unit type and district lists."""

    roles = frozenset({"bureau"})
    create_roles = edit_roles = frozenset({"bureau"})

    # The code is the system's own key for an item (stored on records), not something a reader needs.
    column_list = ["kind", "name", "sort_order"]
    column_labels = {"kind": "类别", "code": "代码（系统内部使用）", "name": "名称", "sort_order": "排序"}
    column_choices = {"kind": choices(REFERENCE_KINDS)}
    column_filters = ["kind"]
    column_default_sort = [("kind", False), ("sort_order", False)]
    form_columns = ["kind", "code", "name", "sort_order"]
    form_choices = {"kind": list(REFERENCE_KINDS.items())}
    form_args = {
        "code": {"validators": [InputRequired("请填写代码"), Length(max=20)]},
        "name": {"validators": [InputRequired("请填写名称"), Length(max=50)]},
    }
