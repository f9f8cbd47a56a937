"""The expert's own portal (/me/)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from models import Expert, db

bp = Blueprint("portal", __name__, url_prefix="/me")


@bp.before_request
@login_required
def experts_only():
    if current_user.role != "expert":
        abort(403)


@bp.route("/")
def index():
    """The expert's record and where it stands."""
    expert = db.session.scalar(select(Expert).where(Expert.user_id == current_user.id))
    return render_template("portal/index.html", expert=expert)
