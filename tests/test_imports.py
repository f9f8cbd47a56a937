"""Importing units and experts from Excel (issue 18): templates, the dry run's row-by-row report, the commit
of valid rows in one transaction, idempotence, bad files, the panel's page and the command line."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select, text

from models import AuditEntry, ChangeRequest, Expert, ExpertEvent, Organization, OutboxMessage, User, db
from operations import imports
from rules import InvalidInput
from rules.credit_code import credit_code_check_char
from rules.imports import COLUMNS
from tests.conftest import staff
from tests.factories import add_user, resident_id


def credit(n: int) -> str:
    body = f"913306020000{n:05d}"
    return body + credit_code_check_char(body)


UNIT_A, UNIT_B = credit(1), credit(2)


def workbook(kind: str, rows: list[dict], *, header: list[str] | None = None, formula_at=None, merge=None) -> bytes:
    """A workbook as a person fills the template: the header row, then one row per dict (keys as COLUMNS)."""
    columns = COLUMNS[kind]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "专家" if kind == "experts" else "工作单位"
    sheet.append(header or [c.label + ("*" if c.required else "") for c in columns])
    for row in rows:
        sheet.append([row.get(c.key) for c in columns])
    if formula_at:
        sheet[formula_at] = "=1+1"
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def units_file(**changes) -> bytes:
    rows = [{"name": "绍兴导入科技有限公司", "credit_code": UNIT_A, "unit_type": "企业", "district": "越城区",
             "department": "越城区科技局"},
            {"name": "绍兴导入研究院", "credit_code": UNIT_B, "unit_type": "科研院所", "in_shaoxing": "是"},
            {"name": "校验位错的单位", "credit_code": UNIT_A[:-1] + ("0" if UNIT_A[-1] != "0" else "1")},
            {"name": "重复的单位", "credit_code": UNIT_A}]
    rows[0].update(changes)
    return workbook("units", rows)


ID_1, ID_2, ID_3 = resident_id("19700101"), resident_id("19800202"), resident_id("19650303")


def expert_rows() -> list[dict]:
    good = {"name": "导入专家甲", "id_number": ID_1, "title_level": "正高级", "mobile": "13905750001",
            "email": "jia@example.cn", "credit_code": UNIT_A, "primary_discipline": "54020",
            "secondary_disciplines": "54030；41030", "education": "博士研究生", "years_in_field": 20,
            "basic_condition_declared": "是", "title_issued_on": 42339, "bank_account": "6216600000000001"}
    return [
        good,
        # full-width digits, trailing spaces, a birth month as an Excel date, the unit by its name: all normalised
        {"name": " 导入专家乙　", "id_number": "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ID_2) + " ",
         "birth_month": datetime(1980, 2, 1), "title_level": "副高级", "organization": "绍兴导入研究院",
         "primary_discipline": "54020"},
        {"name": "校验位错", "id_number": ID_3[:-1] + ("0" if ID_3[-1] != "0" else "1"), "credit_code": UNIT_A,
         "primary_discipline": "54020"},
        {"name": "出生年月不符", "id_number": ID_3, "birth_month": "1966-03", "credit_code": UNIT_A,
         "primary_discipline": "54020"},
        {"name": "联系方式错", "id_number": resident_id("19710101"), "mobile": "1390575", "email": "not-mail",
         "credit_code": UNIT_A, "primary_discipline": "99999", "title_level": "特级"},
        {"name": "单位不存在", "id_number": resident_id("19720101"), "credit_code": credit(99),
         "primary_discipline": "54020"},
        {"name": "重复证件", "id_number": ID_1, "credit_code": UNIT_A, "primary_discipline": "54020"},
    ]


def messages(report) -> set[tuple[int, str, str]]:
    return {(i.row, i.column, i.message) for i in report.issues}


@pytest.fixture
def bureau_app(clean_app):
    with clean_app.app_context():
        add_user("bureau", "bureau")
        db.session.commit()
    return clean_app


def _commit(kind, data, **kw):
    bureau = db.session.scalar(select(User).where(User.username == "bureau"))
    report = imports.commit(data, kind, bureau, filename=f"{kind}.xlsx", **kw)
    db.session.commit()
    return report


def test_templates_have_chinese_headers_dropdowns_notes_and_an_example_row_that_is_never_imported(bureau_app):
    with bureau_app.app_context():
        for kind in ("units", "experts"):
            data, name = imports.template_workbook(kind)
            book = openpyxl.load_workbook(io.BytesIO(data))
            sheet = book.worksheets[0]
            assert [c.value for c in sheet[1]][:2] == (["专家姓名*", "证件类型"] if kind == "experts"
                                                        else ["单位名称*", "统一社会信用代码*"])
            assert sheet.data_validations.dataValidation, "no dropdowns"
            assert {"代码表", "填写说明"} <= set(book.sheetnames)
            assert str(sheet["A2"].value).startswith("（示例）")
            with pytest.raises(InvalidInput, match="没有数据行"):
                imports.dry_run(data, kind)
        experts = openpyxl.load_workbook(io.BytesIO(imports.template_workbook("experts")[0]))
        assert "正高级" in [c.value for c in experts["代码表"]["B"]]


def test_units_dry_run_commit_and_a_second_import_changes_nothing(bureau_app):
    with bureau_app.app_context():
        report = imports.dry_run(units_file(), "units")
        assert report.counts == {"new": 2, "update": 0, "unchanged": 0, "error": 2}
        assert (4, "统一社会信用代码", "统一社会信用代码校验位错误，请核对最后一位") in messages(report)
        assert (5, "统一社会信用代码", "与第2行的统一社会信用代码重复") in messages(report)
        assert db.session.scalar(select(func.count(Organization.id))) == 0  # a dry run writes nothing

        _commit("units", units_file())
        unit = db.session.scalar(select(Organization).where(Organization.credit_code == UNIT_A))
        assert (unit.name, unit.district.name, unit.department.name, unit.verified) == \
               ("绍兴导入科技有限公司", "越城区", "越城区科技局", True)
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import_units")).all()
        assert len(entries) == 1 and '"added": 2' in entries[0].detail and "sha256" in entries[0].detail

        again = _commit("units", units_file())
        assert again.counts == {"new": 0, "update": 0, "unchanged": 2, "error": 2}
        corrected = _commit("units", units_file(name="绍兴导入科技股份有限公司"))
        assert corrected.counts["update"] == 1 and corrected.rows[0].changed == ["单位名称"]
        assert db.session.scalar(select(func.count(Organization.id))) == 2


def test_experts_report_every_problem_with_the_forms_messages_and_import_the_valid_rows(bureau_app):
    with bureau_app.app_context():
        _commit("units", units_file())
        report = imports.dry_run(workbook("experts", expert_rows()), "experts")
        assert report.counts == {"new": 2, "update": 0, "unchanged": 0, "error": 5}
        found = messages(report)
        assert (4, "证件号码", "身份证号码校验位错误，请核对最后一位") in found
        assert (5, "出生年月", "证件号码中的出生年月（1965年03月）与填写的出生年月（1966年03月）不一致") in found
        assert (6, "移动电话", "手机号码格式不正确，应为1开头的11位数字") in found
        assert (6, "电子邮箱", "电子邮箱格式不正确，示例：name@example.com") in found
        assert (6, "主学科代码", "学科代码“99999”不在学科分类与代码（GB/T 13745-2009）中") in found
        assert any(r == 6 and c == "职称级别" and m.startswith("职称级别应为以下之一：正高级") for r, c, m in found)
        assert any(r == 7 and c == "工作单位统一社会信用代码" and "未找到" in m for r, c, m in found)
        assert (8, "证件号码", "与第2行的证件号码重复") in found

        committed = _commit("experts", workbook("experts", expert_rows()), status="admitted",
                            admitted_on=date(2020, 1, 1))
        assert committed.counts["new"] == 2 and committed.accounts == 1
        jia = db.session.scalar(select(Expert).where(Expert.name == "导入专家甲"))
        yi = db.session.scalar(select(Expert).where(Expert.name == "导入专家乙"))
        assert (jia.status, jia.admitted_on, jia.birth_month, jia.title_issued_on) == \
               ("admitted", date(2020, 1, 1), date(1970, 1, 1), date(2015, 12, 1))
        assert sorted(d.code for d in jia.secondary_disciplines) == ["41030", "54030"]
        assert (yi.id_number, yi.birth_month, yi.organization.name, yi.user) == \
               (ID_2, date(1980, 2, 1), "绍兴导入研究院", None)
        # sealed like every other write: ciphertext at rest, found by its keyed hash
        stored = db.session.execute(text("SELECT id_number, bank_account FROM expert WHERE id = :i"),
                                    {"i": jia.id}).one()
        assert stored[0].startswith("enc1:") and stored[1].startswith("enc1:") and ID_1 not in stored[0]
        assert jia.user.username == "13905750001" and jia.user.must_change_password
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account_opened"))
        assert message.to_address == "jia@example.cn" and "13905750001" in message.body
        assert db.session.scalar(select(func.count(ExpertEvent.id)).where(ExpertEvent.action == "import")) == 2
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "import_experts")) == 1

        again = _commit("experts", workbook("experts", expert_rows()))
        assert again.counts == {"new": 0, "update": 0, "unchanged": 2, "error": 5} and again.accounts == 0

        rows = expert_rows()
        rows[0]["title_level"] = "副高级"
        corrected = _commit("experts", workbook("experts", rows))
        assert corrected.counts["update"] == 1 and corrected.rows[0].changed == ["职称级别"]
        db.session.expire_all()
        assert jia.title_level == "associate"
        change = db.session.scalar(select(ChangeRequest).where(ChangeRequest.expert_id == jia.id))
        assert change.status == "approved" and '"title_level"' in change.changes  # §7: old and new on record


def test_an_imported_expert_signs_in_with_the_password_sent_and_must_change_it_first(bureau_app):
    with bureau_app.app_context():
        _commit("units", units_file())
        _commit("experts", workbook("experts", expert_rows()[:1]))
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.kind == "account_opened"))
    password = re.search(r"初始密码：(\S+)", body)[1]
    client = bureau_app.test_client()
    from tests.conftest import Browser

    expert = Browser(client)
    response = expert.login("13905750001", password)
    assert response.status_code == 302
    assert "/password" in client.get("/me/").headers.get("Location", "")


def test_a_wrong_password_for_an_imported_account_costs_the_scrypt_check_of_any_login(bureau_app, monkeypatch):
    """The one-time password's fast hash must not make such accounts answer faster (user enumeration)."""
    import operations.accounts

    with bureau_app.app_context():
        _commit("units", units_file())
        _commit("experts", workbook("experts", expert_rows()[:1]))
    kinds = []
    original = operations.accounts.check_password_hash

    def spy(stored, password):
        kinds.append(stored.split(":", 1)[0])
        return original(stored, password)

    monkeypatch.setattr(operations.accounts, "check_password_hash", spy)
    from tests.conftest import Browser

    Browser(bureau_app.test_client()).login("13905750001", "Wrong@2026")
    assert kinds == ["pbkdf2", "scrypt"]


def test_a_batch_to_review_waits_for_the_bureau(bureau_app):
    with bureau_app.app_context():
        _commit("units", units_file())
        _commit("experts", workbook("experts", expert_rows()[:1]), status="pending_bureau")
        expert = db.session.scalar(select(Expert))
        assert (expert.status, expert.admission_route, expert.admitted_on) == ("pending_bureau", "invitation", None)


@pytest.mark.parametrize("data, said", [
    (b"", "文件是空的"),
    (b"name,id\n", "不是Excel（.xlsx）文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"), "设置了打开密码"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版Excel（.xls）"),
    (b"PK\x03\x04broken", "文件已损坏"),
])
def test_a_file_that_is_not_a_readable_workbook_is_refused_with_a_reason(bureau_app, data, said):
    with bureau_app.app_context(), pytest.raises(InvalidInput, match=re.escape(said)):
        imports.dry_run(data, "experts")


def test_bad_sheets_are_refused_or_reported_cell_by_cell(bureau_app):
    with bureau_app.app_context():
        with pytest.raises(InvalidInput, match="这是工作单位的导入模板"):
            imports.dry_run(units_file(), "experts")
        with pytest.raises(InvalidInput, match="不是专家导入模板"):
            imports.dry_run(workbook("experts", [{"name": "x"}], header=["姓名", "电话"]), "experts")
        with pytest.raises(InvalidInput, match="超过单次导入上限3行"):
            imports.dry_run(workbook("units", [{"name": f"单位{n}", "credit_code": credit(n)} for n in range(4)]),
                            "units", max_rows=3)
        rows = [{"name": f"单位{n}", "credit_code": credit(n)} for n in range(3)]
        report = imports.dry_run(workbook("units", rows, formula_at="A2", merge="C3:C4"), "units")
        found = messages(report)
        assert any(r == 2 and c == "单位名称" and "公式" in m for r, c, m in found)
        assert (4, "单位类型", "合并单元格，请取消合并并在每一行填写完整") in found
        assert report.counts["error"] == 2


def test_a_title_above_the_header_blank_rows_and_the_example_row_are_passed_over(bureau_app):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["绍兴市科技专家库 工作单位名册（2026年）"])
    sheet.append([])
    sheet.append(["单位名称", "统一社会信用代码", "单位类型"])
    sheet.append(["（示例）绍兴某某科技有限公司", credit(7), "企业"])
    sheet.append([])
    sheet.append(["真实单位", credit(8), "企业"])
    out = io.BytesIO()
    book.save(out)
    with bureau_app.app_context():
        report = imports.dry_run(out.getvalue(), "units")
        assert [(r.row, r.outcome, r.name) for r in report.rows] == [(6, "new", "真实单位")]


def test_the_bureau_uploads_sees_the_report_and_confirms(bureau_app):
    bureau = staff(bureau_app, "bureau")
    page = bureau.get("/admin/imports/")
    assert page.status_code == 200 and "批量导入" in page.get_data(as_text=True)
    template = bureau.get("/admin/imports/template.xlsx?kind=units")
    assert template.status_code == 200 and template.data.startswith(b"PK")

    token = bureau.token("/admin/imports/")
    refused = bureau.client.post("/admin/imports/upload/", data={
        "csrf_token": token, "kind": "units", "file": (io.BytesIO(b"not a workbook"), "名单.xlsx")},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "不是Excel（.xlsx）文件" in refused.get_data(as_text=True)

    dry = bureau.client.post("/admin/imports/upload/", data={
        "csrf_token": token, "kind": "units", "file": (io.BytesIO(units_file()), "单位.xlsx")},
        content_type="multipart/form-data")
    page = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "预检结果" in page and "统一社会信用代码校验位错误" in page
    assert re.search(r'data-count="new">2<', page) and re.search(r'data-count="error">2<', page)
    with bureau_app.app_context():
        assert db.session.scalar(select(func.count(Organization.id))) == 0
    form = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*type="hidden"[^>]*value="([^"]*)"', page) +
                [(n, v) for v, n in re.findall(r'<input[^>]*type="hidden"[^>]*value="([^"]*)"[^>]*name="(\w+)"', page)])
    hidden = {k: v for k, v in re.findall(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)"', page)}
    form.update(hidden)
    assert len(form.get("digest", "")) == 64, form
    # The whole report as a workbook: every row with its outcome, each problem on a line of its own.
    assert "下载完整的预检报告" in page
    report = bureau.get(f"/admin/imports/report.xlsx?kind=units&digest={form['digest']}")
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    import openpyxl

    lines = [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0].iter_rows()]
    assert lines[0] == ["行号", "结果", "名称", "列", "说明"]
    assert [4, "错误"] == lines_with(lines, "统一社会信用代码校验位错误")[:2]
    assert sum(1 for line in lines[1:] if line[1] == "新增") == 2
    done = bureau.client.post("/admin/imports/commit/", data=form)
    assert done.status_code == 200 and "导入结果" in done.get_data(as_text=True)
    with bureau_app.app_context():
        assert db.session.scalar(select(func.count(Organization.id))) == 2
    tampered = bureau.client.post("/admin/imports/commit/", data={**form, "digest": "0" * 64})
    assert tampered.status_code == 400 and "请重新上传" in tampered.get_data(as_text=True)


def lines_with(lines, text):
    return next(line for line in lines if text in (line[4] or ""))


def test_the_command_line_prints_the_report_and_fails_on_errors(bureau_app, tmp_path):
    runner = bureau_app.test_cli_runner()
    template = tmp_path / "units.xlsx"
    result = runner.invoke(args=["import", "template", "units", "--out", str(template)])
    assert result.exit_code == 0 and template.read_bytes().startswith(b"PK")
    path = tmp_path / "filled.xlsx"
    path.write_bytes(units_file())
    dry = runner.invoke(args=["import", "units", str(path)])
    assert dry.exit_code == 1 and "第4行\t统一社会信用代码\t统一社会信用代码校验位错误" in dry.output
    assert "预检，未保存" in dry.output
    done = runner.invoke(args=["import", "units", str(path), "--commit"])
    assert done.exit_code == 1 and "已导入工作单位 4 行：新增 2" in done.output
    path.write_bytes(workbook("units", [{"name": "单位", "credit_code": UNIT_A}]))
    assert runner.invoke(args=["import", "units", str(path), "--commit"]).exit_code == 0
    with bureau_app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "import_units")) == 2


def test_a_university_brings_its_colleges_so_its_experts_can_name_theirs(bureau_app):
    """Colleges (院系) come with the unit's row; a later file may add more, never drops one."""
    from models import College

    with bureau_app.app_context():
        row = {"name": "绍兴导入大学", "credit_code": UNIT_A, "unit_type": "高等院校", "colleges": "纺织学院；机电学院、纺织学院"}
        first = _commit("units", workbook("units", [row]))
        assert first.counts["new"] == 1
        names = lambda: sorted(db.session.scalars(select(College.name)))  # noqa: E731
        assert names() == ["机电学院", "纺织学院"]
        assert _commit("units", workbook("units", [row])).counts["unchanged"] == 1
        more = _commit("units", workbook("units", [{**row, "colleges": "医学院"}]))
        assert more.counts["update"] == 1 and more.rows[0].changed == ["院系"]
        assert names() == ["医学院", "机电学院", "纺织学院"]
        expert = {"name": "高校专家", "id_number": ID_1, "credit_code": UNIT_A, "college": "医学院",
                  "primary_discipline": "54020"}
        report = _commit("experts", workbook("experts", [expert]))
        assert report.counts["new"] == 1, [i.message for r in report.rows for i in r.issues]
        assert db.session.scalar(select(Expert).where(Expert.name == "高校专家")).college.name == "医学院"
