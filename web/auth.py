"""Login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models import db, utcnow
from operations import audit
from operations.accounts import authenticate

bp = Blueprint("auth", __name__)

# One message for unknown user, wrong password and locked account: no enumeration.
LOGIN_FAILED = "用户名或密码错误。连续输错5次，账号将被锁定15分钟。"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


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


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """End the session."""
    if current_user.is_authenticated:
        audit.record("logout")
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
