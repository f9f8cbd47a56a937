"""Account fields: usernames and passwords checked the same way wherever an account is made."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import EqualTo, InputRequired, Length

from forms.base import AppForm
from forms.validators import RuleCheck
from models import User, db
from rules import InvalidInput
from rules.contact import validate_email, validate_mobile
from rules.passwords import validate_password

USERNAME = re.compile(r"[A-Za-z0-9_.\-]{3,50}")


def username_check(form, field):
    """3–50 letters, digits, `_`, `.` or `-`, not used by another account (whatever the case)."""
    name = (field.data or "").strip()
    if not USERNAME.fullmatch(name):
        raise ValidationError("用户名为3到50位字母、数字、下划线、点或连字符")
    clash = select(User.id).where(func.lower(User.username) == name.lower())
    own = getattr(form, "_obj", None)
    if own is not None and own.id is not None:
        clash = clash.where(User.id != own.id)
    if db.session.scalar(clash) is not None:
        raise ValidationError("该用户名已被使用")
    field.data = name


def password_check(form, field):
    """The password rules of rules/passwords.py (length, letters and digits, not the username)."""
    if not field.data:
        return
    try:
        validate_password(field.data, form.username.data or "")
    except InvalidInput as e:
        raise ValidationError(str(e)) from None


class RegisterForm(AppForm):
    """An expert's account: by the expert at /register, or by the bureau inviting them (邀请入库)."""

    username = StringField("用户名", [InputRequired("请填写用户名"), username_check])
    name = StringField("姓名", [InputRequired("请填写姓名"), Length(max=50, message="姓名不超过50个字")])
    mobile = StringField("移动电话", [InputRequired("请填写移动电话"), RuleCheck(validate_mobile)])
    email = StringField("电子邮箱", [InputRequired("请填写电子邮箱"), RuleCheck(validate_email)])
    password = PasswordField("密码", [InputRequired("请设置密码"), password_check])
    password2 = PasswordField("确认密码", [InputRequired("请再次输入密码"), EqualTo("password", "两次输入的密码不一致")])
