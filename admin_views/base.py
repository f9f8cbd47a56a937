"""The role-gated base views: every page is denied unless the view names the roles that may open it.

Flask-Admin's private methods overridden here, each for want of a documented hook:
- `_handle_view` (RoleGate): runs before every exposed page (Flask-Admin's docs point to it for
  access control); here it asks the view's page table, so a page it does not know is refused.
- `_refresh_cache`: builds the details columns whatever the rights are at start-up (they are per request).
- `_get_list_extra_args`: a page number no list reaches (?page=-1) would become a bad OFFSET.
"""
from __future__ import annotations

import logging
from datetime import date, datetime

from flask import (abort, after_this_request, current_app, flash, has_request_context, redirect, request, session,
                   url_for)
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual, FilterNotEqual
from flask_admin.model import typefmt
from flask_admin.model.template import BaseListRowAction, DeleteRowAction, EditRowAction, ViewRowAction
from flask_babel import format_date, format_datetime
from flask_login import current_user
from jinja2 import pass_context
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from wtforms import ValidationError

from admin_views.forms import AdminForm, InlineConverter, RelationCheckingConverter
from forms.review import DecisionForm
from models import STAFF_ROLES, db
from models.base import MAX_ID, lost_a_race, parse_id
from operations import audit
from rules import InvalidInput
from web.errors import BUSY_MESSAGE

log = logging.getLogger(__name__)

# Values never copied into the audit log: only the fact that they changed.
SECRET_FIELDS = {"id_number", "id_number_hash", "bank_account", "mobile", "password_hash",
                 "session_token"}

# Every list and details page shows yes/no in words and times in Beijing time to the minute.
TYPE_FORMATTERS = {
    **typefmt.BASE_FORMATTERS,
    bool: lambda view, value, name: "是" if value else "否",
    datetime: lambda view, value, name: format_datetime(value),
    date: lambda view, value, name: format_date(value),
}


def user_role() -> str | None:
    """The signed-in user's role; None outside a request (Flask-Admin reads rights at start-up)."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    return current_user.role


def deny():
    """Anonymous → the login page; a signed-in user without the right → 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


def choices(labels: dict) -> list[tuple[str, str]]:
    """A code list as Flask-Admin's (value, label) pairs: shown by label, filtered from a dropdown."""
    return [(code, label[0] if isinstance(label, tuple) else label) for code, label in labels.items()]


class RoleGate:
    """Open only to the signed-in roles named in `roles`, shown in the menu only to them; each of the
    view's pages (its exposed methods) only to the roles `page_roles` names for it, its `index` page
    to `roles`. A page named nowhere is open to nobody."""

    roles: frozenset[str] = frozenset()
    page_roles: dict[str, frozenset[str]] = {}

    def is_accessible(self) -> bool:
        return user_role() in self.roles

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return deny()

    def may_open(self, name: str) -> bool:
        return user_role() in self.page_roles.get(name, self.roles if name == "index" else frozenset())

    def _handle_view(self, name, **kwargs):
        if not self.is_accessible():
            return self.inaccessible_callback(name, **kwargs)
        if not self.may_open(name):
            abort(403)
        return None


def _granted_to(roles_attribute: str) -> property:
    """A right of Flask-Admin's, granted when the user's role is in the view's `roles_attribute`."""
    return property(lambda view: user_role() in getattr(view, roles_attribute))


def apply_form(form, apply) -> tuple[bool, str | None]:
    """Check a posted form, then apply it in one transaction: (done, what went wrong).

    Nothing of a refused form or a refused step is kept: the page is shown again with what was typed."""
    if not form.validate_on_submit():
        return False, "；".join(m for messages in form.errors.values() for m in messages) or None
    return in_one_transaction(apply)


def in_one_transaction(apply) -> tuple[bool, str | None]:
    """Apply one change and commit it; when the rules refuse it, roll back: (done, the refusal)."""
    try:
        apply()
        db.session.commit()
        return True, None
    except InvalidInput as e:
        db.session.rollback()
        return False, str(e)


def blank_in_words(form):
    """An optional choice's empty entry reads （不选）, not WTForms' fallback to its value "__None"."""
    for field in form:
        if getattr(field, "allow_blank", False) and not getattr(field, "blank_text", None):
            field.blank_text = "（不选）"
    return form


class ClauseFilter(BaseSQLAFilter):
    """A filter named in words for the rows meeting a clause of operations/scope.py (the user's own)."""

    def __init__(self, column, name: str, clause):
        super().__init__(column, name, options=[("1", "是")])
        self.clause = clause

    def apply(self, query, value, alias=None):
        return query.filter(self.clause(current_user))

    def operation(self):
        return "为"


class AwaitingMe(ClauseFilter):
    """待我处理: the rows waiting for this user's decision or step. A list's menu entry opens on it while
    something waits (WorkFirstMenuView)."""

    def __init__(self, column, clause):
        super().__init__(column, "待我处理", clause)


def _view(endpoint: str):
    return next(v for v in current_app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == endpoint)


def filter_url(endpoint: str, *, column: str | None = None, named: str = "待我处理", value: str = "1") -> str:
    """The list page of `endpoint` with one filter set: `column` equal to `value`, or the filter `named`
    (Flask-Admin numbers its filters, so the key is looked up)."""
    def wanted(flt) -> bool:
        if column is not None:
            return type(flt) is FilterEqual and getattr(flt.column, "key", "") == column
        return isinstance(flt, ClauseFilter) and flt.name == named

    key = next(k for k, (_i, flt) in _view(endpoint)._filter_args.items() if wanted(flt))
    return url_for(f"{endpoint}.index_view", **{f"flt0_{key}": value})


def _say_instead(message: str) -> None:
    """Flask-Admin flashes its generic success message after the hooks run; at the request's end this
    message takes its place."""
    from flask_admin.babel import gettext, ngettext

    @after_this_request
    def replace(response):
        generic = {gettext("Record was successfully created."), gettext("Record was successfully saved."),
                   ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.", 1,
                            count=1)}
        flashes = session.get("_flashes", [])
        session["_flashes"] = [(c, message if c == "success" and m in generic else m) for c, m in flashes]
        return response


class _WhereAllowed(BaseListRowAction):
    """A row's icon drawn only where the signed-in user may follow it: never a link that answers 403."""

    PAGES = {ViewRowAction: "details_view", EditRowAction: "edit_view", DeleteRowAction: "delete_view"}

    def __init__(self, action: BaseListRowAction, view: RoleView):
        super().__init__(action.title)
        self.action, self.view = action, view
        self.page = self.PAGES.get(type(action)) or getattr(action, "endpoint", "").lstrip(".")

    @pass_context
    def render_ctx(self, context, row_id, row):
        if self.view.may_open(self.page) and self.view.row_allows(self.page, row):
            return self.action.render(context, row_id, row)
        return ""


class RoleView(RoleGate, ModelView):
    """A model view open only to the roles it names; each page and right is granted per role."""

    # Permissions: who may open the list (roles), and who may use each of Flask-Admin's own pages.
    create_roles: frozenset[str] = frozenset()
    edit_roles: frozenset[str] = frozenset()
    delete_roles: frozenset[str] = frozenset()
    details_roles: frozenset[str] = frozenset()
    export_roles: frozenset[str] = frozenset()
    # Row scoping: a function of the user giving a WHERE clause (operations/scope.py), or None.
    row_scope = None

    # Form: every model form (inline ones too) refuses control characters in its text, and a relation
    # takes only a row its query offers (admin_views/forms.py).
    form_base_class = AdminForm
    model_form_converter = RelationCheckingConverter
    inline_model_form_converter = InlineConverter

    # View
    can_set_page_size = True
    page_size = 20
    list_template = "admin/model/list.html"
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS

    # Flask-Admin reads these rights (can_create, …) per request, as this user's role allows.
    can_create = _granted_to("create_roles")
    can_edit = _granted_to("edit_roles")
    can_delete = _granted_to("delete_roles")
    can_view_details = _granted_to("details_roles")
    can_export = _granted_to("export_roles")

    def may_open(self, name: str) -> bool:
        """Whether the signed-in user may open the page `name` (an exposed method of this view)."""
        if name == "action_view":  # the bulk actions: open where one is allowed to this user
            return bool(self.get_actions_list()[0])
        own = {"index_view": self.roles, "create_view": self.create_roles, "edit_view": self.edit_roles,
               "delete_view": self.delete_roles, "details_view": self.details_roles, "export": self.export_roles}
        # Anything else Flask-Admin exposes (ajax_update behind inline editing, ajax_lookup) is never offered.
        return user_role() in self.page_roles.get(name, own.get(name, frozenset()))

    def get_list_row_actions(self):
        return [_WhereAllowed(action, self) for action in super().get_list_row_actions()]

    def work_first_url(self) -> str | None:
        """The list filtered to 待我处理 while something waits there for this user, else None."""
        awaiting = next((flt for _i, flt in self._filter_args.values() if type(flt) is AwaitingMe), None) \
            if self._filter_args else None
        if awaiting is None:
            return None
        clause = awaiting.clause(current_user)
        if db.session.scalar(select(self.model.id).where(clause).limit(1)) is None:
            return None
        return filter_url(self.endpoint)

    def row_allows(self, page: str, row) -> bool:
        """Whether this user may open `page` (an exposed method) for this row; views with per-row rights
        (an editable status, say) answer here, so the list offers only what will open."""
        return True

    def _refresh_cache(self):
        super()._refresh_cache()
        self._details_columns = self.get_details_columns()

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        if not 0 <= (args.page or 0) <= MAX_ID // 1000:
            args.page = 0
        return args

    def scaffold_filters(self, name):
        """A coded column (column_choices) is filtered by picking one of its labels: equal or not."""
        filters = super().scaffold_filters(name)
        if filters and self.column_choices and name in self.column_choices:
            filters = [f for f in filters if type(f) in (FilterEqual, FilterNotEqual)]
        return filters

    # Row scoping: the list, its count and every single-row read go through the same clause.
    def get_query(self):
        query = super().get_query()
        return query if self.row_scope is None else query.filter(self.row_scope(current_user))

    def get_count_query(self):
        query = super().get_count_query()
        return query if self.row_scope is None else query.filter(self.row_scope(current_user))

    def get_one(self, id):
        """The row, or None (Flask-Admin's "record does not exist") for a bad id. A scoped view answers
        404 for a row outside the user's scope, as for one that does not exist: nothing is confirmed."""
        key = parse_id(id)
        if self.row_scope is None:
            return None if key is None else super().get_one(str(key))
        row = None if key is None else db.session.scalar(
            select(self.model).where(self.model.id == key, self.row_scope(current_user)))
        if row is None:
            abort(404)
        return row

    # Hooks: every change is audited in the same transaction as the change itself.
    def create_form(self, obj=None):
        return blank_in_words(super().create_form(obj))

    def edit_form(self, obj=None):
        form = blank_in_words(super().edit_form(obj))
        form._obj = obj  # lets uniqueness validators skip the record being edited
        return form

    def on_model_change(self, form, model, is_created):
        changes = self._changes(model)  # before the flush, which clears the history
        db.session.flush()  # a new row needs its id for the entry
        audit.record("create" if is_created else "update", model, changes=changes)

    def on_model_delete(self, model):
        audit.record("delete", model, label=str(model))

    # Messages: what was saved, by name, and what happens next — never Flask-Admin's bare 记录已成功保存.
    def saved_message(self, form, model, is_created: bool) -> str:
        return f"已{'新建' if is_created else '保存'}{self.name}“{model}”。"

    def after_model_change(self, form, model, is_created):
        _say_instead(self.saved_message(form, model, is_created))

    def after_model_delete(self, model):
        _say_instead(f"已删除{self.name}“{model}”。")

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
        if isinstance(exc, (ValidationError, PermissionError)):
            flash(str(exc), "error")
            return True
        if lost_a_race(exc):  # the form comes back with what was typed
            flash(BUSY_MESSAGE, "error")
            return True
        if isinstance(exc, IntegrityError):
            flash("保存失败：与已有记录重复或违反数据约束（如证件号码、信用代码、用户名重复）。", "error")
            return True
        log.exception("admin view error")
        flash("保存失败：系统错误，已记录，请联系管理员。", "error")
        return True


class DecisionView(RoleView):
    """A list of requests the bureau decides one by one on a page of its own (an objection, a request to
    leave): the row's page shows it with the decision radios while it is open; a refused decision comes
    back at the form (400) with what was typed."""

    decisions: dict[str, str] = {}  # decision → label
    states: dict[str, str] = {}  # status → label
    open_status = ""  # the status in which a row waits for its decision
    template = ""
    row_name = "row"  # the row's name in the template

    def decide(self, row, decision: str, reason: str) -> None:
        raise NotImplementedError

    def decided_message(self, row) -> str:
        raise NotImplementedError

    @expose("/decide/", methods=("GET", "POST"))
    def decide_view(self):
        row = self.get_one(request.args.get("id"))
        waiting = row.status == self.open_status
        form = DecisionForm().with_choices(list(self.decisions) if waiting else [], self.decisions)
        done, error = apply_form(form, lambda: self.decide(row, form.decision.data, form.reason.data or ""))
        if done:
            flash(self.decided_message(row), "success")
            return redirect(url_for(".decide_view", id=row.id))
        return self.render(self.template, **{self.row_name: row}, choices=self.decisions if waiting else {},
                           states=self.states, error=error, form_values=request.form), 400 if error else 200


class RoleBaseView(RoleGate, BaseView):
    """A custom (non-model) page open only to `roles`; its other pages are named in page_roles."""


class HomeView(RoleGate, AdminIndexView):
    """The back office's home page: open to staff only (Flask-Admin's is public by default)."""

    roles = STAFF_ROLES

    @expose("/")
    def index(self):
        from admin_views.home import cards_for, todo_for

        return self.render("admin/home.html", todo=todo_for(current_user), cards=cards_for(current_user))
