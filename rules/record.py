"""The expert record of attachment 1 (专家信息表): its fields' Chinese names, in one place.

The panel's columns and form, the portal's form, change requests and completeness messages all
name a field from here, so a label is never spelled two ways.
"""
from __future__ import annotations

LABELS: dict[str, str] = {
    # 一、基本信息
    "name": "专家姓名", "id_type": "证件类型", "id_number": "证件号码", "birth_month": "出生年月",
    "birth_date": "出生日期", "sex": "性别", "title_level": "职称级别", "position": "职务",
    "education": "学历", "degree": "学位", "mobile": "移动电话", "office_phone": "办公电话",
    "email": "电子邮箱", "bank_name": "开户银行", "bank_account": "银行账号",
    # 二、工作单位
    "organization": "工作单位", "college": "院系",
    # 三、学术信息
    "expert_type": "专家类型",
    "basic_condition_declared": "从事相关专业领域工作累计5年及以上，具有副高级（含）以上职称或同等专业技术水平",
    "equivalent_level": "无副高级以上职称，但具有同等专业技术水平",
    "years_in_field": "从事本领域年限", "primary_discipline": "学科分类（主学科）",
    "secondary_disciplines": "其他学科", "priority_categories": "符合的优先入库条件",
    "provincial_library": "浙江省科技专家库专家", "research_keywords": "研究方向（关键词）",
    "bad_record": "有学术道德、科技信用或违纪违法不良记录",
    # 四、职称信息
    "title_name": "职称名称", "title_issued_on": "发证时间", "title_certificate": "职称证书",
    # 五、盖章
    "stamped_form": "盖章的专家信息表",
    # 五、声明的回避
    "avoidances": "声明的回避",
}

# What a form (or an import) that requires a field says when it is left empty.
REQUIRED_MESSAGES: dict[str, str] = {
    "name": "请填写专家姓名", "id_number": "请填写证件号码", "birth_month": "请填写出生年月（如 1975-06）",
    "mobile": "请填写移动电话", "email": "请填写电子邮箱",
}

SEXES = {"M": "男", "F": "女"}

# Files an expert attaches to the record: the first two replace the earlier file, proofs add up.
FILE_KINDS = {
    "title_certificate": "职称证书",
    "stamped_form": "单位盖章的专家信息表",
    "priority_proof": "优先入库条件证明材料",
    "provincial_proof": "浙江省科技专家库专家资格证明",
}
SINGLE_FILE_KINDS = ("title_certificate", "stamped_form")

# Keys under which a change request stores a relation (its row id): the field it names.
_STORED_AS = {"education_id": "education", "degree_id": "degree", "organization_id": "organization",
              "college_id": "college", "primary_discipline_id": "primary_discipline",
              "secondary_discipline_ids": "secondary_disciplines"}


def label_of(key: str) -> str:
    """The Chinese name of a field, whether named as on the record or as a change request stores it."""
    return LABELS.get(_STORED_AS.get(key, key), key)
