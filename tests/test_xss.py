"""Script typed by outsiders (registration, profile, objection, draw request) is shown as text everywhere."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import DrawRequest, Expert, Objection, ProjectMember, RequestAvoidance, db, local_now
from operations import admission, draw_requests
from tests.conftest import Browser
from tests.factories import make_expert, user

PAYLOAD = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(2)>'


def _assert_escaped(page: str, where: str) -> None:
    assert PAYLOAD not in page, f"raw <script> on {where}"
    assert "<img src=x onerror" not in page, f"raw attribute injection on {where}"


def _seed(app) -> dict:
    with app.app_context():
        account = user("expert")
        own = db.session.scalar(select(Expert).where(Expert.user_id == account.id))
        own.position, own.research_keywords = PAYLOAD, ATTR
        expert = make_expert("pending_bureau", name="脚本" + PAYLOAD[:20], position=PAYLOAD,
                             research_keywords=PAYLOAD + ATTR, title_name=ATTR)
        batch, errors = admission.publicize([expert], user("bureau"))
        assert not errors, errors
        db.session.add(Objection(expert_id=expert.id, batch_id=batch.id, name=PAYLOAD, contact=ATTR,
                                 text=PAYLOAD + "该专家存在问题"))
        usage = user("usage")
        start = local_now().replace(microsecond=0) + timedelta(days=20)
        req = DrawRequest(organization_id=usage.organization_id, created_by_id=usage.id, title="评审" + PAYLOAD,
                          activity_type="review", start_at=start, end_at=start + timedelta(hours=4),
                          place=ATTR, need=1, backups=0, discipline_codes="540", min_title="associate",
                          region="any")
        req.members = [ProjectMember(project=PAYLOAD, name=ATTR, is_leader=True, unit_name=PAYLOAD,
                                     college=PAYLOAD)]
        req.avoidances = [RequestAvoidance(kind="unit", name=PAYLOAD, reason=ATTR)]
        db.session.add(req)
        db.session.flush()
        draw_requests.submit_request(req, usage)
        db.session.commit()
        return {"expert": expert.id, "request": req.id}


def test_outsider_text_is_escaped_on_every_page_that_shows_it(demo_app):
    ids = _seed(demo_app)
    public = Browser(demo_app.test_client())
    page = public.get("/publicity").get_data(as_text=True)
    assert "脚本" in page
    _assert_escaped(page, "/publicity")
    assert "&lt;script&gt;" in page

    pages = {
        "bureau": ["/admin/expert/", f"/admin/expert/details/?id={ids['expert']}",
                   f"/admin/expert/review/?id={ids['expert']}", "/admin/drawrequest/",
                   f"/admin/drawrequest/manage/?id={ids['request']}"],
        "usage": ["/admin/drawrequest/", f"/admin/drawrequest/manage/?id={ids['request']}"],
        "expert": ["/me/", "/me/profile"],
        "supervisor": ["/admin/audit/"],
    }
    shown = []
    for role, urls in pages.items():
        browser = Browser(demo_app.test_client())
        browser.login(role)
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            body = response.get_data(as_text=True)
            _assert_escaped(body, f"{url} as {role}")
            shown.append((role, url, "&lt;script&gt;" in body or "&#34;&gt;&lt;img" in body or "&lt;img" in body))
    # Each page but the portal's overview and the audit list (which show neither field) shows the text escaped.
    assert [(r, u) for r, u, ok in shown if not ok] == [("expert", "/me/"), ("supervisor", "/admin/audit/")]
    # The objection, shown to the bureau's review, is there as text.
    bureau = Browser(demo_app.test_client())
    bureau.login("bureau")
    review = bureau.get(f"/admin/expert/review/?id={ids['expert']}").get_data(as_text=True)
    assert "该专家存在问题" in review and "&lt;script&gt;alert(1)&lt;/script&gt;" in review
