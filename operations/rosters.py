"""The roster of the list a user is looking at: scoped, masked by role, audited."""
from __future__ import annotations

import os
import tempfile
from datetime import date

from flask import Response, send_file
from sqlalchemy.orm import joinedload

from exports.roster import write_roster
from models import Expert, Organization, db, utcnow
from models.experts import EXPERT_STATUSES
from operations import audit
from rules.eligibility import EXPERT_TYPES, TITLE_LEVELS
from rules.masking import FULL_NUMBERS, mask_bank_account, mask_id_number, mask_mobile
from web.filters import local_dt



def _rows(query, role: str):
    full = FULL_NUMBERS.get(role, set())
    batch = query.options(joinedload(Expert.organization).joinedload(Organization.district),
                          joinedload(Expert.primary_discipline)).yield_per(2000)
    for e in batch:
        org = e.organization
        yield [
            e.name, {"M": "男", "F": "女"}.get(e.sex or "", ""),
            e.id_number if "id_number" in full else mask_id_number(e.id_number),
            e.birth_month.strftime("%Y-%m") if e.birth_month else "",
            TITLE_LEVELS.get(e.title_level, ("",))[0], e.title_name,
            org.name if org else "", (org.district.name if org and org.district else ("市外" if org else "")),
            str(e.primary_discipline or ""), EXPERT_TYPES.get(e.expert_type, ""),
            e.mobile if "mobile" in full else mask_mobile(e.mobile),
            e.bank_account if "bank_account" in full else mask_bank_account(e.bank_account),
            EXPERT_STATUSES.get(e.status, e.status),
        ]


def roster_response(query, user, filter_text: str) -> Response:
    """Stream the roster to a temporary file, send it, audit who exported what and how many rows."""
    from operations.exports import XLSX
    from urllib.parse import quote

    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    stamp = local_dt(utcnow())
    count = write_roster(path, _rows(query, user.role), title="绍兴市科技专家库专家名册", filter_text=filter_text,
                         exported_by=f"{user.name}（{user.role_label}）", exported_at=stamp)
    audit.record("export_roster", user=user, filter=filter_text, rows=count)
    db.session.commit()
    filename = f"专家名册_{date.today():%Y-%m-%d}.xlsx"
    response = send_file(path, mimetype=XLSX, as_attachment=True, download_name=filename)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"roster_{date.today():%Y-%m-%d}.xlsx\"; filename*=UTF-8''{quote(filename)}")
    response.call_on_close(lambda: os.path.exists(path) and os.remove(path))
    return response

