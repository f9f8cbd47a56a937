"""What an application must contain before it can be submitted."""
from __future__ import annotations

from rules.record import LABELS

REQUIRED_FIELDS = {field: LABELS[field] for field in (
    "name", "id_type", "id_number", "birth_month", "title_level", "education", "mobile", "email",
    "organization", "expert_type", "years_in_field", "primary_discipline")}


def missing_for_submission(values: dict, *, route: str, files: dict) -> list[str]:
    """Labels of what is still missing; empty when the application may be submitted.

    values: field → value (blank/None counts as missing); files: kind → present?
    """
    missing = [label for field, label in REQUIRED_FIELDS.items() if values.get(field) in (None, "", [])]
    has_title = values.get("title_level") not in (None, "", "none")
    if has_title and not values.get("title_name"):
        missing.append(LABELS["title_name"])
    if has_title and not files.get("title_certificate"):
        missing.append("职称证书（上传）")
    if values.get("priority_categories") and not files.get("priority_proof"):
        missing.append("优先入库条件证明材料（上传）")
    if route == "provincial" and not files.get("provincial_proof"):
        missing.append("浙江省科技专家库专家资格证明（上传）")
    if route == "open" and not files.get("stamped_form"):
        missing.append("单位盖章的专家信息表（上传）")
    return missing
