"""The back office: one Flask-Admin view per area, each open only to the roles it names."""
from __future__ import annotations

from pathlib import Path

from flask_admin import Admin
from flask_admin.menu import MenuLink, MenuView
from flask_admin.theme import Bootstrap4Theme

from models import (AuditEntry, ChangeRequest, Discipline, DrawRecord, DrawRequest, ExitRequest, Expert, Objection,
                    ManagingDepartment, Organization, OutboxMessage, ReferenceItem, User, db)


def build_admin(app) -> Admin:
    """Create the Admin object and register every view (inside the factory, per app)."""
    from admin_views.audit import AuditEntryView
    from admin_views.base import HomeView
    from admin_views.changes import ChangeRequestView
    from admin_views.dashboard import DashboardView
    from admin_views.draws import DrawRecordView, DrawRequestView
    from admin_views.exits import ExitFlagsView, ExitRequestView
    from admin_views.imports import ImportView
    from admin_views.objections import ObjectionView
    from admin_views.experts import ExpertView
    from admin_views.organizations import DepartmentView, OrganizationView
    from admin_views.reference import DisciplineView, ReferenceItemView
    from admin_views.outbox import OutboxView
    from admin_views.users import UserView
    from web.security import csp_nonce

    admin = WorkFirstAdmin(
        app,
        name="绍兴市科技专家库",
        index_view=HomeView(name="首页", url="/admin"),
        # Our copy of Flask-Admin's zh_Hans_CN catalog: the shipped .mo lacks some strings.
        translations_path=str(Path(__file__).resolve().parent.parent / "translations"),
        theme=Bootstrap4Theme(base_template="admin/app_base.html", swatch="default", fluid=True),
        # Flask-Admin's own <script> tags carry this request's nonce (web/security.py).
        csp_nonce_generator=csp_nonce,
    )
    s = db  # Flask-Admin 2.x takes the Flask-SQLAlchemy object
    admin.add_view(DashboardView(name="统计分析", endpoint="dashboard"))
    admin.add_view(ExpertView(Expert, s, name="专家", endpoint="expert", category="专家管理"))
    admin.add_view(ChangeRequestView(ChangeRequest, s, name="信息变更", endpoint="change", category="专家管理"))
    admin.add_view(ObjectionView(Objection, s, name="公示异议", endpoint="objection", category="专家管理"))
    admin.add_view(ExitRequestView(ExitRequest, s, name="出库申请", endpoint="exitrequest", category="专家管理"))
    admin.add_view(ExitFlagsView(name="出库处理（超龄、缺席）", endpoint="exitflags", category="专家管理"))
    admin.add_view(DrawRequestView(DrawRequest, s, name="抽取申请", endpoint="drawrequest", category="专家抽取"))
    admin.add_view(DrawRecordView(DrawRecord, s, name="抽取记录", endpoint="drawrecord", category="专家抽取"))
    admin.add_view(OrganizationView(Organization, s, name="工作单位", endpoint="organization", category="基础数据"))
    admin.add_view(DepartmentView(ManagingDepartment, s, name="归口管理部门", endpoint="department", category="基础数据"))
    admin.add_view(DisciplineView(Discipline, s, name="学科", endpoint="discipline", category="基础数据"))
    admin.add_view(ReferenceItemView(ReferenceItem, s, name="代码表", endpoint="reference", category="基础数据"))
    admin.add_view(ImportView(name="批量导入", endpoint="imports", category="基础数据"))
    admin.add_view(UserView(User, s, name="用户", endpoint="user", category="系统管理"))
    admin.add_view(OutboxView(OutboxMessage, s, name="通知发件箱", endpoint="outbox", category="系统管理"))
    admin.add_view(AuditEntryView(AuditEntry, s, name="审计日志", endpoint="audit", category="系统管理"))
    admin.add_link(RoleMenuLink("邀请入库", endpoint="expert.invite_view", category="专家管理", roles={"bureau"}))
    admin.add_link(RoleMenuLink("公示页面", url="/publicity", category="专家管理", roles={"bureau"}))
    return admin


class WorkFirstMenuView(MenuView):
    """A list's menu entry that opens on 待我处理 while something waits there for the user (per request,
    so never cached); otherwise on the whole list."""

    def __init__(self, name, view):
        super().__init__(name, view, cache=False)

    def get_url(self):
        work_first = getattr(self._view, "work_first_url", None)
        return (work_first() if work_first else None) or super().get_url()


class WorkFirstAdmin(Admin):
    def _add_view_to_menu(self, view) -> None:
        self.add_menu_item(WorkFirstMenuView(view.name, view), view.category)


class RoleMenuLink(MenuLink):
    """A menu link shown only to the roles that may follow it."""

    def __init__(self, *args, roles: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = roles

    def is_accessible(self) -> bool:
        from admin_views.base import user_role

        return user_role() in self.roles
