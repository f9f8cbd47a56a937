"""Accounts, managed by the bureau."""
from __future__ import annotations

from flask_login import current_user, login_user
from wtforms import PasswordField, SelectField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from admin_views.base import RoleView, choices
from forms.accounts import password_check, username_check
from forms.validators import RuleCheck
from models import ROLES, User
from rules.contact import validate_email


def _organization_check(form, field):
    if form.role.data in ("unit", "usage") and not field.data:
        raise ValidationError("单位审核员和使用单位经办人须选择所属单位")


def _department_check(form, field):
    if form.role.data == "dept" and not field.data:
        raise ValidationError("归口管理部门审核员须选择所属归口管理部门")


def _new_password_check(form, field):
    """Required for a new account; left empty on an edit, the password stays as it is."""
    if not field.data and getattr(form, "_obj", None) is None:
        raise ValidationError("请设置初始密码")
    password_check(form, field)


class UserView(RoleView):
    """User accounts: one role each; accounts are deactivated, never deleted."""

    # Permissions
    roles = frozenset({"bureau"})
    create_roles = edit_roles = details_roles = frozenset({"bureau"})

    # View
    column_list = ["username", "name", "role", "organization", "department", "active",
                   "must_change_password", "last_login_at", "locked_until"]
    column_labels = {
        "username": "用户名", "name": "姓名", "role": "角色", "organization": "所属单位",
        "department": "所属归口管理部门", "email": "电子邮箱", "active": "启用",
        "last_login_at": "最近登录", "locked_until": "锁定至", "failed_logins": "连续失败次数",
        "created_at": "创建时间", "new_password": "新密码", "must_change_password": "须修改密码",
    }
    column_choices = {"role": choices(ROLES)}
    column_details_exclude_list = ["password_hash", "session_token"]
    column_searchable_list = ["username", "name"]
    column_filters = ["role", "active"]
    column_default_sort = "username"
    column_select_related_list = [User.organization, User.department]

    # Form
    form_columns = ["username", "name", "role", "organization", "department", "email", "active",
                    "new_password"]
    form_extra_fields = {
        "new_password": PasswordField("新密码", validators=[_new_password_check],
                                      description="新建账号时必填；编辑时留空表示不修改。至少8位，含字母和数字"),
    }
    form_overrides = {"role": SelectField}
    form_args = {
        "username": {"validators": [InputRequired("请填写用户名"), username_check]},
        "name": {"validators": [InputRequired("请填写姓名"), Length(max=50)]},
        "role": {"choices": choices(ROLES)},
        "organization": {"validators": [_organization_check]},
        "department": {"validators": [_department_check]},
        "email": {"validators": [Optional(), RuleCheck(validate_email)]},
    }

    # Hooks
    def on_model_change(self, form, model, is_created):
        if form.new_password.data:
            model.set_password(form.new_password.data)  # also ends the account's sessions
            # A password the bureau chose is known to the bureau: the holder replaces it on first login.
            if is_created or model.id != current_user.id:
                model.must_change_password = True
        if model.role not in ("unit", "usage"):
            model.organization = None
        if model.role != "dept":
            model.department = None
        super().on_model_change(form, model, is_created)

    def saved_message(self, form, model, is_created: bool) -> str:
        said = f"已{'新建' if is_created else '保存'}用户“{model}”"
        if form.new_password.data and model.id != current_user.id:
            return said + "：请将用户名和新密码告知本人，本人登录后须立即修改密码。"
        return said + "。"

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        if form.new_password.data and model.id == current_user.id:
            login_user(model)  # the bureau reset its own password: this session carries on
