"""The role-gated base views: deny unless a role is allowed; audit every change."""
from __future__ import annotations

import logging

from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from wtforms import ValidationError

from models import db
from operations import audit
from web.inputs import MAX_ID, parse_id

log = logging.getLogger(__name__)

# Values never copied into the audit log: only the fact that they changed.
SECRET_FIELDS = {"id_number", "id_number_hash", "bank_account", "mobile", "password_hash",
                 "session_token"}


def user_role() -> str | None:
    """The signed-in user's role; None outside a request (Flask-Admin reads rights at start-up)."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    return current_user.role


def deny(name: str | None = None):
    """Anonymous → the login page; a signed-in user without the right → 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


class RoleView(ModelView):
    """A model view open only to `roles`; each right is granted per role, never by default."""

    # Permissions: which roles may open the view, and which may do what inside it.
    roles: frozenset[str] = frozenset()
    create_roles: frozenset[str] = frozenset()
    edit_roles: frozenset[str] = frozenset()
    delete_roles: frozenset[str] = frozenset()
    details_roles: frozenset[str] = frozenset()
    export_roles: frozenset[str] = frozenset()

    can_set_page_size = True
    page_size = 20
    list_template = "admin/model/list.html"

    def is_accessible(self) -> bool:
        return user_role() in self.roles

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return deny(name)

    @property
    def can_create(self) -> bool:
        return user_role() in self.create_roles

    @property
    def can_edit(self) -> bool:
        return user_role() in self.edit_roles

    @property
    def can_delete(self) -> bool:
        return user_role() in self.delete_roles

    @property
    def can_view_details(self) -> bool:
        return user_role() in self.details_roles

    @property
    def can_export(self) -> bool:
        return user_role() in self.export_roles

    def _refresh_cache(self):
        super()._refresh_cache()
        # Rights are per request here, so build the details columns whatever they are at start-up.
        self._details_columns = self.get_details_columns()

    def _handle_view(self, name, **kwargs):
        """Each endpoint needs its own right: 403 rather than Flask-Admin's silent redirect."""
        if not self.is_accessible():
            return self.inaccessible_callback(name, **kwargs)
        needed = {
            "create_view": self.can_create,
            "edit_view": self.can_edit,
            "delete_view": self.can_delete,
            "details_view": self.can_view_details,
            "review_view": self.can_view_details,
            "form_xlsx_view": self.can_view_details,
            "invite_view": self.can_create,
            "exit_view": self.can_create,  # the bureau only
            "roster_view": user_role() in ("bureau", "unit", "dept", "leader"),
            "export": self.can_export,
            # Inline editing would bypass form validation and row rules: never offered.
            "ajax_update": False,
            "ajax_lookup": bool(self.form_ajax_refs),
            "action_view": bool(self.get_actions_list()[0]),
        }
        if not needed.get(name, True):
            abort(403)
        return None

    def _get_list_extra_args(self):
        """?page=-1 or a page past any real list would reach the database as a bad OFFSET: show page 1."""
        args = super()._get_list_extra_args()
        if not 0 <= (args.page or 0) <= MAX_ID // 1000:
            args.page = 0
        return args

    def get_one(self, id):
        """None (Flask-Admin's "record does not exist") for an id that is not a valid key, e.g. ?id=abc."""
        key = parse_id(id)
        return None if key is None else super().get_one(str(key))

    # Hooks: every change is audited in the same transaction as the change itself.
    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form._obj = obj  # lets uniqueness validators skip the record being edited
        return form

    def on_model_change(self, form, model, is_created):
        changes = self._changes(model)  # before the flush, which clears the history
        db.session.flush()  # a new row needs its id for the entry
        audit.record("create" if is_created else "update", model, changes=changes)

    def on_model_delete(self, model):
        audit.record("delete", model, label=str(model))

    @staticmethod
    def _changes(model) -> dict:
        changes = {}
        for attr in inspect(model).attrs:
            history = attr.history
            if not history.has_changes():
                continue
            if attr.key in SECRET_FIELDS:
                changes[attr.key] = "（已修改）"
            else:
                old = [str(v) for v in history.deleted]
                new = [str(v) for v in history.added]
                changes[attr.key] = {"old": old[0] if len(old) == 1 else old,
                                     "new": new[0] if len(new) == 1 else new}
        return changes

    def handle_view_exception(self, exc: Exception) -> bool:
        """Chinese messages, never SQL or a stack trace."""
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash("保存失败：与已有记录重复或违反数据约束（如证件号码、信用代码、用户名重复）。", "error")
            return True
        if isinstance(exc, PermissionError):
            flash(str(exc), "error")
            return True
        log.exception("admin view error")
        flash("保存失败：系统错误，已记录，请联系管理员。", "error")
        return True


class RoleBaseView(BaseView):
    """A custom (non-model) page open only to `roles`."""

    roles: frozenset[str] = frozenset()

    def is_accessible(self) -> bool:
        return user_role() in self.roles

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return deny(name)


class HomeView(AdminIndexView):
    """The back office's home page: open to staff only (Flask-Admin's is public by default)."""

    def is_accessible(self) -> bool:
        from models import STAFF_ROLES

        return user_role() in STAFF_ROLES

    def inaccessible_callback(self, name, **kwargs):
        return deny(name)

    @expose("/")
    def index(self):
        from admin_views.home import cards_for

        return self.render("admin/home.html", cards=cards_for(current_user))
