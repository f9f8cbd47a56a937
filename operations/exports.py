"""Turning records into downloads: plain values for exports/, an audit entry, a response."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from exports.expert_form import ExpertFormData, expert_form_xlsx
from models import Expert, db, utcnow
from operations import audit
from rules.eligibility import TITLE_LEVELS
from rules.idcard import ID_TYPES
from web.filters import local_dt

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def expert_form_data(expert: Expert, user) -> ExpertFormData:
    """The expert's record as the text attachment 1 prints."""
    org = expert.organization
    disciplines = [expert.primary_discipline] + list(expert.secondary_disciplines)
    return ExpertFormData(
        name=expert.name or "", id_type=ID_TYPES.get(expert.id_type, ""), id_number=expert.id_number or "",
        birth_month=expert.birth_month.strftime("%Y年%m月") if expert.birth_month else "",
        title_level=TITLE_LEVELS.get(expert.title_level, ("",))[0], position=expert.position or "",
        education=expert.education.name if expert.education else "",
        degree=expert.degree.name if expert.degree else "", mobile=expert.mobile or "",
        office_phone=expert.office_phone or "", email=expert.email or "", bank_name=expert.bank_name or "",
        bank_account=expert.bank_account or "", unit_name=org.name if org else "",
        credit_code=org.credit_code if org else "",
        unit_type=org.unit_type.name if org and org.unit_type else "",
        unit_location=(org.district.name if org and org.district else (org.address if org else "")),
        department=(org.department.name if org and org.department else "无（由市科技局审核）") if org else "",
        region=org.region_label if org else "", expert_type=expert.expert_type,
        basic_condition=expert.basic_condition_declared,
        disciplines="；".join(str(d) for d in disciplines if d),
        priority=("是：" + "；".join(expert.priority_labels)) if expert.priority_codes else "否",
        title_name=expert.title_name or "",
        title_issued_on=expert.title_issued_on.strftime("%Y年%m月%d日") if expert.title_issued_on else "",
        title_certificate=f"已上传：{expert.title_certificate.original_name}" if expert.title_certificate else "未上传",
        exported_by=user.name, exported_at=local_dt(utcnow()),
    )


def xlsx_response(data: bytes, filename: str) -> Response:
    """A download with the Chinese name (RFC 5987) and an ASCII fallback."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    if ascii_name.startswith(("_", ".")) or ascii_name == ".xlsx":
        ascii_name = "export" + ascii_name
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    return response


def expert_form_response(expert: Expert, user) -> Response:
    """The 专家信息表 of one expert, audited."""
    data = expert_form_xlsx(expert_form_data(expert, user))
    audit.record("export_expert_form", expert, user=user, rows=1)
    db.session.commit()
    return xlsx_response(data, f"专家信息表_{expert.name}.xlsx")
