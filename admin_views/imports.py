"""批量导入: the bureau brings an existing library in — templates, a dry run reported row by row, then the
valid rows imported in one transaction (operations/imports.py does the work; this page only shows it)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, request
from flask_admin import expose
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from admin_views.base import RoleBaseView
from forms.imports import ImportConfirmForm, ImportUploadForm
from models import db
from models.base import will_write
from operations import imports, workbooks
from rules import InvalidInput
from rules.imports import IMPORT_STATUSES, KINDS, OUTCOMES
from rules.text import download_name
from web.downloads import send_download

BUREAU = frozenset({"bureau"})
SHOWN_ROWS = 2000  # rows of each outcome listed on the page; the counts cover all of them
# Rows one upload takes here: a commit of 10,000 experts stays well inside a worker's 30 s (bench/imports.py
# measures 5,000 in about 11 s); a larger migration goes through `flask --app app import` (rules.imports.MAX_ROWS).
WEB_MAX_ROWS = 10_000


class ImportView(RoleBaseView):
    """批量导入工作单位和专家 (bureau only)."""

    # Permissions
    roles = BUREAU
    page_roles = {"index": BUREAU, "template_view": BUREAU, "upload_view": BUREAU, "commit_view": BUREAU,
                  "report_view": BUREAU}

    # View
    def _page(self, forms=None, report=None, confirm=None, error=None, status=200):
        forms = forms or {}
        for kind in KINDS:
            forms.setdefault(kind, ImportUploadForm(formdata=None, kind=kind))
        return self.render("admin/imports.html", forms=forms, report=report, confirm=confirm, error=error,
                           kinds=KINDS, outcomes=OUTCOMES, statuses=IMPORT_STATUSES, max_rows=WEB_MAX_ROWS,
                           shown=SHOWN_ROWS), status

    @expose("/")
    def index(self):
        return self._page()

    @expose("/template.xlsx")
    def template_view(self):
        """The import template of ?kind=experts|units, with today's code lists."""
        kind = request.args.get("kind", "experts")
        if kind not in KINDS:
            kind = "experts"
        content, filename = imports.template_workbook(kind)
        return send_download(content, filename)

    @expose("/report.xlsx")
    def report_view(self):
        """The dry run of the file kept under ?digest=, every row, as a workbook (the page lists at most
        SHOWN_ROWS of each outcome)."""
        from exports.import_templates import import_report

        kind = request.args.get("kind", "experts")
        if kind not in KINDS:
            abort(404)
        try:
            report = imports.dry_run(workbooks.load_upload(request.args.get("digest", "")), kind, max_rows=WEB_MAX_ROWS)
        except InvalidInput as e:
            db.session.rollback()
            return self._page(error=str(e), status=404)
        db.session.rollback()  # a dry run writes nothing
        return send_download(import_report(report, KINDS[kind]), f"{KINDS[kind]}导入预检报告.xlsx")

    @expose("/upload/", methods=("POST",))
    def upload_view(self):
        """The dry run: every row's outcome, nothing saved; the file is kept (by digest) for the confirmation."""
        form = ImportUploadForm()
        kind = form.kind.data if form.kind.data in KINDS else "experts"
        if not form.validate_on_submit():
            error = "；".join(m for messages in form.errors.values() for m in messages)
            return self._page({kind: form}, error=error, status=400)
        storage = form.file.data
        filename = download_name(storage.filename or "")  # shown, posted back and audited: no control characters
        data = storage.read()
        try:
            report = imports.dry_run(data, kind, max_rows=WEB_MAX_ROWS)
        except InvalidInput as e:
            return self._page({kind: form}, error=f"{filename}：{e}", status=400)
        finally:
            db.session.rollback()  # a dry run writes nothing
        confirm = ImportConfirmForm(formdata=None, kind=kind, digest=workbooks.save_upload(data),
                                    filename=filename, status=form.status.data,
                                    admitted_on=(form.admitted_on.data or date.today()).isoformat())
        return self._page(report=report, confirm=confirm)

    @expose("/commit/", methods=("POST",))
    def commit_view(self):
        """Import the valid rows of the file the dry run read (the same bytes, checked by digest)."""
        form = ImportConfirmForm()
        if not form.validate_on_submit():
            error = "；".join(m for messages in form.errors.values() for m in messages)
            return self._page(error=error, status=400)
        try:
            admitted_on = date.fromisoformat(form.admitted_on.data) if form.admitted_on.data else None
        except ValueError:
            admitted_on = None
        try:
            data = workbooks.load_upload(form.digest.data)
            will_write()
            report = imports.commit(data, form.kind.data, current_user, filename=form.filename.data,
                                    status=form.status.data or "admitted", admitted_on=admitted_on,
                                    max_rows=WEB_MAX_ROWS)
            db.session.commit()
        except InvalidInput as e:
            db.session.rollback()
            return self._page(error=str(e), status=400)
        except IntegrityError:  # a number or username registered meanwhile by another hand: nothing is kept
            db.session.rollback()
            return self._page(error="导入未完成：期间有证件号码或用户名被另行登记，请重新上传预检后再确认。", status=409)
        workbooks.forget_upload(form.digest.data)
        flash(report.summary() + "。", "success")
        return self._page(report=report)
