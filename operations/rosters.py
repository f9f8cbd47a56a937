"""The roster of the list a user is looking at: scoped, masked by role, audited."""
from __future__ import annotations

import os
import tempfile
from datetime import date

from flask import Response, send_file
from sqlalchemy.orm import aliased

from exports.roster import write_roster
from models import Discipline, Expert, Organization, ReferenceItem, db, utcnow
from models.experts import EXPERT_STATUSES
from operations import audit
from rules.eligibility import EXPERT_TYPES, TITLE_LEVELS
from rules.masking import FULL_NUMBERS, mask_bank_account, mask_id_number, mask_mobile
from web.filters import local_dt



def _rows(query, role: str):
    """The roster's cells for every expert the list's query selects (its scope, filters and order).

    Only the printed columns, streamed in batches: whole records with their relationships cost
    three times as much at 100,000 experts, and the numbers must be decrypted to be masked anyway.
    """
    full = FULL_NUMBERS.get(role, set())
    org, district, discipline = aliased(Organization), aliased(ReferenceItem), aliased(Discipline)
    rows = (query.with_entities(Expert.name, Expert.sex, Expert.id_number, Expert.birth_month, Expert.title_level,
                                Expert.title_name, org.id, org.name, district.name, discipline.code, discipline.name,
                                Expert.expert_type, Expert.mobile, Expert.bank_account, Expert.status)
            .outerjoin(org, Expert.organization_id == org.id).outerjoin(district, org.district_id == district.id)
            .outerjoin(discipline, Expert.primary_discipline_id == discipline.id)
            .execution_options(yield_per=2000))
    sexes, titles = {"M": "男", "F": "女"}, {code: label for code, (label, _rank) in TITLE_LEVELS.items()}
    for (name, sex, id_number, birth_month, title_level, title_name, org_id, org_name, district_name, code,
         discipline_name, expert_type, mobile, bank_account, status) in rows:
        yield [
            name, sexes.get(sex or "", ""),
            id_number if "id_number" in full else mask_id_number(id_number),
            birth_month.strftime("%Y-%m") if birth_month else "",
            titles.get(title_level, ""), title_name,
            org_name or "", district_name or ("市外" if org_id else ""),
            f"{code} {discipline_name}" if code else "", EXPERT_TYPES.get(expert_type, ""),
            mobile if "mobile" in full else mask_mobile(mobile),
            bank_account if "bank_account" in full else mask_bank_account(bank_account),
            EXPERT_STATUSES.get(status, status),
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

