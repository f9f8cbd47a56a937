"""Downloading an uploaded file: only the expert it belongs to and the staff who review them."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from models import UploadedFile, db
from operations import audit
from operations.admission import in_scope
from operations.files import expert_of_file, path_of, weighs_change_with
from models.base import get_by_id
from rules.uploads import served_name
from web.downloads import send_download

bp = Blueprint("files", __name__)


@bp.route("/files/<int:file_id>")
@login_required
def download(file_id: int):
    """Send the file under its original name's stem and the extension of its detected type."""
    row = get_by_id(UploadedFile, file_id)  # <int:> still lets through ids past the database's integer range
    expert = expert_of_file(file_id) if row else None
    if expert is None or not (in_scope(current_user, expert) or weighs_change_with(current_user, file_id)):
        abort(404)  # not 403: do not confirm that the file exists
    audit.record("file_download", row, name=row.original_name, expert_id=expert.id)
    db.session.commit()
    return send_download(path_of(row), served_name(row.original_name, row.content_type), row.content_type)
