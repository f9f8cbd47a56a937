"""Questions asked of an expert record, answered by rules/."""
from __future__ import annotations

from datetime import date

from models import Expert
from rules.eligibility import Applicant, EligibilityReport, birth_date_for_age, check_eligibility


def applicant_of(expert: Expert) -> Applicant:
    """The rules' view of an expert: plain values only."""
    return Applicant(
        birth_date=birth_date_for_age(expert.birth_date, expert.birth_month),
        birth_date_from_month=expert.birth_date is None,
        years_in_field=expert.years_in_field,
        title_level=expert.title_level,
        equivalent_level=expert.equivalent_level,
        priority_categories=expert.priority_codes,
        bad_record=expert.bad_record,
    )


def eligibility_of(expert: Expert, today: date | None = None) -> EligibilityReport:
    """The rules §4–§5 check for this expert, today."""
    return check_eligibility(applicant_of(expert), today or date.today())
