"""Storing uploads under generated names, and finding who may read them."""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select
from werkzeug.datastructures import FileStorage

from models import ChangeFile, ChangeRequest, Expert, ExpertExit, ExpertFile, UploadedFile, db
from operations import audit
from rules import InvalidInput
from rules.admission import may_edit_in_place
from rules.record import FILE_KINDS, SINGLE_FILE_KINDS
from rules.uploads import MAX_BYTES, check_upload


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(storage: FileStorage, user) -> UploadedFile:
    """Check the file by content and size, write it under a random name, describe it in a row."""
    data = storage.stream.read(MAX_BYTES + 1)
    size = len(data)
    if size > MAX_BYTES and storage.stream.seekable():  # too large: say by how much (it is on disk already)
        size = storage.stream.seek(0, os.SEEK_END)
    checked = check_upload(storage.filename, data[:16], size)
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


def attach_to_expert(expert: Expert, kind: str, storage: FileStorage | None, user) -> UploadedFile:
    """The expert attaches (or replaces) a file of the record, while they may still edit it."""
    if kind not in FILE_KINDS:
        raise InvalidInput("未知的材料类别")
    if not may_edit_in_place(expert.status, user.role):
        raise InvalidInput("申请已提交，材料不能再更换。")
    if storage is None:
        raise InvalidInput("请选择要上传的文件")
    row = store_upload(storage, user)
    if kind in SINGLE_FILE_KINDS:
        setattr(expert, f"{kind}_id", row.id)  # replaces the earlier file
    else:
        db.session.add(ExpertFile(expert_id=expert.id, file_id=row.id, kind=kind))
    return row


def files_present(expert: Expert) -> dict[str, bool]:
    """Which kinds of file the record has (for the completeness check)."""
    kinds = set(db.session.scalars(select(ExpertFile.kind).where(ExpertFile.expert_id == expert.id)))
    return {"title_certificate": expert.title_certificate_id is not None,
            "stamped_form": expert.stamped_form_id is not None,
            "priority_proof": "priority_proof" in kinds, "provincial_proof": "provincial_proof" in kinds}


def expert_of_file(file_id: int) -> Expert | None:
    """The expert whose record a file belongs to (reading rights follow that expert)."""
    linked = select(ExpertFile.expert_id).where(ExpertFile.file_id == file_id).union(
        select(ExpertExit.expert_id).where(ExpertExit.file_id == file_id),
        select(ChangeRequest.expert_id).join(ChangeFile).where(ChangeFile.file_id == file_id))
    return db.session.scalar(select(Expert).where(or_(
        Expert.title_certificate_id == file_id, Expert.stamped_form_id == file_id, Expert.id.in_(linked))))


def weighs_change_with(user, file_id: int) -> bool:
    """Whether `user` reviews a change request the file was sent with (the new unit, when the expert
    moves, reviews before the record is in its scope)."""
    from operations.scope import change_scope

    return db.session.scalar(select(ChangeFile.id).join(ChangeRequest).where(
        ChangeFile.file_id == file_id, change_scope(user)).limit(1)) is not None


def path_of(row: UploadedFile) -> Path:
    return upload_dir() / row.stored_name
