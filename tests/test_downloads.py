"""Every download's name stays one name with the right extension, whatever was typed (issue 16, item 3).

The outside probe: an expert named `x"; filename*=UTF-8''evil.html; y="` made Chromium save the 专家信息表
as evil.html, and a name with a line break made the export answer 500. Each download route is fetched with
such names in the data, and its Content-Disposition is parsed as a browser and a mail reader would.
Uploads are served under the extension of their detected type, never the one they were uploaded with.
"""
from __future__ import annotations

import email.message
import io
import re

import pytest
from sqlalchemy import select
from werkzeug.http import parse_options_header

from models import DrawRequest, Expert, Invitation, UploadedFile, User, db
from tests.conftest import register, staff
from tests.factories import PDF, PNG, upload

INJECTION = "x\"; filename*=UTF-8''evil.html; y=\""
HOSTILE_NAMES = [INJECTION, "张三\r\nSet-Cookie: hacked=1", "王五\u202egpj", "赵六\\..\\..\\x\x1b"]  # no NUL: PostgreSQL text cannot hold one
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Nothing in the header but two parameters made of token characters: no quote, semicolon or space to misread.
SHAPE = re.compile(r"attachment; filename=[A-Za-z0-9._-]+; filename\*=UTF-8''[A-Za-z0-9%._~-]+")


def downloaded_name(response, extension: str) -> str:
    """The name a browser (RFC 6266: filename* first) saves the download under; asserts every reading of the
    header ends in `extension`."""
    assert response.status_code == 200, response.status_code
    header = response.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert SHAPE.fullmatch(header), header
    _value, params = parse_options_header(header)  # werkzeug: filename* wins, decoded
    message = email.message.Message()
    message["Content-Disposition"] = header
    mail_name = message.get_filename()  # the e-mail parser reads the parameters its own way
    for name in (params["filename"], mail_name):
        assert name.endswith(extension), (name, header)
        assert "\r" not in name and "\n" not in name and '"' not in name
    assert all(p.endswith(extension) for p in re.findall(r"filename\*?=([^;]+)", header))
    return params["filename"]


def _name_the_expert(app, username: str, name: str) -> int:
    """Give the account's expert a hostile name, as an old import or a direct database edit could."""
    with app.app_context():
        account = db.session.scalar(select(User).where(User.username == username))
        expert = db.session.scalar(select(Expert).where(Expert.user_id == account.id))
        expert.name = name
        db.session.commit()
        return expert.id


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_experts_own_form_downloads_as_xlsx_whatever_the_name(demo_app, name):
    _name_the_expert(demo_app, "expert", name)
    response = staff(demo_app, "expert").get("/me/form.xlsx")
    saved = downloaded_name(response, ".xlsx")
    assert saved.startswith("专家信息表_") and "evil.html" not in saved.rsplit(".", 1)[-1]
    assert response.mimetype == XLSX_TYPE


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_reviewers_form_download_is_xlsx_whatever_the_name(demo_app, name):
    expert_id = _name_the_expert(demo_app, "expert", name)
    response = staff(demo_app, "bureau").get(f"/admin/expert/form.xlsx?id={expert_id}")
    assert downloaded_name(response, ".xlsx").startswith("专家信息表_")


def test_the_roster_download_is_xlsx_whatever_the_search(demo_app):
    _name_the_expert(demo_app, "expert", INJECTION)
    response = staff(demo_app, "bureau").get("/admin/expert/roster.xlsx?search=x%22%3B%0D%0A")
    assert downloaded_name(response, ".xlsx").startswith("专家名册_")


def test_the_leadership_workbook_download_is_xlsx(demo_app):
    _name_the_expert(demo_app, "expert", INJECTION)
    response = staff(demo_app, "leader").get("/admin/dashboard/leadership.xlsx?year=2026%0D%0A")
    assert downloaded_name(response, ".xlsx").startswith("专家库统计报表_")


@pytest.mark.parametrize("kind, username", [("result", "bureau"), ("record", "supervisor"), ("result", "usage")])
def test_the_draw_sheets_download_as_xlsx_with_hostile_names_inside(demo_app, kind, username):
    with demo_app.app_context():
        req = db.session.scalar(select(DrawRequest).where(DrawRequest.status == "released").order_by(DrawRequest.id))
        req.title = INJECTION + "\r\n评审会"
        for inv in db.session.scalars(select(Invitation).where(Invitation.request_id == req.id)):
            inv.person.name = HOSTILE_NAMES[1]
        db.session.commit()
        req_id = req.id
    response = staff(demo_app, username).get(f"/admin/drawrequest/export/{kind}?id={req_id}")
    assert downloaded_name(response, ".xlsx").startswith("专家抽取")


def _uploaded(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(UploadedFile.id).where(UploadedFile.original_name == name))


def _attached(app, name: str, content: bytes) -> int:
    """A file the new expert attached under `name`, stored by operations.files as an upload is. (The test
    client writes a multipart file name unescaped, so a quote in it would not arrive as typed.)"""
    from werkzeug.datastructures import FileStorage

    from operations.files import attach_to_expert

    with app.app_context():
        account = db.session.scalar(select(User).where(User.username == "newexpert"))
        expert = db.session.scalar(select(Expert).where(Expert.user_id == account.id))
        row = attach_to_expert(expert, "title_certificate", FileStorage(io.BytesIO(content), filename=name), account)
        db.session.commit()
        return row.id


CONTENTS = {"application/pdf": PDF, "image/png": PNG}


@pytest.mark.parametrize("name, content_type, served", [
    ("evil.html", "application/pdf", "evil.pdf"),
    ("证书.svg", "image/png", "证书.png"),
    (INJECTION + ".html", "application/pdf", "x_; filename_=UTF-8''evil.html; y=_.pdf"),
    ("扫描件", "image/png", "扫描件.png"),
    ("证书\u202egpj.exe", "application/pdf", "证书gpj.pdf"),
])
def test_an_upload_is_served_with_the_extension_of_its_detected_type(clean_app, name, content_type, served):
    expert = register(clean_app)
    download = expert.get(f"/files/{_attached(clean_app, name, CONTENTS[content_type])}")
    assert downloaded_name(download, served[-4:]) == served
    assert download.mimetype == content_type and download.data == CONTENTS[content_type]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_an_upload_named_evil_html_holding_a_pdf_is_served_as_evil_pdf(clean_app):
    expert = register(clean_app)
    response = expert.post("/me/upload/title_certificate", {"file": upload(PDF, "evil.html")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    download = expert.get(f"/files/{_uploaded(clean_app, 'evil.html')}")
    assert downloaded_name(download, ".pdf") == "evil.pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=evil.pdf; filename*=UTF-8''evil.pdf"
    assert download.mimetype == "application/pdf"
