"""A new expert's whole journey to 入库 in Chromium, with a screenshot of every screen."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from models import Expert, db
from tests.browser.conftest import login
from tests.factories import PDF, PNG, resident_id


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _review(page, base, expert_id, decision, shot, name):
    page.goto(f"{base}/admin/expert/review/?id={expert_id}")
    page.check(f"#decision-{decision}")
    shot(page, f"journey-{name}")
    page.click("text=提交审核意见")
    page.wait_for_load_state()
    assert "已" in page.locator(".alert-success").first.inner_text()


def test_register_fill_upload_export_submit_review_publicize_admit(live_server, chromium, demo_app, shot, tmp_path):
    base = live_server
    context = chromium.new_context(locale="zh-CN", viewport={"width": 375, "height": 800}, accept_downloads=True)
    page = context.new_page()

    # 1. Register on a phone-sized screen.
    page.goto(f"{base}/register")
    page.fill("#username", "zhoujie")
    page.fill("#name", "周杰")
    page.fill("#mobile", "13905758888")
    page.fill("#email", "zhoujie@example.cn")
    page.fill("#password", "Shaoxing#2026a")
    page.fill("#password2", "Shaoxing#2026a")
    shot(page, "journey-01-register")
    page.click("button[type=submit]")
    page.wait_for_url("**/me/profile")

    # 2. Fill the 专家信息表 (a first save as a draft, then complete).
    page.fill("#id_number", resident_id("19800214"))
    page.fill("#birth_month", "1980-02")
    page.select_option("#title_level", "associate")
    page.fill("#position", "技术部经理")
    page.select_option("#education", label="硕士研究生")
    page.fill("#office_phone", "0575-85112233")
    page.fill("#bank_name", "绍兴银行柯桥支行")
    page.fill("#bank_account", "6222021234567812345")
    page.fill("#organization_name", "绍兴越州纺织科技有限公司")
    page.check("#basic_condition_declared")
    page.fill("#years_in_field", "15")
    page.select_option("#primary_discipline", label="54020 纺织材料")
    page.fill("#research_keywords", "功能纺织品；纤维改性")
    page.fill("#title_name", "高级工程师")
    page.fill("#title_issued_on", "2015-12-01")
    shot(page, "journey-02-profile-phone")
    page.click("main button[type=submit]")  # the page's own form: 退出 in the bar is a submit button too
    page.wait_for_url("**/me/")
    shot(page, "journey-03-portal-after-save")

    # 3. Upload the title certificate, export the form, upload it stamped.
    page.set_input_files("#upload-title_certificate", _write(tmp_path, "职称证书.pdf", PDF))
    page.locator("#upload-title_certificate ~ button").click()
    page.wait_for_load_state()
    with page.expect_download() as download_info:
        page.click("text=导出专家信息表")
    download = download_info.value
    assert download.suggested_filename == "专家信息表_周杰.xlsx"
    download.save_as(tmp_path / "form.xlsx")
    assert (tmp_path / "form.xlsx").read_bytes()[:2] == b"PK"
    page.set_input_files("#upload-stamped_form", _write(tmp_path, "盖章专家信息表.png", PNG))
    page.locator("#upload-stamped_form ~ button").click()
    page.wait_for_load_state()
    assert "盖章专家信息表.png" in page.content()
    shot(page, "journey-04-portal-uploaded")

    # 4. Submit.
    page.click("button:has-text('提交审核')")
    page.wait_for_load_state()
    assert "待单位审核" in page.content()
    shot(page, "journey-05-submitted")
    context.close()

    with demo_app.app_context():
        expert_id = db.session.scalar(select(Expert.id).where(Expert.email == "zhoujie@example.cn"))

    # 5. Unit, department and bureau review on a desktop screen.
    for username, decision, name in [("unit", "endorse", "06-unit-endorses"), ("dept", "endorse", "07-dept-endorses"),
                                     ("bureau", "publicize", "08-bureau-publicizes")]:
        staff = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        staff_page = staff.new_page()
        login(staff_page, base, username)
        _review(staff_page, base, expert_id, decision, shot, name)
        staff.close()

    public = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"{base}/publicity")
    assert "周杰" in public.content()
    shot(public, "journey-09-publicity")

    # 6. Seven days pass; the daily job admits.
    day8 = (date.today() + timedelta(days=7)).isoformat()
    result = demo_app.test_cli_runner().invoke(args=["lifecycle", "--today", day8])
    assert result.exit_code == 0
    with demo_app.app_context():
        assert db.session.get(Expert, expert_id).status == "admitted"

    expert = chromium.new_context(locale="zh-CN", viewport={"width": 375, "height": 800}).new_page()
    login(expert, base, "zhoujie", "Shaoxing#2026a")
    assert "已入库" in expert.content()
    shot(expert, "journey-10-admitted-timeline")
