"""The import page's forms: upload a filled template (dry run), then confirm the very file checked."""
from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, RadioField, ValidationError
from wtforms.validators import Optional

from forms.base import AppForm
from rules.imports import IMPORT_STATUSES, KINDS


def _known_kind(form, field):
    if field.data not in KINDS:
        raise ValidationError("未知的导入类别")


class ImportUploadForm(AppForm):
    """A filled template of units or experts; for experts, what a new expert becomes."""

    kind = HiddenField("类别", [_known_kind])
    file = FileField("填写好的模板（.xlsx）")
    status = RadioField("新增专家的状态", choices=list(IMPORT_STATUSES.items()), default="admitted")
    admitted_on = DateField("入库日期", [Optional()], default=date.today,
                            description="状态为“已入库”时使用（行内填写了入库日期的以行内为准）")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择要上传的文件")

    def validate_admitted_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("入库日期不能晚于今天")


class ImportConfirmForm(AppForm):
    """The dry run's file (by its digest) and choices, posted back to import its valid rows."""

    kind = HiddenField("类别", [_known_kind])
    digest = HiddenField("文件摘要")
    filename = HiddenField("文件名")
    status = HiddenField("新增专家的状态")
    admitted_on = HiddenField("入库日期")

    def validate_digest(self, field):
        if not field.data:
            raise ValidationError("找不到预检的文件，请重新上传")
