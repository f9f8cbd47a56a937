"""The audit log in words: each action, object type and detail as the supervisor reads them.

The log itself keeps codes (they are part of the hash chain and never change); only the page translates.
Actions named from a workflow step ("expert_endorse", "request_approve", …) take the step's label from
the rules table that defines it, so a new step needs no second list here.
"""
from __future__ import annotations

import json
import re
from datetime import datetime

from flask_babel import format_datetime

from rules import admission, changes, draw_requests, invitations
from rules.lifecycle import EXIT_REASONS, EXIT_REQUEST_STATES
from rules.publicity import OBJECTION_STATES
from rules.record import label_of

ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "register": "注册账号",
    "password_changed": "修改密码", "password_change_failed": "修改密码失败",
    "create": "新建", "update": "修改", "delete": "删除",
    "view_expert": "查看专家信息", "reveal": "显示完整号码", "profile_save": "专家保存个人信息",
    "file_upload": "上传文件", "file_download": "下载文件",
    "export_roster": "导出专家名册", "export_leadership": "导出统计报表", "export_expert_form": "导出专家信息表",
    "organization_proposed": "提出新的工作单位", "expert_invite": "邀请入库", "expert_reapply": "重新申请入库",
    "expert_exit": "专家出库", "expert_wake": "登录后恢复活跃", "exit_request": "提交出库申请",
    "absences_kept": "核实缺席后不予出库", "leave_added": "登记请假", "leave_removed": "撤销请假",
    "avoidance_added": "登记长期回避单位", "avoidance_removed": "撤销长期回避单位",
    "change_request": "提交信息变更", "objection_lodged": "提出公示异议",
    "request_conditions_proposed": "提出调整抽取条件", "request_conditions_revised": "调整抽取条件",
    "draw_names_viewed": "查看抽取名单", "draw_verify": "复核抽取记录", "draws_verify": "复核全部抽取记录",
    "invitation_next": "启用备选专家", "invitation_skipped": "跳过不可用的备选专家",
    "invitation_special": "邀请特邀专家", "invitation_expired": "邀请超时", "invitation_cancelled": "取消邀请",
    "attendance": "记录出席情况", "spot_check": "抽查评价",
    "lifecycle": "每日任务", "audit_verify": "审计日志完整性校验", "data_key_rotated": "更换数据密钥",
    "import_experts": "批量导入专家", "import_units": "批量导入工作单位", "message_phoned": "电话通知专家",
    "seed_reference": "载入基础代码", "seed_demo": "载入演示数据", "seed_scale": "载入规模测试数据",
}

# "<prefix><step>": the step's label from the rules table that defines it.
PREFIXED = [
    ("exit_request_", "出库申请：", EXIT_REQUEST_STATES),
    ("special_expert_", "特邀专家：", draw_requests.SPECIAL_STATES),
    ("export_draw_", "导出", {"result": "专家抽取结果", "record": "专家抽取记录表"}),
    ("expert_", "专家", admission.ACTIONS),
    ("request_", "抽取申请：", draw_requests.ACTIONS),
    ("change_", "信息变更：", changes.CHANGE_ACTIONS),
    ("invitation_", "邀请：", invitations.STATES),
    ("objection_", "公示异议：", OBJECTION_STATES),
    ("draw_", "", {"initial": "随机抽取", "supplement": "补充抽取"}),
]

OBJECTS = {
    "Expert": "专家", "User": "用户", "Organization": "工作单位", "ManagingDepartment": "归口管理部门",
    "Discipline": "学科", "ReferenceItem": "代码项", "College": "院系", "DrawRequest": "抽取申请",
    "DrawRecord": "抽取记录", "Invitation": "邀请", "SpecialExpert": "特邀专家", "ProjectMember": "项目成员",
    "RequestAvoidance": "回避单位", "ExpertAvoidance": "长期回避单位", "ExpertLeave": "请假",
    "ChangeRequest": "信息变更", "ExitRequest": "出库申请", "ExpertExit": "出库记录", "Objection": "公示异议",
    "PublicityBatch": "公示批次", "UploadedFile": "文件", "OutboxMessage": "通知", "AuditEntry": "审计日志",
}

DETAILS = {
    "absences": "缺席次数", "added": "新增", "admitted": "入库人数", "at": "时间", "attendance": "出席情况",
    "backups": "备选人数", "changes": "变更内容", "checked": "校验条数", "conditions": "抽取条件",
    "credit_code": "统一社会信用代码", "day": "日期", "end": "结束日期", "evidence": "事实依据",
    "exclusions": "排除情况", "expert_id": "专家编号", "fee": "劳务费（元）", "field": "字段", "fields": "字段",
    "filter": "筛选条件", "from_status": "原状态", "invitations_expired": "超时邀请数", "key_id": "密钥编号",
    "kind": "类别", "label": "名称", "message": "内容", "mismatches": "不一致", "missing_records": "缺失记录",
    "name": "名称", "new": "新值", "note": "备注", "object_type": "对象类型", "ok": "校验通过", "old": "原值",
    "page": "页面", "pool_digest": "候选池摘要", "pool_size": "候选人数", "problems": "问题数",
    "proposed_by": "提出人", "rating": "评分", "reapply_allowed": "可重新申请", "reason": "理由",
    "reasons": "理由", "reminders": "答复期限提醒数", "request_id": "抽取申请编号", "resealed": "重新加密",
    "rows": "行数", "seed": "随机种子", "selected": "抽中人数", "sha256": "文件摘要（SHA-256）",
    "size": "文件大小（字节）", "start": "开始日期", "to_status": "新状态", "until": "截止日期", "user": "用户",
    "username": "用户名", "username_invited": "受邀用户名", "via": "方式", "dormant": "进入休眠人数",
    "exit": "自动出库人数", "warned": "发出提醒人数", "status": "状态",
    "file": "文件", "updated": "更新", "unchanged": "无变化", "errors": "错误行数", "accounts": "开通账号数",
}

# The states an object's status codes are read in.
STATES_OF = {
    "Expert": admission.STATUSES, "DrawRequest": draw_requests.STATES, "ChangeRequest": changes.CHANGE_STATES,
    "Invitation": invitations.STATES, "ExitRequest": EXIT_REQUEST_STATES, "Objection": OBJECTION_STATES,
    "SpecialExpert": draw_requests.SPECIAL_STATES,
}
VALUES = {**invitations.CHANNELS, **draw_requests.ATTENDANCE, **{k: v[0] for k, v in EXIT_REASONS.items()},
          "review": "审核页", "details": "详情页", "edit": "编辑页", "email_link": "邮件链接", "portal": "个人主页"}


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?")


def action_label(code: str) -> str:
    if code in ACTIONS:
        return ACTIONS[code]
    for prefix, said, steps in PREFIXED:
        if code.startswith(prefix) and code[len(prefix):] in steps:
            return said + steps[code[len(prefix):]]
    return code


def object_label(code: str) -> str:
    return OBJECTS.get(code, code)


def known_actions() -> dict[str, str]:
    """Every action code the log can hold, with its label: the audit list's filter offers them."""
    every = dict(ACTIONS)
    for prefix, said, steps in PREFIXED:
        every.update({prefix + step: said + label for step, label in steps.items()})
    return every


def _value(value, states: dict[str, str], field_labels: dict[str, str]) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, list):
        return "、".join(_value(v, states, field_labels) for v in value)
    if isinstance(value, dict):
        if set(value) == {"old", "new"}:
            return f"{_value(value['old'], states, field_labels)} → {_value(value['new'], states, field_labels)}"
        return "；".join(f"{_key(k, field_labels)}：{_value(v, states, field_labels)}" for k, v in value.items())
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm:ss")  # stored in UTC
    if isinstance(value, str):
        return states.get(value) or VALUES.get(value) or value
    return str(value)


def _key(key: str, field_labels: dict[str, str]) -> str:
    return field_labels.get(key) or DETAILS.get(key) or label_of(key)


def detail_lines(detail: str, object_type: str = "", field_labels: dict[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    """The entry's detail as (label, value) lines; a change as 'old → new'."""
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        return [("详情", detail)]
    if not isinstance(data, dict):
        return [("详情", str(data))]
    labels = field_labels or {}
    states = STATES_OF.get(object_type, {})
    lines = []
    for key, value in data.items():
        if key == "changes" and isinstance(value, dict):
            lines += [(_key(k, labels), _value(v, states, labels)) for k, v in value.items()]
        else:
            lines.append((_key(key, labels), _value(value, states, labels)))
    return lines
