"""What an application must contain before it can be submitted."""
from __future__ import annotations

REQUIRED_FIELDS = {
    "name": "专家姓名", "id_type": "证件类型", "id_number": "证件号码", "birth_month": "出生年月",
    "title_level": "职称级别", "education": "学历", "mobile": "移动电话", "email": "电子邮箱",
    "organization": "工作单位", "expert_type": "专家类型", "years_in_field": "从事本领域年限",
    "primary_discipline": "学科分类（主学科）",
}


def missing_for_submission(values: dict, *, route: str, files: dict) -> list[str]:
    """Labels of what is still missing; empty when the application may be submitted.

    values: field → value (blank/None counts as missing); files: kind → present?
    """
    missing = [label for field, label in REQUIRED_FIELDS.items() if values.get(field) in (None, "", [])]
    has_title = values.get("title_level") not in (None, "", "none")
    if has_title and not values.get("title_name"):
        missing.append("职称名称")
    if has_title and not files.get("title_certificate"):
        missing.append("职称证书（上传）")
    if values.get("priority_categories") and not files.get("priority_proof"):
        missing.append("优先入库条件证明材料（上传）")
    if route == "provincial" and not files.get("provincial_proof"):
        missing.append("浙江省科技专家库专家资格证明（上传）")
    if route == "open" and not files.get("stamped_form"):
        missing.append("单位盖章的专家信息表（上传）")
    return missing
