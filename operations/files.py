"""Storing uploads under generated names, and finding who may read them."""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select
from werkzeug.datastructures import FileStorage

from models import Expert, ExpertExit, ExpertFile, UploadedFile, db
from operations import audit
from rules.uploads import MAX_BYTES, check_upload


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(storage: FileStorage, user) -> UploadedFile:
    """Check the file by content and size, write it under a random name, describe it in a row."""
    data = storage.stream.read(MAX_BYTES + 1)
    checked = check_upload(storage.filename, data[:16], len(data))
    stored_name = uuid.uuid4().hex + checked.extension
    target = upload_dir() / stored_name
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)  # never a half-written file under the final name
    row = UploadedFile(stored_name=stored_name, original_name=checked.original_name,
                       content_type=checked.content_type, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record("file_upload", row, user=user, name=row.original_name, size=row.size, sha256=row.sha256)
    return row


def expert_of_file(file_id: int) -> Expert | None:
    """The expert whose record a file belongs to (reading rights follow that expert)."""
    linked = select(ExpertFile.expert_id).where(ExpertFile.file_id == file_id).union(
        select(ExpertExit.expert_id).where(ExpertExit.file_id == file_id))
    return db.session.scalar(select(Expert).where(or_(
        Expert.title_certificate_id == file_id, Expert.stamped_form_id == file_id, Expert.id.in_(linked))))


def path_of(row: UploadedFile) -> Path:
    return upload_dir() / row.stored_name
