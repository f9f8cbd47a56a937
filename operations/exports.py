"""Turning records into workbooks: plain values for exports/, and an audit entry for each export.

Each function returns the workbook and its file name; the view sends it and commits.
"""
from __future__ import annotations

from flask_babel import format_datetime

from exports.expert_form import ExpertFormData, expert_form_xlsx
from models import Expert, db, utcnow
from operations import audit
from rules.eligibility import TITLE_LEVELS
from rules.idcard import ID_TYPES


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
        exported_by=user.name, exported_at=format_datetime(utcnow()),
    )


def expert_form_export(expert: Expert, user) -> tuple[bytes, str]:
    """The 专家信息表 of one expert, audited."""
    data = expert_form_xlsx(expert_form_data(expert, user))
    audit.record("export_expert_form", expert, user=user, rows=1)
    return data, f"专家信息表_{expert.name}.xlsx"


def draw_sheet_data(req, user, *, masked_mobiles: bool):
    """A request, its draws and its experts as the plain values the draw sheets print."""
    import json

    from sqlalchemy import select

    from exports.draw_sheets import DrawExpertRow, DrawSheetData
    from models import Invitation
    from operations.draws import verify
    from rules.conflicts import EXCLUSION_REASONS
    from rules.draw_requests import ACTIVITY_TYPES, ATTENDANCE, REGIONS
    from rules.eligibility import EXPERT_TYPES
    from rules.invitations import ROLES
    from rules.masking import mask_mobile

    records = list(req.records)
    first = records[0]
    lines = []
    for r in records:
        operator = r.operator.name if r.operator else ""
        text = f"{format_datetime(r.created_at, 'long')} 操作人 {operator}"
        if r.kind != "initial":
            text += f"；原因：{r.reason}；候选库 {r.pool_size} 人；种子 {r.seed}"
        lines.append(("首次抽取" if r.kind == "initial" else f"补充抽取 #{r.id}", text))
    counts: dict[str, int] = {}
    for r in records:
        for code, n in json.loads(r.exclusion_counts).items():
            counts[code] = counts.get(code, 0) + n
    response = {"accepted": "已接受", "expired": "超时未答复", "conflict": "回避冲突", "waiting": "未启用",
                "cancelled": "未启用", "invited": "待答复", "recused": "申请回避"}
    rows = []
    for inv in db.session.scalars(select(Invitation).where(Invitation.request_id == req.id)
                                  .order_by(Invitation.position)):
        person = inv.person
        reply = f"已拒绝：{inv.decline_reason}" if inv.status == "declined" else response.get(inv.status, inv.status)
        attendance = ATTENDANCE.get(inv.attendance or "", "")
        if inv.absence_reason:
            attendance += f"（{inv.absence_reason}）"
        rows.append(DrawExpertRow(
            order=inv.position, role=ROLES[inv.role],
            name=person.name, unit=inv.unit_name,
            title=(f"{TITLE_LEVELS.get(person.title_level, ('',))[0]} {person.title_name or ''}".strip()
                   if inv.expert else person.title),
            discipline=str(person.primary_discipline or "") if inv.expert else "特邀（库外）",
            mobile=mask_mobile(person.mobile) if masked_mobiles else (person.mobile or ""),
            response=reply, attendance=attendance, rating=str(inv.rating or "")))
    verdicts = [verify(r) for r in records]
    verification = ("复核一致" if all(v.ok for v in verdicts) else "复核不一致：" + "；".join(
        f"#{v.record_id} {v.message}" for v in verdicts if not v.ok)) + f"（导出时按存档种子与候选库重新计算，{format_datetime(utcnow())}）"
    conditions = json.loads(first.conditions)
    return DrawSheetData(
        request_no=req.number, activity=req.title, activity_type=ACTIVITY_TYPES.get(req.activity_type, ""),
        time=f"{req.start_at:%Y-%m-%d %H:%M} 至 {req.end_at:%Y-%m-%d %H:%M}", place=req.place,
        usage_unit=req.organization.name,
        conditions=[("学科", "；".join(conditions["disciplines"])),
                    ("专家类型", EXPERT_TYPES.get(conditions["expert_type"], "不限")),
                    ("最低职称", TITLE_LEVELS[conditions["min_title"]][0]),
                    ("地域", REGIONS[conditions["region"]]),
                    ("年龄", f"{conditions['age_min'] or '不限'}–{conditions['age_max'] or '不限'}周岁"),
                    ("每单位最多", f"{conditions['max_per_org']}人")],
        need=req.need, backups=req.backups, draws=lines, pool_size=first.pool_size, pool_digest=first.pool_digest,
        seed=first.seed, algorithm_version=first.algorithm_version,
        exclusions=[(EXCLUSION_REASONS.get(code, code), n) for code, n in counts.items()],
        experts=rows, verification=verification, exported_by=user.name, exported_at=format_datetime(utcnow()))


def draw_sheet_export(req, user, kind: str) -> tuple[bytes, str]:
    """The result sheet (for the usage unit, after release) or the record form (for the archive), audited."""
    from exports.draw_sheets import draw_record_xlsx, draw_result_xlsx

    data = draw_sheet_data(req, user, masked_mobiles=False)
    build, name = (draw_result_xlsx, "专家抽取结果") if kind == "result" else (draw_record_xlsx, "专家抽取记录表")
    payload = build(data)
    audit.record("export_draw_" + kind, req, user=user, rows=len(data.experts))
    return payload, f"{name}_{req.number}.xlsx"


def leadership_workbook(user, year: int, district: str | None, scope: str) -> tuple[bytes, int]:
    """The statistics workbook and how many experts it covers; audited with its filter."""
    from exports.leadership import LeadershipData, Table, leadership_xlsx
    from operations.statistics import figures, key_figures, tables

    f = figures(year, district)
    data = LeadershipData(title=f"绍兴市科技专家库统计报表（{year}年）", key_figures=key_figures(f), scope=scope,
                          exported_by=user.name, exported_at=format_datetime(utcnow()), tables=[Table(**t) for t in tables(f, scope)])
    audit.record("export_leadership", user=user if getattr(user, "id", None) else None,
                 username=user.username, filter=scope, rows=f["in_library"])
    return leadership_xlsx(data), f["in_library"]
