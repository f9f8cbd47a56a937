"""Each role's home page lists what waits for this user (issue 17, item 3): every count is a link to
exactly those rows, and 待我处理 agrees with the rules row by row."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import ChangeRequest, Expert, User, db
from operations.admission import review_choices
from operations.changes import choices_for
from operations.scope import awaiting_change, awaiting_review, change_scope, record_scope, within
from tests.conftest import staff
from tests.factories import add_user, make_expert

ROLES = ["bureau", "unit", "dept", "leader", "supervisor", "usage"]


def _with_stand_ins(app):
    """Beside the demo: applications at a unit with no reviewer, and at a unit outside Shaoxing filed under
    the demo department (the bureau reviews for the department there)."""
    from models import ManagingDepartment, Organization

    with app.app_context():
        away = Organization(name="杭州某某研究院", credit_code="12330000MB0000001X", in_shaoxing=False,
                            department=db.session.scalar(select(ManagingDepartment).where(
                                ManagingDepartment.name == "柯桥区科技局")))
        db.session.add(away)
        db.session.flush()
        make_expert("pending_dept", org_name="杭州某某研究院")
        make_expert("pending_unit", org_name="绍兴市工程咨询有限公司")
        make_expert("pending_dept", org_name="绍兴市工程咨询有限公司")
        add_user("second_unit", "unit", org_name="绍兴越州纺织科技有限公司")
        db.session.commit()


def test_waiting_for_me_is_exactly_what_the_rules_let_each_reviewer_decide(demo_app):
    _with_stand_ins(demo_app)
    with demo_app.app_context():
        reviewers = db.session.scalars(select(User).where(User.role.in_(["bureau", "unit", "dept"]))).all()
        experts = db.session.scalars(select(Expert)).all()
        changes = db.session.scalars(select(ChangeRequest)).all()
        assert len(reviewers) >= 4 and len(experts) > 100 and changes
        for user in reviewers:
            for expert in experts:
                may = bool(review_choices(expert, user)) and within(record_scope, user, expert)
                assert within(awaiting_review, user, expert) == may, (user.username, expert.status, expert.id)
            for change in changes:
                may = bool(choices_for(change, user)) and within(change_scope, user, change)
                assert within(awaiting_change, user, change) == may, (user.username, change.status, change.id)


@pytest.mark.parametrize("role", ROLES)
def test_every_count_on_the_home_page_opens_exactly_its_rows(demo_app, role):
    _with_stand_ins(demo_app)
    browser = staff(demo_app, role)
    home = browser.get("/admin/").get_data(as_text=True)
    todo = home.split("待办事项")[1].split("概况")[0] if "待办事项" in home else ""
    items = re.findall(r'href="([^"]+)">\s*([^<]+?)\s*<span class="badge badge-danger badge-pill">(\d+)</span>', todo)
    if role in ("leader", "supervisor"):
        assert not items
        return
    assert items, f"{role} has nothing to do in the demo"
    for link, label, count in items:
        link = link.replace("&amp;", "&")
        if "exitflags" in link:
            continue  # a page of two lists, counted by tests/test_lifecycle.py
        page = browser.get(link + ("&" if "?" in link else "?") + "page_size=100").get_data(as_text=True)
        rows = len(re.findall(r'<input type="checkbox" name="rowid"', page)) or len(
            re.findall(r'<td class="list-buttons-column">', page))
        assert rows == int(count), f"{role}: {label} says {count}, its list shows {rows}"


def _menu_links(page: str) -> dict[str, str]:
    """The menu's entries: label → link."""
    return {label: href.replace("&amp;", "&")
            for href, label in re.findall(r'<a class="dropdown-item[^"]*" href="([^"]+)">\s*([^<]+?)\s*</a>', page)}


@pytest.mark.parametrize("role, entry", [
    ("unit", "专家"), ("dept", "专家"), ("bureau", "专家"), ("bureau", "信息变更"), ("bureau", "抽取申请"),
    ("bureau", "公示异议"), ("usage", "抽取申请"),
])
def test_a_list_opens_on_what_waits_for_the_user_while_something_does(demo_app, role, entry):
    browser = staff(demo_app, role)
    link = _menu_links(browser.get("/admin/").get_data(as_text=True))[entry]
    assert "flt0_" in link, f"{role}'s {entry} opens on the whole list although work waits"
    page = browser.get(link).get_data(as_text=True)
    assert "待我处理" in page  # the active filter, removable to see the whole list
    assert re.search(r'name="rowid"|list-buttons-column', page)


def test_with_nothing_waiting_the_menu_opens_the_whole_list(demo_app):
    with demo_app.app_context():
        for expert in db.session.scalars(select(Expert).where(Expert.status.in_(["pending_unit", "pending_dept"]))):
            expert.status = "draft"
        db.session.commit()
    for role in ("unit", "dept"):
        links = _menu_links(staff(demo_app, role).get("/admin/").get_data(as_text=True))
        assert links["专家"] == "/admin/expert/", role
    links = _menu_links(staff(demo_app, "leader").get("/admin/").get_data(as_text=True))
    assert links["专家"] == "/admin/expert/"


@pytest.mark.parametrize("role", ["bureau", "usage"])
def test_an_invitation_past_its_deadline_is_on_the_to_do_until_answered(demo_app, role):
    from models import Invitation, utcnow
    from operations.invitations import expire_invitations

    browser = staff(demo_app, role)
    home = browser.get("/admin/").get_data(as_text=True)
    found = re.search(r'href="([^"]+)">\s*有邀请超过答复期限未答复的抽取申请\s*<span[^>]*>(\d+)</span>', home)
    assert found and found.group(2) == "1"
    listed = browser.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "2026年度市级科技计划项目验收（医药卫生）" in listed and "市级工程技术研究中心绩效评价" not in listed
    with demo_app.app_context():
        late_request = db.session.scalar(select(Invitation.request_id).where(Invitation.status == "invited"))
    if role == "bureau":  # the usage unit sees no names before the bureau releases them (§17)
        assert "已过答复期限" in browser.get(f"/admin/drawrequest/manage/?id={late_request}").get_data(as_text=True)
    with demo_app.app_context():
        assert expire_invitations(utcnow()) == 1  # the daily job passes the place on
        assert db.session.scalar(select(Invitation).where(Invitation.status == "invited",
                                                          Invitation.deadline < utcnow())) is None
        db.session.commit()
    assert "有邀请超过答复期限未答复的抽取申请" not in browser.get("/admin/").get_data(as_text=True)
