"""Accounts, managed by the bureau."""
from __future__ import annotations

import re

from flask_login import current_user, login_user
from sqlalchemy import func, select
from wtforms import PasswordField, SelectField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from admin_views.base import RoleView
from forms.validators import RuleCheck
from models import ROLES, User, db
from rules.contact import validate_email
from rules.passwords import validate_password
from web.filters import local_dt


def _username_check(form, field):
    name = (field.data or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{3,50}", name):
        raise ValidationError("用户名为3到50位字母、数字、下划线、点或连字符")
    clash = select(User.id).where(func.lower(User.username) == name.lower())
    own = getattr(form, "_obj", None)
    if own is not None and own.id is not None:
        clash = clash.where(User.id != own.id)
    if db.session.scalar(clash) is not None:
        raise ValidationError("该用户名已被使用")
    field.data = name


def _organization_check(form, field):
    if form.role.data in ("unit", "usage") and not field.data:
        raise ValidationError("单位审核员和使用单位经办人须选择所属单位")


def _department_check(form, field):
    if form.role.data == "dept" and not field.data:
        raise ValidationError("归口管理部门审核员须选择所属归口管理部门")


def _password_check(form, field):
    own = getattr(form, "_obj", None)
    if not field.data:
        if own is None:
            raise ValidationError("请设置初始密码")
        return
    from rules import InvalidInput

    try:
        validate_password(field.data, form.username.data or "")
    except InvalidInput as e:
        raise ValidationError(str(e)) from None


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
    column_formatters = {
        "role": lambda v, c, m, n: ROLES.get(m.role, m.role),
        "last_login_at": lambda v, c, m, n: local_dt(m.last_login_at),
        "locked_until": lambda v, c, m, n: local_dt(m.locked_until),
    }
    column_details_exclude_list = ["password_hash", "session_token"]
    column_searchable_list = ["username", "name"]
    column_filters = ["role", "active"]
    column_default_sort = "username"
    column_select_related_list = [User.organization, User.department]

    # Form
    form_columns = ["username", "name", "role", "organization", "department", "email", "active",
                    "new_password"]
    form_extra_fields = {
        "new_password": PasswordField("新密码", validators=[_password_check],
                                      description="新建账号时必填；编辑时留空表示不修改。至少8位，含字母和数字"),
    }
    form_overrides = {"role": SelectField}
    form_args = {
        "username": {"validators": [InputRequired("请填写用户名"), _username_check]},
        "name": {"validators": [InputRequired("请填写姓名"), Length(max=50)]},
        "role": {"choices": list(ROLES.items())},
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

    def after_model_change(self, form, model, is_created):
        if form.new_password.data and model.id == current_user.id:
            login_user(model)  # the bureau reset its own password: this session carries on
