"""The roster of the list a user is looking at: scoped, masked by role, audited."""
from __future__ import annotations

import os
import tempfile
from datetime import date

from flask_babel import format_datetime
from sqlalchemy.orm import aliased

from exports.roster import write_roster
from models import Discipline, Expert, Organization, ReferenceItem, utcnow
from operations import audit
from rules.admission import STATUSES
from rules.eligibility import EXPERT_TYPES, TITLE_LEVELS
from rules.masking import FULL_NUMBERS, mask_bank_account, mask_id_number, mask_mobile
from rules.record import SEXES


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
    titles = {code: label for code, (label, _rank) in TITLE_LEVELS.items()}
    for (name, sex, id_number, birth_month, title_level, title_name, org_id, org_name, district_name, code,
         discipline_name, expert_type, mobile, bank_account, status) in rows:
        yield [
            name, SEXES.get(sex or "", ""),
            id_number if "id_number" in full else mask_id_number(id_number),
            birth_month.strftime("%Y-%m") if birth_month else "",
            titles.get(title_level, ""), title_name,
            org_name or "", district_name or ("市外" if org_id else ""),
            f"{code} {discipline_name}" if code else "", EXPERT_TYPES.get(expert_type, ""),
            mobile if "mobile" in full else mask_mobile(mobile),
            bank_account if "bank_account" in full else mask_bank_account(bank_account),
            STATUSES.get(status, status),
        ]


def roster_export(query, user, filter_text: str) -> tuple[str, str]:
    """Stream the roster to a temporary file and audit who exported what and how many rows.

    Returns the file's path (the caller sends and removes it) and the name to download it under."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    count = write_roster(path, _rows(query, user.role), title="绍兴市科技专家库专家名册", filter_text=filter_text,
                         exported_by=f"{user.name}（{user.role_label}）", exported_at=format_datetime(utcnow()))
    audit.record("export_roster", user=user, filter=filter_text, rows=count)
    return path, f"专家名册_{date.today():%Y-%m-%d}.xlsx"
