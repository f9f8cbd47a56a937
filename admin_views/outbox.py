"""The outbox, for the bureau: every message with its state."""
from __future__ import annotations

import re

from flask import flash
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup, escape

from admin_views.base import RoleView, choices, user_role
from models import OutboxMessage, db
from models.base import parse_ids
from models.notifications import MESSAGE_KINDS, MESSAGE_STATES
from operations.notify import mark_phoned
from rules.invitations import CHANNELS


# A signed invitation link answers for the expert: staff reading the outbox must not be able to use it.
_SIGNED_LINK = re.compile(r"(/invitation/)[A-Za-z0-9_.\-]+")


def redact_links(text: str) -> str:
    return _SIGNED_LINK.sub(r"\1［签名链接已隐去，仅收件人可见］", text or "")


class OutboxView(RoleView):
    """Notifications queued, sent, or waiting for a retry."""

    # Permissions
    roles = frozenset({"bureau"})
    details_roles = frozenset({"bureau"})

    # View
    column_list = ["created_at", "kind", "channel", "to_address", "subject", "status", "attempts", "next_attempt_at",
                   "last_error"]
    column_labels = {"created_at": "生成时间", "kind": "类别", "channel": "方式", "to_address": "收件人（邮箱或手机）",
                     "subject": "主题",
                     "status": "状态", "attempts": "尝试次数", "next_attempt_at": "下次尝试", "last_error": "最近错误",
                     "body": "正文", "sent_at": "发送时间"}
    column_choices = {"status": choices(MESSAGE_STATES), "channel": choices(CHANNELS), "kind": choices(MESSAGE_KINDS)}
    column_formatters = {"next_attempt_at": lambda v, c, m, n: m.next_attempt_at if m.status == "queued" else None}
    column_formatters_detail = {**column_formatters,
                                "body": lambda v, c, m, n: Markup("<pre style='white-space:pre-wrap'>{}</pre>")
                                .format(escape(redact_links(m.body)))}
    column_filters = ["status", "channel", "kind"]
    column_default_sort = ("id", True)

    # Actions: a message no e-mail or SMS could carry is closed once the bureau has telephoned.
    def is_action_allowed(self, name):
        return user_role() == "bureau" and super().is_action_allowed(name)

    @action("phoned", "标记为已电话通知", "确认已逐一电话告知所选专家（评审邀请请在抽取申请页记录电话答复）？")
    def action_phoned(self, ids):
        keys = parse_ids(ids)
        if keys is None:
            flash("所选记录无效，请刷新列表后重新勾选。", "error")
            return
        messages = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.id.in_(keys))
                                      .order_by(OutboxMessage.id)).all()
        done, refused = mark_phoned(messages, current_user)
        db.session.commit()
        if done:
            flash(f"已标记 {done} 条为已电话通知。", "success")
        if refused:
            flash("未标记 " + "；".join(refused), "error")
