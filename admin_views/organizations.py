"""Work units with their colleges, and the managing departments."""
from __future__ import annotations

from wtforms.validators import InputRequired, Length

from admin_views.base import RoleView, choices
from forms.validators import RuleCheck
from models import College, ManagingDepartment, Organization, ReferenceItem
from models.organizations import DEPARTMENT_KINDS
from rules.credit_code import validate_credit_code


class OrganizationView(RoleView):
    """Work units and usage units; universities list their colleges/departments inline."""

    # Permissions
    roles = frozenset({"bureau"})
    create_roles = edit_roles = details_roles = frozenset({"bureau"})

    # View
    column_list = ["name", "credit_code", "unit_type", "district", "in_shaoxing", "department", "verified"]
    column_labels = {
        "name": "单位名称", "credit_code": "统一社会信用代码", "unit_type": "单位类型",
        "district": "单位所在地", "address": "地址", "in_shaoxing": "绍兴市内",
        "department": "归口管理部门", "colleges": "院系", "district.name": "所在地",
        "unit_type.name": "单位类型", "department.name": "归口管理部门",
        "verified": "已核实（专家新提出的单位需核实）",
    }
    column_searchable_list = ["name", "credit_code"]
    column_filters = ["verified", "in_shaoxing", "unit_type.name", "district.name", "department.name"]
    column_select_related_list = [Organization.unit_type, Organization.district, Organization.department]
    column_default_sort = "name"

    # Form
    form_columns = ["name", "credit_code", "unit_type", "district", "address", "in_shaoxing",
                    "department", "verified"]
    form_args = {
        "name": {"validators": [InputRequired("请填写单位名称"), Length(max=100)]},
        "credit_code": {"validators": [InputRequired("请填写统一社会信用代码"),
                                       RuleCheck(validate_credit_code)]},  # uniqueness: Flask-Admin's Unique
        "unit_type": {"query_factory": lambda: ReferenceItem.of_kind("unit_type")},
        "district": {"query_factory": lambda: ReferenceItem.of_kind("district")},
    }
    inline_models = [(College, {"form_columns": ["id", "name"],
                                "column_labels": {"name": "院系名称"}})]


class DepartmentView(RoleView):
    """Managing departments (归口管理部门)."""

    roles = frozenset({"bureau"})
    create_roles = edit_roles = frozenset({"bureau"})

    column_list = ["name", "kind"]
    column_labels = {"name": "名称", "kind": "类别"}
    column_choices = {"kind": choices(DEPARTMENT_KINDS)}
    column_searchable_list = ["name"]
    form_columns = ["name", "kind"]
    form_choices = {"kind": list(DEPARTMENT_KINDS.items())}
    form_args = {"name": {"validators": [InputRequired("请填写名称"), Length(max=100)]}}


__all__ = ["OrganizationView", "DepartmentView", "ManagingDepartment"]
