"""Login, logout and changing one's password (forced on the first login of an account the bureau made)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from forms.base import AppForm
from models import db, utcnow
from operations.accounts import authenticate, change_own_password, sign_out
from rules import InvalidInput
from rules.passwords import validate_password

bp = Blueprint("auth", __name__)

# One message for unknown user, wrong password and locked account: no enumeration.
LOGIN_FAILED = "用户名或密码错误。连续输错5次，账号将被锁定15分钟。"


class LoginForm(AppForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


class ChangePasswordForm(AppForm):
    current_password = PasswordField("当前密码", validators=[InputRequired("请输入当前密码"), Length(max=200)])
    new_password = PasswordField("新密码", validators=[InputRequired("请设置新密码"), Length(max=200, message="密码过长")],
                                 description="至少8位，须同时包含字母和数字，不能包含用户名")
    new_password2 = PasswordField("确认新密码", validators=[InputRequired("请再次输入新密码"),
                                                       EqualTo("new_password", "两次输入的新密码不一致")])

    def validate_new_password(self, field):
        try:
            validate_password(field.data, current_user.username)
        except InvalidInput as e:
            raise ValidationError(str(e)) from None
        if self.current_password.data and field.data == self.current_password.data:
            raise ValidationError("新密码不能与当前密码相同")


# While an account must change its password, only these endpoints answer; the rest redirect.
OPEN_WHILE_CHANGING = {"auth.change_password", "auth.logout", "static", "admin.static"}
WRONG_CURRENT = "当前密码不正确。"


@bp.before_app_request
def require_password_change():
    """An account the bureau created (or reset) reaches nothing but the change-password page."""
    if request.endpoint in OPEN_WHILE_CHANGING:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so the login page cannot bounce users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.landing"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data, utcnow())
        db.session.commit()  # the failure counter and the audit entry are kept either way
        if user is None:
            form.password.errors = [LOGIN_FAILED]
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.landing"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session: a copy of the cookie kept elsewhere stops working too (a new session token).

    Only a POST with the CSRF token (CSRFProtect): a link or an image on another site cannot log anyone out."""
    if current_user.is_authenticated:
        sign_out(current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/landing")
@login_required
def landing():
    """Each role's home: experts to their portal, staff to the back office."""
    if current_user.role == "expert":
        return redirect(url_for("portal.index"))
    return redirect(url_for("admin.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session of the account ends."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        outcome = change_own_password(user, form.current_password.data, form.new_password.data, utcnow())
        db.session.commit()  # a wrong guess is counted and kept either way
        if outcome == "changed":
            login_user(user)  # this session carries on under the new token
            flash("密码已修改，其他设备上的登录已失效。", "success")
            return redirect(url_for("auth.landing"))
        if outcome == "locked":
            logout_user()
            flash("当前密码连续输错次数过多，账号已锁定，请稍后重新登录。", "warning")
            return redirect(url_for("auth.login"))
        form.current_password.errors = [WRONG_CURRENT]
    return render_template("auth/change_password.html", form=form, forced=user.must_change_password)
