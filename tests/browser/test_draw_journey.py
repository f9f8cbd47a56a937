"""A draw that falls short, in a real browser: the bureau revises the conditions and a supplementary draw fills
the places; experts without e-mail get the invitation by SMS and answer by its link, or by telephone to the
bureau, which records the call (暂行办法 §12, §13, §17)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from models import DrawRequest, Expert, Invitation, OutboxMessage, User, db, local_now
from operations.notify import read_invitation_token, send_pending
from tests.browser.conftest import login
from tests.factories import approved_request, textile_experts


def test_a_short_draw_is_supplemented_on_revised_conditions_and_every_invited_expert_is_reached(
        live_server, chromium, demo_app, gateway, shot):
    demo_app.config["BASE_URL"] = live_server  # the links in the SMS lead to this server
    textile_experts(demo_app, mobile="13905750100")
    req_id = approved_request(demo_app, need=3, backups=0)  # approved by bureau2; bureau draws
    with demo_app.app_context():
        db.session.get(DrawRequest, req_id).age_max = 30  # nobody in the library is that young
        # An office whose experts gave no e-mail: the invitations go by SMS (or the bureau telephones).
        db.session.execute(update(Expert).values(email=""))
        db.session.execute(update(User).values(email=""))
        db.session.commit()
    manage = f"{live_server}/admin/drawrequest/manage/?id={req_id}"
    bureau = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(bureau, live_server, "bureau")

    # The first draw: the pool is too small, so the draw asks why; it finds nobody and says so.
    bureau.goto(manage)
    assert "不足所需人数的 3 倍" in bureau.content()
    bureau.fill("input[name=pool_reason]", "先按原条件抽取")
    bureau.click("button:has-text('随机抽取')")
    bureau.wait_for_load_state()
    assert "未抽到任何专家" in bureau.content() and "操作成功" not in bureau.content()
    assert "尚缺 3 人" in bureau.content()
    shot(bureau, "draw-short")

    # Revised conditions: the age limit goes, with a reason; the supplementary draw fills the three places.
    bureau.fill("form[action*='supplement'] input[name=age_max]", "")
    bureau.fill("form[action*='supplement'] input[name=reason]", "30岁以下专家不足，取消年龄上限后补充抽取")
    bureau.click("button:has-text('补充抽取')")
    bureau.wait_for_load_state()
    assert "已接受 0 人，待答复 3 人，待答复确认" in bureau.content(), bureau.locator(".alert").all_inner_texts()
    shot(bureau, "draw-supplemented")
    with demo_app.app_context():
        req = db.session.get(DrawRequest, req_id)
        first, supplement = req.records
        assert (first.shortfall, supplement.shortfall) == (3, 0)
        supplement_id = supplement.id
        invited = db.session.scalars(select(Invitation).where(Invitation.request_id == req_id,
                                                              Invitation.status == "invited")).all()
        assert len(invited) == 3
        # Every invited expert is reached: nobody has e-mail, so each gets an SMS through the gateway.
        channels = {i.id: set() for i in invited}
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.invitation_id.in_(channels))):
            channels[m.invitation_id].add(m.channel)
        assert channels == {i.id: {"sms"} for i in invited}
        assert send_pending() == (3, 0)
        by_sms, by_phone = invited[0].id, invited[1].id
    # The supplement's record shows both sets of conditions.
    bureau.click(f"a[href*='/admin/drawrecord/record/?id={supplement_id}']")
    assert "上次抽取的条件" in bureau.content() and "不限–30" in bureau.content()
    shot(bureau, "draw-supplement-record")

    # One expert answers by the link in the SMS, in a browser without signing in.
    assert len(gateway.received) == 3 and all(token == "Bearer sms-secret" for token, _ in gateway.received)
    with demo_app.app_context():
        text = next(payload["text"] for _, payload in gateway.received if by_sms in _link_ids(payload["text"]))
    assert "评审邀请" in text
    accept_link = re.findall(r"(http://\S+/invitation/\S+)", text)[0]
    expert = chromium.new_context(locale="zh-CN").new_page()
    expert.goto(accept_link)
    expert.click("button:has-text('确认接受邀请')")
    expert.wait_for_load_state()
    assert "已接受邀请" in expert.content()
    shot(expert, "draw-sms-link-accepted")

    # Another telephones the bureau; the bureau records the call on the invitation.
    bureau.goto(manage)
    row = bureau.locator("tr", has=bureau.locator(f"input[name=invitation_id][value='{by_phone}']"))
    row.locator("summary:has-text('记录电话答复')").click()
    row.locator("select[name=answer]").select_option("decline")
    called = (local_now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")  # Beijing time, as typed
    row.locator("input[name=called_at]").fill(called)
    row.locator("input[name=note]").fill("本人来电：当天出差，不能参加")
    row.locator("button:has-text('保存电话答复')").click()
    bureau.wait_for_load_state()
    page = bureau.content()
    assert "电话答复" in page and "本人来电：当天出差，不能参加" in page
    shot(bureau, "draw-phone-answer")
    with demo_app.app_context():
        sms, phoned = db.session.get(Invitation, by_sms), db.session.get(Invitation, by_phone)
        assert sms.status == "accepted"
        assert (phoned.status, phoned.phoned_by.username) == ("declined", "bureau")
        assert phoned.decline_reason == phoned.phone_note == "本人来电：当天出差，不能参加"
    bureau.context.close()
    expert.context.close()


def _link_ids(text: str) -> set[int]:
    """The invitation ids the signed links in an SMS carry, read back the way the server reads them."""
    return {read_invitation_token(token)[0] for token in re.findall(r"/invitation/(\S+)", text)}
