"""Bad input never gives a 500: a Chinese message, a 4xx or a redirect back, and nothing saved half-way.

First the cases a reviewer found, one by one; then a Hypothesis fuzz that posts random, empty, huge and
hostile values to every field of every public form, as the role that uses it, with a valid CSRF token.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st
from sqlalchemy import func, select, text

from models import (Discipline, DrawRequest, Expert, ExpertLeave, Invitation, Objection, ReferenceItem,
                    SpecialExpert, db, local_now)
from rules.draw_requests import ACTIVITY_TYPES, ATTENDANCE
from rules import InvalidInput
from rules.feedback import FEE_MAX, parse_fee, parse_rating
from tests.conftest import Browser, request_step, staff
from tests.factories import PDF, PNG, add_user, make_expert, user

NON_NUMERIC_IDS = ["abc", "", " ", "²", "1.5", "-1", "0", "0x10", "99999999999999999999", "2147483648",
                   "<script>alert(1)</script>", "' OR 1=1--"]


# Helpers ------------------------------------------------------------------------------------------------

def row_counts(app) -> dict[str, int]:
    """Rows per table, in one query. The audit log is left out: refusals (a failed login) are logged."""
    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if t.name != "audit_entry"]
        row = db.session.execute(select(*[select(func.count()).select_from(t).scalar_subquery().label(t.name)
                                          for t in tables])).one()
        return dict(row._mapping)


ERROR_MARKERS = ("invalid-feedback", "alert-danger")


def refused(browser: Browser, response) -> bool:
    """Whether the app refused the input, having said why; never a 5xx. Clears the pending messages."""
    assert response.status_code < 500, response.get_data(as_text=True)[-2000:]
    with browser.client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    if response.status_code in (301, 302, 303):
        return any(category == "error" for category, _ in flashes)
    # Every form here redirects after a success, so a page shown in answer to a POST is a refusal.
    page = response.get_data(as_text=True)
    assert response.status_code >= 400 or any(m in page for m in ERROR_MARKERS), "refused without a message"
    return True


def anonymous(app) -> Browser:
    b = Browser(app.test_client())
    b.token("/login")
    return b


def expert_id_of(app, username: str = "expert") -> int:
    with app.app_context():
        return db.session.scalar(select(Expert.id).where(Expert.user_id == user(username).id))


def after_the_activity(app) -> tuple[int, list[int]]:
    """A released request whose activity is over (attendance can be recorded), and its accepted invitations."""
    with app.app_context():
        req_id = db.session.scalar(select(DrawRequest.id).where(DrawRequest.status == "released")
                                   .order_by(DrawRequest.id))
        db.session.execute(text("UPDATE draw_request SET start_at = :s, end_at = :e WHERE id = :i"),
                           {"s": local_now() - timedelta(hours=8), "e": local_now() - timedelta(hours=1),
                            "i": req_id})
        db.session.commit()
        accepted = list(db.session.scalars(select(Invitation.id).where(
            Invitation.request_id == req_id, Invitation.status == "accepted").order_by(Invitation.id)))
    assert accepted
    return req_id, accepted


def input_with_message(page: str, name: str) -> dict | None:
    """The text input called `name` (its class and value) and the message right after it."""
    match = re.search(rf'<input ([^>]*\bname="{name}"[^>]*)>\s*<div class="invalid-feedback[^"]*">([^<]*)</div>', page)
    if not match:
        return None
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
    return {"class": attrs.get("class", ""), "value": attrs.get("value", ""), "message": match.group(2)}


def feedback_of(app, inv_id: int) -> tuple:
    with app.app_context():
        inv = db.session.get(Invitation, inv_id)
        return inv.attendance, inv.absence_reason, inv.rating, inv.comments, inv.fee


# 1. The reported cases ------------------------------------------------------------------------------------

def _publicizing(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Expert.id).where(Expert.status == "publicizing").order_by(Expert.id))


OBJECTION = {"name": "王五", "contact": "13800000000", "text": "该专家的职称证书与实际不符。"}


def test_an_objection_without_an_expert_id_is_refused_with_a_message(demo_app):
    public, before = anonymous(demo_app), row_counts(demo_app)
    response = public.post("/publicity", OBJECTION)
    assert response.status_code == 400
    assert "请从公示名单中选择要提出异议的专家" in response.get_data(as_text=True)
    assert row_counts(demo_app) == before


def test_an_objection_with_a_bad_expert_id_is_refused_with_a_message(demo_app):
    public, before = anonymous(demo_app), row_counts(demo_app)
    for expert_id in NON_NUMERIC_IDS:
        response = public.post("/publicity", OBJECTION | {"expert_id": expert_id})
        assert response.status_code == 400, expert_id
        assert "请从公示名单中选择要提出异议的专家" in response.get_data(as_text=True)
    assert row_counts(demo_app) == before


def test_a_refused_objection_keeps_what_was_typed(demo_app):
    expert_id = _publicizing(demo_app)
    public, before = anonymous(demo_app), row_counts(demo_app)
    response = public.post(f"/publicity?expert={expert_id}",
                           {"expert_id": str(expert_id), "name": "王五", "contact": "", "text": "证书存疑"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写联系方式" in page and 'value="王五"' in page and "证书存疑" in page
    assert row_counts(demo_app) == before
    # And a good one still goes through.
    response = public.post("/publicity", OBJECTION | {"expert_id": str(expert_id)})
    assert response.status_code == 302
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Objection).where(
            Objection.expert_id == expert_id, Objection.name == "王五")) == 1


def test_removing_a_leave_with_a_non_numeric_id_is_refused_with_a_message(demo_app):
    expert_id = expert_id_of(demo_app)
    with demo_app.app_context():
        db.session.add(ExpertLeave(expert_id=expert_id, start_date=local_now().date() + timedelta(days=30),
                                   end_date=local_now().date() + timedelta(days=40), reason="出国访问"))
        db.session.commit()
    expert, before = staff(demo_app, "expert"), row_counts(demo_app)
    for remove in NON_NUMERIC_IDS:
        response = expert.post(f"/me/leave/{quote(remove, safe='')}/remove", {})
        if not remove or "/" in remove:  # no id, or a path of several parts: no such page
            assert response.status_code == 404
            continue
        assert response.status_code == 302, remove
        assert "找不到要撤销的请假记录" in expert.get("/me/").get_data(as_text=True)
    assert row_counts(demo_app) == before


def test_an_expert_cannot_remove_another_experts_leave(demo_app):
    with demo_app.app_context():
        other = make_expert("admitted", name="另一位专家")
        leave = ExpertLeave(expert_id=other.id, start_date=local_now().date(), end_date=local_now().date())
        db.session.add(leave)
        db.session.commit()
        leave_id = leave.id
    before = row_counts(demo_app)
    response = staff(demo_app, "expert").post(f"/me/leave/{leave_id}/remove", {})
    assert response.status_code == 302
    assert row_counts(demo_app) == before


def test_draw_manage_actions_with_non_numeric_ids_are_refused(demo_app):
    req_id, _accepted = after_the_activity(demo_app)
    with demo_app.app_context():
        submitted = db.session.scalar(select(SpecialExpert.request_id).where(SpecialExpert.status == "proposed"))
    bureau, usage, before = staff(demo_app, "bureau"), staff(demo_app, "usage"), row_counts(demo_app)
    for bad in NON_NUMERIC_IDS:
        cases = [
            (bureau, submitted, "special", {"decision": "approve", "special_id": bad}, "找不到该特邀专家建议"),
            (bureau, submitted, "special", {"decision": "reject", "special_id": bad}, "找不到该特邀专家建议"),
            (bureau, req_id, "spot-check", {"invitation_id": bad, "note": "抽查"}, "找不到该专家的受聘记录"),
            (usage, req_id, "attendance", {"invitation_id": bad, "attendance": "attended", "fee": "800"},
             "找不到该专家的受聘记录"),
        ]
        for browser, request_id, step, data, message in cases:
            response = request_step(browser, step, request_id, data)
            assert response.status_code == 400, data
            assert message in response.get_data(as_text=True)
    assert row_counts(demo_app) == before


def test_the_manage_page_and_the_record_pages_refuse_a_bad_id(demo_app):
    bureau, supervisor = staff(demo_app, "bureau"), staff(demo_app, "supervisor")
    for bad in ("abc", "²", "99999999999999999999", "2147483648", "-1", "' OR 1=1--"):
        for url in (f"/admin/drawrequest/manage/?id={bad}", f"/admin/drawrecord/record/?id={bad}",
                    f"/admin/drawrequest/export/result?id={bad}", f"/admin/expert/review/?id={bad}",
                    f"/admin/expert/exit/?id={bad}", f"/admin/expert/form.xlsx?id={bad}",
                    f"/admin/change/review/?id={bad}"):
            assert bureau.get(url).status_code == 404, url
        # Flask-Admin's own record pages: "record does not exist", back to the list.
        for page in ("organization/edit", "department/edit", "discipline/edit", "reference/edit", "user/edit",
                     "user/details", "outbox/details", "expert/edit", "expert/details", "change/details"):
            response = bureau.get(f"/admin/{page}/?id={bad}")
            assert response.status_code in (302, 404), (page, bad)
        assert supervisor.get(f"/admin/audit/details/?id={bad}").status_code in (302, 404), bad


def test_a_list_page_number_out_of_range_shows_the_first_page(demo_app):
    bureau = staff(demo_app, "bureau")
    for page in ("-1", "99999999999999999999", "abc"):
        for view in ("expert", "organization", "drawrequest", "user"):
            assert bureau.get(f"/admin/{view}/?page={page}").status_code == 200, (view, page)


def test_a_bulk_action_with_a_non_numeric_id_does_nothing_and_says_so(demo_app):
    with demo_app.app_context():
        pending = str(db.session.scalar(select(Expert.id).where(Expert.status == "pending_bureau")))
    bureau, before = staff(demo_app, "bureau"), row_counts(demo_app)
    for rowid in (["abc"], ["²"], ["99999999999999999999"], [pending, "abc"]):
        for action in ("endorse", "publicize", "admit"):
            response = bureau.post("/admin/expert/action/", {"action": action, "rowid": rowid})
            assert response.status_code == 302, (action, rowid)
            assert "所选记录无效" in bureau.get("/admin/expert/").get_data(as_text=True)
    assert row_counts(demo_app) == before
    with demo_app.app_context():
        assert db.session.get(Expert, int(pending)).status == "pending_bureau"  # not endorsed half-way


BAD_FEES = [
    ("-1", "劳务费不能为负数"), ("-0.01", "劳务费不能为负数"), ("1000000.01", "劳务费不能超过1,000,000元"),
    ("1e12", "劳务费不能超过"), ("99999999999999999999", "劳务费不能超过"), ("9" * 40, "劳务费须为金额"),
    ("NaN", "劳务费须为金额"), ("sNaN", "劳务费须为金额"), ("Infinity", "劳务费须为金额"), ("-inf", "劳务费须为金额"),
    ("八百", "劳务费须为金额"), ("800元", "劳务费须为金额"), ("800.555", "最多保留两位小数"),
    ("<script>alert(1)</script>", "劳务费须为金额"), ("' OR 1=1--", "劳务费须为金额"),
]


def test_the_attendance_fee_is_range_checked_at_the_field(demo_app):
    req_id, accepted = after_the_activity(demo_app)
    usage, before, saved = staff(demo_app, "usage"), row_counts(demo_app), feedback_of(demo_app, accepted[0])
    for fee, message in BAD_FEES:
        response = request_step(usage, "attendance", req_id, {
            "invitation_id": str(accepted[0]), "attendance": "attended",
            "rating": "4", "comments": "评审认真", "fee": fee})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, fee
        # The message sits right after the fee input, which is marked and keeps what was typed.
        field = input_with_message(page, "fee")
        assert field, (fee, page[-3000:])
        assert "is-invalid" in field["class"] and message in field["message"], fee
        assert field["value"] == fee.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
            "'", "&#39;").replace('"', "&#34;")
        assert 'value="评审认真"' in page and 'value="4"' in page
    assert row_counts(demo_app) == before and feedback_of(demo_app, accepted[0]) == saved


def test_the_rating_must_be_1_to_5_at_the_field(demo_app):
    req_id, accepted = after_the_activity(demo_app)
    usage, saved = staff(demo_app, "usage"), feedback_of(demo_app, accepted[0])
    for rating in ("0", "6", "-1", "4.5", "abc", "٣", "99999999999999999999", "1e1"):
        response = request_step(usage, "attendance", req_id, {
            "invitation_id": str(accepted[0]), "attendance": "attended", "rating": rating, "fee": "800"})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, rating
        field = input_with_message(page, "rating")
        assert field and "is-invalid" in field["class"] and field["message"] == "评分须为1到5的整数", rating
    assert feedback_of(demo_app, accepted[0]) == saved


def test_a_good_attendance_is_saved_and_two_bad_fields_are_both_reported(demo_app):
    req_id, accepted = after_the_activity(demo_app)
    usage = staff(demo_app, "usage")
    page = request_step(usage, "attendance", req_id, {"invitation_id": str(accepted[0]),
                                                      "attendance": "absent_excused", "absence_reason": "",
                                                      "rating": "9", "fee": "-5"}).get_data(as_text=True)
    assert "请填写缺席理由" in page and "评分须为1到5的整数" in page and "劳务费不能为负数" in page
    response = request_step(usage, "attendance", req_id, {"invitation_id": str(accepted[0]),
                                                          "attendance": "attended", "rating": "5",
                                                          "comments": "意见中肯", "fee": " 1000000 "})
    assert response.status_code == 302
    assert feedback_of(demo_app, accepted[0]) == ("attended", "", 5, "意见中肯", Decimal("1000000.00"))


def test_a_refused_reason_is_kept_in_its_box(demo_app):
    with demo_app.app_context():
        req_id = db.session.scalar(select(DrawRequest.id).where(DrawRequest.status == "submitted"))
    page = request_step(staff(demo_app, "bureau"), "decide", req_id,
                        {"decision": "reject", "reason": "x" * 2001}).get_data(as_text=True)
    assert "不超过2000字" in page and 'value="' + "x" * 2001 + '"' in page


def test_null_characters_are_refused_before_they_reach_the_database(demo_app):
    public, before = anonymous(demo_app), row_counts(demo_app)
    response = public.post("/login", {"username": "bureau\x00", "password": "x"})
    assert response.status_code == 400 and "控制字符" in response.get_data(as_text=True)
    assert staff(demo_app, "bureau").get("/admin/organization/?search=%00").status_code == 400
    assert row_counts(demo_app) == before


def test_ids_past_the_integer_range_in_the_path_are_not_found(demo_app):
    assert staff(demo_app, "bureau").get("/files/99999999999999999999").status_code == 404
    assert staff(demo_app, "expert").post("/me/invitations/99999999999999999999",
                                          {"answer": "accept"}).status_code == 404


def test_an_unknown_answer_to_an_invitation_declines_nothing(demo_app):
    req_id, _ = after_the_activity(demo_app)
    with demo_app.app_context():
        inv = Invitation(request_id=req_id, expert_id=expert_id_of(demo_app), position=99, role="selected",
                         status="invited", deadline=local_now() + timedelta(days=2))
        db.session.add(inv)
        db.session.commit()
        inv_id = inv.id
    expert = staff(demo_app, "expert")
    response = expert.post(f"/me/invitations/{inv_id}", {"answer": "' OR 1=1--", "reason": "x"})
    assert response.status_code == 400  # /me/ again, the message at the invitation and the reason kept
    assert "请选择接受、不能参加或申请回避" in response.get_data(as_text=True)
    assert 'value="x"' in response.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(Invitation, inv_id).status == "invited"


def test_a_college_that_is_not_a_number_is_a_field_error(demo_app):
    expert = staff(demo_app, "expert")
    for college in ("abc", "²", "99999999999999999999"):
        response = expert.post("/me/profile", {"organization_name": "绍兴文理学院", "college": college})
        assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)


def test_a_number_too_big_for_a_float_is_a_field_error(demo_app):
    """WTForms' NumberRange raised OverflowError on such an IntegerField value."""
    huge = "9" * 400
    usage, before = staff(demo_app, "usage"), row_counts(demo_app)
    response = usage.post("/admin/drawrequest/new/", {"title": "评审会", "need": huge, "age_min": huge,
                                                      "age_max": "-" + huge, "response_hours": huge})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "人数应在1到50之间" in page and "年龄应在18到100之间" in page and "答复期限应在2到168小时之间" in page
    assert 'value="评审会"' in page
    response = staff(demo_app, "expert").post("/me/profile", {"years_in_field": huge})
    assert response.status_code == 200 and "年限应在0到80之间" in response.get_data(as_text=True)
    assert row_counts(demo_app) == before


def test_fee_and_rating_rules():
    assert parse_fee("") is None and parse_fee("  ") is None and parse_rating("") is None
    assert parse_fee("800") == Decimal("800.00") and parse_fee("0") == Decimal("0.00")
    assert parse_fee("800.5") == Decimal("800.50") and parse_fee(str(FEE_MAX)) == FEE_MAX
    assert [parse_rating(str(n)) for n in range(1, 6)] == [1, 2, 3, 4, 5]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=30), st.decimals(allow_nan=True, allow_infinity=True).map(str),
                 st.floats().map(str), st.integers().map(str)))
def test_fee_and_rating_rules_accept_only_what_fits_the_column(typed):
    for parse in (parse_fee, parse_rating):
        try:
            value = parse(typed)
        except InvalidInput as e:
            assert re.search(r"[\u4e00-\u9fff]", str(e))  # a Chinese message, nothing else is raised
            continue
        if parse is parse_fee and value is not None:
            assert 0 <= value <= FEE_MAX and value == value.quantize(Decimal("0.01"))
        if parse is parse_rating and value is not None:
            assert value in range(1, 6)


# 2. The fuzz ----------------------------------------------------------------------------------------------

NASTY = ["", " ", "0", "1", "-1", "abc", "²", "１２", "٣", "1.5", "1e5", "1e309", "NaN", "sNaN", "-Infinity",
         "2147483648", "99999999999999999999", "-9223372036854775809", "9" * 400, "0x1F", "1_000",
         "<script>alert(1)</script>", "' OR 1=1--", '"; DROP TABLE expert;--', "%s%n", "{{7*7}}",
         "../../etc/passwd", "\x00", "a\x00b", "\r\n", "\u202e", "😀", "2024-02-30", "9999-12-31", "0001-01-01",
         "1975-06", "2026-13-01T25:61", "2030-01-01T09:00", "y", "on", "X" * 5000, "中" * 3000]
OMIT = object()  # the field is left out of the post

JUNK = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.integers().map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(str),
                 st.builds(lambda c, n: c * n, st.sampled_from(["9", "x", "中", "<"]), st.integers(0, 20000)))


def values(*valid: str) -> st.SearchStrategy[str]:
    """Random text, numbers, empty, huge and hostile strings; half the time one of `valid`, if given."""
    return st.booleans().flatmap(lambda ok: st.sampled_from(valid) if ok else JUNK) if valid else JUNK


def form(fields: dict[str, st.SearchStrategy], good: dict | None = None) -> st.SearchStrategy[dict]:
    """A post to a form: every field random (one time in four left out) or, as often, a `good` post
    with one to three fields spoiled, so that the checks after the first one are reached too."""
    def maybe(s):
        return st.sampled_from([False, True, True, True]).flatmap(lambda sent: s if sent else st.just(OMIT))

    def spoil(changes: dict) -> dict:
        post = dict(good)
        post.update(changes)
        return {k: v for k, v in post.items() if v is not OMIT}

    random_post = st.fixed_dictionaries({name: maybe(s) for name, s in fields.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not OMIT})
    if good is None:
        return random_post
    spoiled = st.dictionaries(st.sampled_from(sorted(fields)), st.one_of(st.just(OMIT), JUNK),
                              min_size=1, max_size=3).map(spoil)
    return st.one_of(random_post, spoiled)


def _ids(app, query) -> tuple[str, ...]:
    with app.app_context():
        return tuple(str(i) for i in db.session.scalars(query))


def _login_form(app):
    return None, st.tuples(st.just("/login"), form({"username": values("bureau", "expert"), "password": values()},
                                                    {"username": "expert", "password": "Demo@2026"}))


def _register_form(app):
    good = {"username": "fuzz_user", "name": "张三", "mobile": "13905751234", "email": "a@example.cn",
            "password": "Expert2026", "password2": "Expert2026"}
    return None, st.tuples(st.just("/register"), form({k: values(v) for k, v in good.items()}, good))


def _publicity_form(app):
    publicizing = _ids(app, select(Expert.id).where(Expert.status == "publicizing"))
    good = {"expert_id": publicizing[0], "name": "王五", "contact": "13800000000", "text": "职称证书存疑"}
    return None, st.tuples(st.sampled_from(["/publicity"] + [f"/publicity?expert={i}" for i in publicizing]), form({
        "expert_id": values(*publicizing), "name": values("王五"), "contact": values("13800000000"),
        "text": values("职称证书存疑")}, good))


def _profile_form(app):
    from tests.factories import profile_form

    with app.app_context():
        draft = add_user("fuzzexpert", "expert")
        make_expert("draft", user_id=draft.id, name="草稿专家", email="draft@example.cn")
        db.session.commit()
    refs = _ids(app, select(ReferenceItem.id).where(ReferenceItem.kind.in_(["education", "degree"])))
    disciplines = _ids(app, select(Discipline.id).order_by(Discipline.id).limit(20))
    good = profile_form(app)
    fields = {k: values(v) for k, v in good.items() if v} | {
        "id_type": values("resident", "passport"), "title_level": values("senior", "none"),
        "education": values(*refs), "degree": values(*refs), "organization_name": values("绍兴文理学院", "新单位"),
        "new_org_credit_code": values("91330600MA2D7X7X7X"), "new_org_in_shaoxing": values("y"),
        "college": values("1"), "expert_type": values("technical", "financial"), "equivalent_level": values("y"),
        "primary_discipline": values(*disciplines),
        "secondary_disciplines": st.lists(values(*disciplines), max_size=3),
        "priority_categories": st.lists(values("academician"), max_size=2), "provincial_library": values("y")}
    return "fuzzexpert", st.tuples(st.just("/me/profile"), form(fields, good))


def _leave_form(app):
    with app.app_context():
        leave = ExpertLeave(expert_id=expert_id_of(app), start_date=local_now().date() + timedelta(days=30),
                            end_date=local_now().date() + timedelta(days=40))
        db.session.add(leave)
        db.session.commit()
        leave_id = str(leave.id)
    start, end = (str(local_now().date() + timedelta(days=d)) for d in (60, 70))
    good = {"start": start, "end": end, "reason": "出差"}
    pages = st.sampled_from(["/me/leave", f"/me/leave/{leave_id}/remove"])
    return "expert", st.tuples(pages, form({"start": values(start), "end": values(end),
                                            "reason": values("出差")}, good))


def _respond_form(app):
    req_id, _ = after_the_activity(app)
    with app.app_context():
        inv = Invitation(request_id=req_id, expert_id=expert_id_of(app), position=99, role="selected",
                         status="invited", deadline=local_now() + timedelta(days=2))
        db.session.add(inv)
        db.session.commit()
        inv_id = inv.id
    return "expert", st.tuples(st.just(f"/me/invitations/{inv_id}"), form({
        "answer": values("accept", "decline"), "reason": values("出差")}, {"answer": "decline", "reason": "出差"}))


def _upload_form(app):
    with app.app_context():
        draft = add_user("fuzzuploader", "expert")
        make_expert("draft", user_id=draft.id, name="上传专家")
        db.session.commit()
    kinds = ["title_certificate", "stamped_form", "priority_proof", "provincial_proof"]
    files = st.builds(lambda head, tail, name: (io.BytesIO(head + tail), name),
                      st.sampled_from([b"", PDF, PNG, b"MZ", b"<script>"]), st.binary(max_size=200),
                      values("证书.pdf", "a/../b.pdf", "x" * 300))
    return "fuzzuploader", st.tuples(st.sampled_from([f"/me/upload/{k}" for k in kinds] + ["/me/upload/x"]),
                                     form({"file": st.booleans().flatmap(lambda a_file: files if a_file else JUNK)}))


def _draw_request_form(app):
    from tests.factories import org
    from tests.factories import request_form

    with app.app_context():
        code = org("绍兴文理学院").credit_code
    good = request_form(local_now() + timedelta(days=10), **{"members-0-credit_code": code})
    good |= {"special_experts-0-name": "李四", "special_experts-0-unit_name": "浙江大学",
             "special_experts-0-title": "教授", "special_experts-0-reason": "库内无此专业"}
    fields = {k: values(v) for k, v in good.items()} | {
        "activity_type": values(*ACTIVITY_TYPES), "expert_type": values("", "technical", "financial"),
        "discipline_codes": values("540", "54020", "520,540", "999"), "region": values("any", "in", "out")}
    return "usage", st.tuples(st.just("/admin/drawrequest/new/"), form(fields, good))


def _attendance_form(app):
    req_id, accepted = after_the_activity(app)
    good = {"invitation_id": str(accepted[0]), "attendance": "attended",
            "absence_reason": "", "rating": "4", "comments": "认真", "fee": "800"}
    pages = st.sampled_from([f"/admin/drawrequest/{step}/?id={req_id}" for step in ("attendance", "submit")])
    return "usage", st.tuples(pages, form({
        "invitation_id": values(*map(str, accepted)),
        "attendance": values(*ATTENDANCE), "absence_reason": values("病假"),
        "rating": values("1", "5"), "comments": values("认真"), "fee": values("800", "0.5")}, good))


def _manage_form(app):
    after_the_activity(app)
    steps = ("decide", "draw", "supplement", "propose", "release", "special", "phone", "spot-check", "attendance",
             "submit")
    fields = form({"reason": values("同意"), "decision": values("approve", "reject"),
                   "special_id": values(*_ids(app, select(SpecialExpert.id))),
                   "invitation_id": values(*_ids(app, select(Invitation.id))), "note": values("规范")})
    pages = [f"/admin/drawrequest/{step}/?id={i}" for i in _ids(app, select(DrawRequest.id)) for step in steps]
    return "bureau", st.tuples(st.sampled_from(pages), fields)


# name → (builder, examples): about a minute in all on SQLite, a little more on PostgreSQL.
FUZZED = {
    "login": (_login_form, 60),
    "register": (_register_form, 80),
    "publicity": (_publicity_form, 80),
    "profile": (_profile_form, 60),
    "leave": (_leave_form, 80),
    "respond": (_respond_form, 60),
    "upload": (_upload_form, 60),
    "draw_request": (_draw_request_form, 100),
    "attendance": (_attendance_form, 100),
    "manage": (_manage_form, 100),
}


def _state(app) -> tuple:
    """What a refused post must leave as it was: row counts, and the rows updated in place."""
    with app.app_context():
        experts = db.session.execute(select(Expert.id, Expert.status, Expert.name, Expert.updated_at)).all()
        requests = db.session.execute(select(DrawRequest.id, DrawRequest.status)).all()
        invitations = db.session.execute(select(
            Invitation.id, Invitation.status, Invitation.attendance, Invitation.rating, Invitation.fee,
            Invitation.comments, Invitation.spot_check)).all()
    return row_counts(app), sorted(experts), sorted(requests), sorted(invitations)


@pytest.mark.parametrize("name", FUZZED)
def test_random_input_to_every_public_form_never_gives_a_500_nor_saves_half_way(demo_app, name, monkeypatch):
    builder, examples = FUZZED[name]
    # The forms themselves are fuzzed here, not the throttle in front of them (tests/test_public_forms.py).
    monkeypatch.setitem(demo_app.config, "RATELIMIT_OBJECTIONS", "10000 per hour")
    monkeypatch.setitem(demo_app.config, "RATELIMIT_REGISTRATIONS", "10000 per hour")
    role, posts = builder(demo_app)
    browser = Browser(demo_app.test_client())
    if role:
        assert browser.login(role).status_code == 302
    token = browser.csrf or browser.token("/login")
    multipart = {"content_type": "multipart/form-data"} if name == "upload" else {}

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(post=posts)
    def post_random(post):
        url, data = post
        before = _state(demo_app)
        response = browser.client.post(url, data={**data, "csrf_token": token}, **multipart)
        event(f"status {response.status_code}")
        if refused(browser, response):
            assert _state(demo_app) == before, f"saved half-way: {url} {data!r}"
        else:
            event("accepted")

    post_random()
