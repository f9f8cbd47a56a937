"""Reading and writing an expert's profile as plain values; admitted experts' edits become change requests."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from models import (ChangeFile, ChangeRequest, College, Discipline, Expert, ExpertAvoidance, ExpertFile, Organization,
                    db, utcnow)
from operations import audit
from operations.scope import record_scope, within
from rules import InvalidInput
from rules.admission import may_edit_in_place, may_propose_change
from rules.changes import CHANGE_OPEN, diff, first_change_state
from rules.masking import mask_bank_account, mask_id_number, mask_mobile
from rules.record import FILE_KINDS, SINGLE_FILE_KINDS, label_of

# Profile fields and how each is kept in a snapshot: plain JSON values.
SCALARS = ["name", "id_type", "id_number", "title_level", "position", "mobile", "office_phone", "email",
           "bank_name", "bank_account", "expert_type", "basic_condition_declared", "equivalent_level",
           "years_in_field", "priority_categories", "provincial_library", "research_keywords", "bad_record",
           "title_name"]
DATES = ["birth_month", "title_issued_on"]
REFERENCES = ["education_id", "degree_id", "organization_id", "college_id", "primary_discipline_id"]

def snapshot(expert: Expert) -> dict:
    """The profile as plain values (ids for references, ISO dates)."""
    values = {f: getattr(expert, f) for f in SCALARS + REFERENCES}
    values.update({f: getattr(expert, f).isoformat() if getattr(expert, f) else None for f in DATES})
    values["secondary_discipline_ids"] = sorted(d.id for d in expert.secondary_disciplines)
    return values


def apply_snapshot(expert: Expert, values: dict) -> None:
    """Write plain values back onto the record."""
    for field, value in values.items():
        if field in DATES:
            setattr(expert, field, date.fromisoformat(value) if value else None)
        elif field == "secondary_discipline_ids":
            expert.secondary_disciplines = list(db.session.scalars(
                select(Discipline).where(Discipline.id.in_(value or []))))
        else:
            setattr(expert, field, value)


def resolve_organization(name: str, credit_code: str, in_shaoxing: bool, user) -> Organization | None:
    """A known unit by name or credit code, else a new one proposed by the expert (to be verified)."""
    name = (name or "").strip()
    if not name:
        return None
    org = db.session.scalar(select(Organization).where(Organization.name == name))
    if org is not None:
        return org
    if not credit_code:
        raise InvalidInput("未找到该单位，请从列表中选择，或填写新单位的统一社会信用代码")
    org = db.session.scalar(select(Organization).where(Organization.credit_code == credit_code))
    if org is not None:
        raise InvalidInput(f"该信用代码已登记为“{org.name}”，请直接选择该单位")
    org = Organization(name=name, credit_code=credit_code, in_shaoxing=in_shaoxing, verified=False)
    db.session.add(org)
    db.session.flush()
    audit.record("organization_proposed", org, user=user, name=name, credit_code=credit_code)
    return org


def save_profile(expert: Expert, values: dict, user, files: dict | None = None) -> ChangeRequest | None:
    """Drafts change in place; a record in the library gets a change request and keeps its values.
    `files` ({kind: UploadedFile}) go with a change request; a draft takes its files on the upload form."""
    if may_propose_change(expert.status, user.role):
        return propose_change(expert, values, user, files=files)
    if files:
        raise InvalidInput("材料请在“上传材料”处上传")
    if not may_edit_in_place(expert.status, user.role):
        raise InvalidInput("申请正在审核中，暂不能修改；如需修改请联系审核人员退回")
    changed = sorted(diff(snapshot(expert), values))
    apply_snapshot(expert, values)
    audit.record("profile_save", expert, user=user, fields=changed)
    return None


def propose_change(expert: Expert, values: dict, user, reason: str = "", files: dict | None = None) -> ChangeRequest:
    """A change to a record in the library (§7), kept with its old and new values and who proposed it.

    The expert's goes to the unit; the unit's or department's to the bureau; the bureau's own correction
    takes effect at once. Until a change takes effect the old values stand (draws use them). Files sent
    with it ({kind: UploadedFile}, a new title certificate say) join the record when it takes effect."""
    if not may_propose_change(expert.status, user.role):
        raise InvalidInput("只有在库专家的信息需要以变更方式修改")
    if user.role != "expert" and not within(record_scope, user, expert):
        raise InvalidInput("该专家不在您的管理范围内")
    if user.role != "expert" and not reason.strip():
        raise InvalidInput("请填写变更理由")
    changes = diff(snapshot(expert), values)
    files = {kind: row for kind, row in (files or {}).items() if row is not None}
    if unknown := set(files) - set(FILE_KINDS):
        raise InvalidInput(f"未知的材料类别：{'、'.join(sorted(unknown))}")
    if not changes and not files:
        raise InvalidInput("没有需要变更的内容")
    if db.session.scalar(select(ChangeRequest.id).where(ChangeRequest.expert_id == expert.id,
                                                        ChangeRequest.status.in_(CHANGE_OPEN))):
        raise InvalidInput(("您" if user.role == "expert" else "该专家") + "已有一项变更申请在审核中，请待其办结后再提交新的变更")
    status = first_change_state(user.role)
    request = ChangeRequest(expert_id=expert.id, changes=json.dumps(changes, ensure_ascii=False),
                            organization_id=values.get("organization_id", expert.organization_id), status=status,
                            proposed_by_id=user.id, proposal_reason=reason.strip(),
                            decided_at=utcnow() if status == "approved" else None,
                            files=[ChangeFile(kind=kind, file_id=row.id) for kind, row in sorted(files.items())])
    db.session.add(request)
    db.session.flush()
    audit.record("change_request", request, user=user, fields=sorted(changes), proposed_by=user.role,
                 reason=reason.strip(), to_status=status, files=sorted(files))
    if status == "approved":
        apply_change(expert, request)
    return request


def apply_change(expert: Expert, change: ChangeRequest) -> None:
    """An approved change onto the record: its new values, and its files in place of (a certificate, the
    stamped form) or beside (proofs) those the record had."""
    apply_snapshot(expert, {field: new for field, (_old, new) in json.loads(change.changes).items()})
    for sent in change.files:
        if sent.kind in SINGLE_FILE_KINDS:
            setattr(expert, f"{sent.kind}_id", sent.file_id)
        else:
            db.session.add(ExpertFile(expert_id=expert.id, file_id=sent.file_id, kind=sent.kind))


def describe(field: str, value) -> str:
    """A value as a person reads it, for the change request's side-by-side view."""
    from rules.eligibility import EXPERT_TYPES, PRIORITY_CATEGORIES, TITLE_LEVELS
    from rules.idcard import ID_TYPES

    if value in (None, "", []):
        return "（空）"
    if field == "title_level":
        return TITLE_LEVELS.get(value, (value,))[0]
    if field == "expert_type":
        return EXPERT_TYPES.get(value, value)
    if field == "id_type":
        return ID_TYPES.get(value, value)
    if field == "priority_categories":
        return "；".join(PRIORITY_CATEGORIES.get(c, c) for c in value.split(",") if c)
    if isinstance(value, bool):
        return "是" if value else "否"
    models = {"organization_id": Organization, "college_id": College, "primary_discipline_id": Discipline}
    if field in models:
        row = db.session.get(models[field], value)
        return str(row) if row else str(value)
    if field in ("education_id", "degree_id"):
        from models import ReferenceItem

        row = db.session.get(ReferenceItem, value)
        return row.name if row else str(value)
    if field == "secondary_discipline_ids":
        return "；".join(str(d) for d in db.session.scalars(select(Discipline).where(Discipline.id.in_(value))))
    return str(value)


# A change request's personal numbers are shown masked to everyone who weighs it (the record's own page
# has the audited 显示完整号码 for those whose role may see the number).
_MASKED_IN_CHANGES = {"id_number": mask_id_number, "bank_account": mask_bank_account, "mobile": mask_mobile}


def change_rows(change: ChangeRequest) -> list[tuple[str, str, str]]:
    """(label, old, new) for each changed field, personal numbers masked."""
    rows = []
    for field, (old, new) in json.loads(change.changes).items():
        mask = _MASKED_IN_CHANGES.get(field)
        rows.append((label_of(field), mask(old) if mask else describe(field, old),
                     mask(new) if mask else describe(field, new)))
    return rows


def add_avoidance(expert: Expert, kind: str, name: str, credit_code: str, reason: str, until, user) -> ExpertAvoidance:
    """A standing avoidance the expert declares (§13: a former employer within three years, a spouse's
    employer…): every later draw applies it, to activities up to `until` (none: always)."""
    if kind not in ("unit", "person"):
        raise InvalidInput("请选择回避的是单位还是个人")
    if not name.strip():
        raise InvalidInput("请填写回避的单位或个人名称")
    if kind == "unit" and not credit_code:
        raise InvalidInput("回避单位须填写统一社会信用代码（抽取时按代码核对）")
    if not reason.strip():
        raise InvalidInput("请写明回避理由")
    avoidance = ExpertAvoidance(expert_id=expert.id, kind=kind, name=name.strip(), credit_code=credit_code or "",
                                reason=reason.strip(), until=until)
    db.session.add(avoidance)
    db.session.flush()
    audit.record("avoidance_added", expert, user=user, kind=kind, name=name.strip(), credit_code=credit_code or "",
                 until=str(until or ""))
    return avoidance


def remove_avoidance(expert: Expert, avoidance: ExpertAvoidance | None, user) -> None:
    if avoidance is None or avoidance.expert_id != expert.id:
        raise InvalidInput("找不到要撤销的回避声明，请刷新页面后重试。")
    audit.record("avoidance_removed", expert, user=user, name=avoidance.name, credit_code=avoidance.credit_code)
    db.session.delete(avoidance)
