"""The expert record in the back office, scoped to each reviewer's unit or department."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.helpers import get_form_data
from flask_admin.form import FormOpts
from flask_admin.form import rules as form_layout
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField, ValidationError
from wtforms.validators import InputRequired, Optional

from admin_views.base import AwaitingMe, RoleView, blank_in_words, choices, user_role
from admin_views.expert_pages import ExpertPages
from forms.expert import expert_fields
from forms.fields import text_length
from forms.validators import RuleCheck
from models import Discipline, Expert, ExpertAvoidance, Organization, ReferenceItem, db
from models.base import parse_id, parse_ids
from operations import admission, audit
from operations.experts import eligibility_of
from operations.scope import awaiting_review, expert_scope, organization_scope
from rules.admission import ROUTES, STATUSES, may_edit_in_place, may_ever, may_propose_change
from rules.credit_code import validate_credit_code
from rules.eligibility import EXPERT_TYPES, TITLE_LEVELS
from rules.idcard import ID_TYPES
from rules.masking import mask_bank_account, mask_id_number, mask_mobile, may_see
from rules.record import LABELS, SEXES

REVIEWERS = frozenset({"bureau", "unit", "dept"})
BUREAU = frozenset({"bureau"})
MASKS = {"id_number": mask_id_number, "mobile": mask_mobile, "bank_account": mask_bank_account}
FORM_PAGES = frozenset({"edit", "change"})  # the forms that carry the personal numbers



def _college_check(form, field):
    if field.data and form.organization.data and field.data.organization_id != form.organization.data.id:
        raise ValidationError("所选院系不属于所选工作单位")


class DisciplineCodeFilter(BaseSQLAFilter):
    """主学科 by what is typed: a code prefix (a first-level code takes in all its sub-disciplines) or a
    part of the name (纺织 finds 纺织科学技术 and its sub-disciplines by name).

    A sub-query on the small discipline table rather than Flask-Admin's outer join, so the
    database can start from the discipline index instead of scanning every expert.
    """

    def apply(self, query, value, alias=None):
        typed = value.strip()
        wanted = select(Discipline.id).where(or_(Discipline.code.startswith(typed, autoescape=True),
                                                 Discipline.name.contains(typed, autoescape=True)))
        return query.filter(Expert.primary_discipline_id.in_(wanted))

    def operation(self):
        return "代码开头为或名称包含"


def _secret(field: str):
    """Masked on the details page; a "显示" button where the role may see it, and revealing is audited."""
    mask = MASKS[field]

    def formatter(view, context, model, name):
        value = getattr(model, field) or ""
        if field in g.get("revealed", ()):
            return value
        if not value or not may_see(user_role(), field):
            return mask(value)
        return Markup('{} <form method="post" action="{}" class="d-inline ml-2">'
                      '<input type="hidden" name="csrf_token" value="{}">'
                      '<button class="btn btn-link btn-sm p-0">显示完整号码</button></form>').format(
            mask(value), url_for(".reveal_view", id=model.id, field=field), generate_csrf())
    return formatter


class ExpertView(ExpertPages, RoleView):
    """Experts: the bureau sees all; unit and department reviewers only those under them."""

    # Permissions
    roles = REVIEWERS | {"leader"}
    create_roles = BUREAU
    edit_roles = REVIEWERS
    details_roles = REVIEWERS
    delete_roles = frozenset()  # experts leave by exit (出库), never by deletion
    page_roles = {"review_view": REVIEWERS, "form_xlsx_view": REVIEWERS, "reveal_view": REVIEWERS,
                  "change_view": REVIEWERS,
                  "invite_view": BUREAU, "exit_view": BUREAU, "roster_view": REVIEWERS | {"leader"}}
    row_scope = staticmethod(expert_scope)

    # View
    column_list = ["name", "organization", "primary_discipline", "title_level", "expert_type",
                   "id_number", "mobile", "status", "updated_at"]
    # Not the personal numbers: ID numbers are ciphertext in the database, and sorting by phone helps nobody.
    column_sortable_list = ["name", "title_level", "expert_type", "status", "updated_at"]
    column_labels = {**LABELS, "status": "状态", "admission_route": "入库方式", "admitted_on": "入库日期",
                     "updated_at": "更新时间", "created_at": "创建时间", "organization.name": "工作单位",
                     "eligibility": "入库条件核查", "primary_discipline": "主学科"}
    column_choices = {"status": choices(STATUSES), "title_level": choices(TITLE_LEVELS),
                      "expert_type": choices(EXPERT_TYPES), "admission_route": choices(ROUTES),
                      "id_type": choices(ID_TYPES), "sex": choices(SEXES)}
    column_searchable_list = ["name"]
    column_filters = ["status", "title_level", "expert_type", "organization.name",
                      DisciplineCodeFilter(Expert.primary_discipline_id, "主学科"), "admission_route",
                      AwaitingMe(Expert.id, awaiting_review)]
    column_default_sort = ("updated_at", True)
    column_select_related_list = [Expert.organization, Expert.primary_discipline]
    column_formatters = {
        "id_number": lambda v, c, m, n: mask_id_number(m.id_number),
        "mobile": lambda v, c, m, n: mask_mobile(m.mobile),
    }
    column_formatters_detail = {
        "priority_categories": lambda v, c, m, n: "；".join(m.priority_labels) or "无",
        "birth_month": lambda v, c, m, n: m.birth_month.strftime("%Y年%m月") if m.birth_month else "",
        "eligibility": lambda v, c, m, n: eligibility_of(m).summary(),
        "id_number": _secret("id_number"), "mobile": _secret("mobile"), "bank_account": _secret("bank_account"),
    }
    column_details_list = [
        "eligibility", "name", "id_type", "id_number", "birth_month", "sex", "title_level", "position",
        "education", "degree", "mobile", "office_phone", "email", "bank_name", "bank_account",
        "organization", "college", "expert_type", "basic_condition_declared", "years_in_field",
        "primary_discipline", "secondary_disciplines", "priority_categories",
        "provincial_library", "research_keywords", "bad_record", "title_name",
        "title_issued_on", "title_certificate", "stamped_form", "status", "admission_route",
        "admitted_on", "created_at", "updated_at",
    ]
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-check-square", ".review_view", title="审核")]
    list_template = "admin/expert_list.html"
    edit_template = "admin/expert_edit.html"

    # Form: the record's own fields come from forms/expert.py (these the panel may not leave empty,
    # where an expert's own draft may); Flask-Admin adds the relations. Status fields are never
    # here: only actions change them.
    form_extra_fields = expert_fields(required={"name", "id_number", "birth_month", "mobile", "email"})
    form_columns = [
        "name", "id_type", "id_number", "birth_month", "title_level", "position", "education",
        "degree", "mobile", "office_phone", "email", "bank_name", "bank_account",
        "organization", "college",
        "expert_type", "basic_condition_declared", "equivalent_level", "years_in_field",
        "primary_discipline", "secondary_disciplines", "priority_categories",
        "provincial_library", "research_keywords", "bad_record",
        "title_name", "title_issued_on", "avoidances",
    ]
    form_rules = [
        form_layout.FieldSet(["name", "id_type", "id_number", "birth_month", "title_level", "position",
                              "education", "degree", "mobile", "office_phone", "email",
                              "bank_name", "bank_account"], "一、基本信息"),
        form_layout.FieldSet(["organization", "college"], "二、工作单位"),
        form_layout.FieldSet(["expert_type", "basic_condition_declared", "equivalent_level",
                              "years_in_field", "primary_discipline", "secondary_disciplines",
                              "priority_categories", "provincial_library", "research_keywords",
                              "bad_record"], "三、学术信息"),
        form_layout.FieldSet(["title_name", "title_issued_on"], "四、职称信息"),
        form_layout.FieldSet(["avoidances"], "五、声明的回避（亲属所在单位等）"),
    ]
    form_args = {
        "education": {"query_factory": lambda: ReferenceItem.of_kind("education"), "blank_text": "（未填）"},
        "degree": {"query_factory": lambda: ReferenceItem.of_kind("degree"), "blank_text": "（未填）"},
        "organization": {"query_factory": lambda: db.session.scalars(
            select(Organization).where(organization_scope(current_user)).order_by(Organization.name)).all(),
            "validators": [InputRequired("请选择工作单位")]},
        "college": {"validators": [_college_check], "blank_text": "（无，非高校）"},
        "primary_discipline": {"query_factory": lambda: db.session.scalars(
            select(Discipline).order_by(Discipline.code)).all(),
            "validators": [InputRequired("请选择主学科")]},
        "secondary_disciplines": {"query_factory": lambda: db.session.scalars(
            select(Discipline).order_by(Discipline.code)).all()},
    }
    inline_models = [(ExpertAvoidance, {
        "form_columns": ["id", "kind", "name", "credit_code", "reason"],
        "form_choices": {"kind": [("unit", "单位"), ("person", "个人")]},
        "column_labels": {"kind": "类别", "name": "单位或个人名称", "credit_code": "统一社会信用代码（单位）",
                          "reason": "回避理由"},
        "form_args": {"credit_code": {"validators": [Optional(), RuleCheck(validate_credit_code)]}},
    })]

    # Search: every word typed must be in the name. Chinese names have no case, so a plain LIKE does;
    # only a word with Latin letters pays for lower() on every row (a third of the scan on PostgreSQL).
    # Flask-Admin has no documented hook for this: `_apply_search` is overridden.
    def _apply_search(self, query, count_query, joins, count_joins, search):
        for word in search.split():
            if any(c.isascii() and c.isalpha() for c in word):
                clause = func.lower(Expert.name).contains(word.lower(), autoescape=True)
            else:
                clause = Expert.name.contains(word, autoescape=True)
            query = query.filter(clause)
            count_query = count_query.filter(clause) if count_query is not None else None
        return query, count_query, joins, count_joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """The page's ids first, then only those rows: one query walking to page 4,000 would join
        (and load) every row it skips; the id walk runs on the sort column's index alone."""
        count, query = super().get_list(page, sort_column, sort_desc, search, filters, execute=False,
                                        page_size=page_size)
        if not execute:
            return count, query
        ids = [row.id for row in query.with_entities(Expert.id)]
        rows = {e.id: e for e in db.session.query(Expert).options(
            joinedload(Expert.organization), joinedload(Expert.primary_discipline)).filter(Expert.id.in_(ids))}
        return count, [rows[i] for i in ids if i in rows]

    # Reading a record is audited (design: every view of an expert's record).
    @expose("/details/")
    def details_view(self):
        expert = self.get_one(request.args.get("id"))
        if not g.get("revealed"):
            audit.record("view_expert", expert, page="details")
            db.session.commit()
        return super().details_view()

    @expose("/reveal/", methods=("POST",))
    def reveal_view(self):
        """Show one personal number in full, for a role allowed to see it; the reveal is audited.

        From the details page (`page` absent) the details come back with the number; from the edit or
        change form (`page=edit|change`, the form's own 显示完整号码 button posting what was typed) the same
        form comes back as typed, with that number in full."""
        field, page = request.args.get("field", ""), request.args.get("page", "details")
        if field not in MASKS or not may_see(user_role(), field) or page not in FORM_PAGES | {"details"}:
            abort(403)
        expert = self.get_one(request.args.get("id"))
        if page == "edit" and not may_edit_in_place(expert.status, user_role()) or \
                page == "change" and not may_propose_change(expert.status, user_role()):
            abort(403)
        audit.record("reveal", expert, field=field, **({"page": page} if page in FORM_PAGES else {}))
        db.session.commit()
        g.revealed = {field}
        if page == "edit":
            form = self.edit_form(expert)
            return self.render(self.edit_template, model=expert, form=form, return_url=url_for(".index_view"),
                               form_opts=FormOpts(widget_args=self.form_widget_args,
                                                  form_rules=form_layout.RuleSet(self, self.form_rules)))
        if page == "change":
            return self.change_page(expert, self.change_form(expert))
        return super().details_view()

    # Form: the personal numbers are sealed here as on the details page. Each shows masked; a role that may
    # see it in full gets the audited 显示完整号码 (reveal_view), one that may not gets a read-only mask. The
    # mask (or nothing) posted back keeps the stored number; a number typed in its place replaces it.
    def edit_form(self, obj=None):
        return self._seal_numbers(super().edit_form(obj), obj, "edit")

    def _seal_numbers(self, form, obj, page: str):
        form._kept = set()
        if obj is None:
            return form
        revealed, role = g.get("revealed", set()), user_role()
        for name, mask in MASKS.items():
            field = getattr(form, name, None)
            if field is None:
                continue
            stored = getattr(obj, name) or ""
            typed = field.raw_data[0].strip() if field.raw_data else None
            if not may_see(role, name):
                field.render_kw = {"readonly": True}
                field.description = "仅市科技局可查看和修改"
            elif typed not in (None, "", mask(stored), stored):
                continue  # a new number, typed: checked and saved as typed
            elif stored and name not in revealed:
                field.description = Markup(
                    '<button type="submit" class="btn btn-link btn-sm p-0 align-baseline" formaction="{}" '
                    'formnovalidate>显示完整号码</button>（保留星号即不修改；修改请删除后输入新号码）').format(
                    url_for(".reveal_view", id=obj.id, field=name, page=page))
            form._kept.add(name)
            field.data = stored if name in revealed else mask(stored)
        return form

    def validate_form(self, form):
        kept = getattr(form, "_kept", ())
        for name in kept:  # the stored number, never the mask, is what is checked and saved
            field = getattr(form, name)
            field.data = getattr(form._obj, name)
            field.raw_data = [field.data or ""]  # as if posted: InputRequired reads what was posted
        ok = super().validate_form(form)
        if not ok:  # the form is shown again: sealed once more
            for name in kept:
                if name not in g.get("revealed", ()):
                    getattr(form, name).data = MASKS[name](getattr(form._obj, name))
        return ok

    def change_rules(self):
        """The form's sections without the declared avoidances, which a change request does not carry."""
        return form_layout.RuleSet(self, self.form_rules[:-1])  # the last section is the avoidances

    def change_form(self, expert):
        """The edit form, and why the change is made: how a record in the library is changed (§7)."""
        form_class = type("ExpertChangeForm", (self._edit_form_class,), {"change_reason": TextAreaField(
            "变更理由", [InputRequired("请填写变更理由"), text_length()],
            description="如：单位来函更正、职称晋升、工作调动等；将与原值、新值一并记录")})
        form = blank_in_words(form_class(get_form_data(), obj=expert))
        form._obj = expert
        return self._seal_numbers(form, expert, "change")

    def row_allows(self, page, row):
        if page == "edit_view":  # in place before admission, by a recorded change after it
            return may_edit_in_place(row.status, user_role()) or may_propose_change(row.status, user_role())
        return True

    # Hooks
    def on_form_prefill(self, form, id):
        expert = self.get_one(id)
        if may_propose_change(expert.status, user_role()):  # in the library: by a recorded change only
            abort(redirect(url_for(".change_view", id=expert.id)))
        if not may_edit_in_place(expert.status, user_role()):
            abort(403)
        if request.method == "GET":
            audit.record("view_expert", expert, page="edit")
            db.session.commit()

    def on_model_change(self, form, model, is_created):
        if not is_created and not may_edit_in_place(model.status, user_role()):
            raise ValidationError("当前状态下您不能直接修改该专家的信息")
        super().on_model_change(form, model, is_created)

    # Actions: the review chain. Each row goes through operations.admission, which asks rules/.
    def is_action_allowed(self, name):
        return may_ever(user_role(), name) and super().is_action_allowed(name)

    def _selected(self, ids) -> list[Expert] | None:
        """The ticked rows in scope, in id order (two actions at once lock rows in the same order); None
        (and a message, nothing done) if any posted id is not an id."""
        keys = parse_ids(ids)
        if keys is None:
            flash("所选记录无效，请刷新列表后重新勾选。", "error")
            return None
        return self.get_query().where(Expert.id.in_(keys)).order_by(None).order_by(Expert.id).all()

    @staticmethod
    def _seen() -> dict[int, str]:
        """The status each row showed on the list (posted with the action: templates/admin/expert_list.html)."""
        seen = {}
        for value in request.form.getlist("seen"):
            key, _sep, status = value.partition(":")
            if parse_id(key) is not None:
                seen[int(key)] = status
        return seen

    @staticmethod
    def _report(count: int, errors: list[str], done, moved: list[Expert] | None = None) -> None:
        """Commit what worked; say how many, where the moved now wait, and what was refused and why."""
        db.session.commit()
        if count > len(errors):
            said = done(count - len(errors))
            if moved:
                said += "；".join(f"{e.name}{admission.where_it_waits(e)}" for e in moved[:10])
                said += f"等 {len(moved)} 人。" if len(moved) > 10 else "。"
            flash(said, "success")
        for message in errors:
            flash(message, "error")

    @action("endorse", "推荐", "确认推荐所选专家？")
    def action_endorse(self, ids):
        experts = self._selected(ids)
        if experts is not None:
            before = {e.id: e.status for e in experts}
            errors = admission.apply_each(experts, lambda e: admission.transition(e, "endorse", current_user),
                                          self._seen())
            self._report(len(experts), errors, lambda n: f"已推荐 {n} 人：",
                         [e for e in experts if e.status != before[e.id]])

    @action("publicize", "公示（7天）", "确认将所选专家列入公示？公示期7天。")
    def action_publicize(self, ids):
        experts = self._selected(ids)
        if experts is not None:
            batch, errors = admission.publicize(experts, current_user, seen=self._seen())
            self._report(len(experts), errors, lambda n: f"已将 {n} 人列入公示（{batch}）。")

    @action("admit", "公示期满入库", "确认将公示期满且无异议的所选专家入库？")
    def action_admit(self, ids):
        experts = self._selected(ids)
        if experts is not None:
            errors = admission.apply_each(experts, lambda e: admission.admit_after_publicity(e, current_user),
                                          self._seen())
            self._report(len(experts), errors, lambda n: f"已入库 {n} 人。")

    @expose("/roster.xlsx")
    def roster_view(self):
        """The list as it is filtered now, as a printable roster (masked by role, audited)."""
        from operations.rosters import roster_export
        from web.downloads import send_download

        view_args = self._get_list_extra_args()
        sort_column = self._get_column_by_idx(view_args.sort)
        sort_field = sort_column[0] if sort_column is not None else None
        _count, query = self.get_list(0, sort_field, view_args.sort_desc, view_args.search, view_args.filters,
                                      execute=False, page_size=0)  # 0: no page limit
        parts = []
        if view_args.search:
            parts.append(f"搜索“{view_args.search}”")
        for index, _name, value in view_args.filters or []:
            flt = self._filters[index]
            shown = dict(flt.get_options(self) or ()).get(value, value) if flt.options else value
            parts.append(f"{flt.name}{flt.operation()}“{shown}”")
        path, filename = roster_export(query, current_user, "；".join(parts) or "全部（本人管理范围内）")
        db.session.commit()
        return send_download(path, filename, remove_after=True)
