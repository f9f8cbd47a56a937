"""Messages say what happened and what comes next (issue 17, item 5), never a bare 操作成功."""
from __future__ import annotations

import re
from html import unescape

from models import db
from tests.conftest import review, staff
from tests.factories import make_expert


def _flashes(page: str) -> str:
    return unescape(" ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)))


def test_a_recommendation_says_who_reviews_next(demo_app):
    with demo_app.app_context():
        expert_id = make_expert("pending_unit", name="下一步专家").id
        db.session.commit()
    unit = staff(demo_app, "unit")
    said = _flashes(unit.post(f"/admin/expert/review/?id={expert_id}", {"decision": "endorse"},
                              follow_redirects=True).get_data(as_text=True))
    assert "下一步专家：已推荐，待归口管理部门（柯桥区科技局）审核" in said


def test_a_bulk_recommendation_names_where_each_now_waits(demo_app):
    with demo_app.app_context():
        ids = [make_expert("pending_unit", name=f"批量专家{n}").id for n in range(2)]
        db.session.commit()
    unit = staff(demo_app, "unit")
    page = unit.post("/admin/expert/action/", {"action": "endorse", "rowid": [str(i) for i in ids]},
                     token_from="/admin/expert/", follow_redirects=True).get_data(as_text=True)
    said = _flashes(page)
    assert "已推荐 2 人：" in said and "批量专家0待归口管理部门（柯桥区科技局）审核" in said


def test_publicity_says_its_period_and_what_follows(demo_app):
    with demo_app.app_context():
        expert_id = make_expert("pending_bureau", name="公示专家").id
        db.session.commit()
    bureau = staff(demo_app, "bureau")
    review(bureau, expert_id, "publicize")
    said = _flashes(bureau.get(f"/admin/expert/review/?id={expert_id}").get_data(as_text=True))
    assert re.search(r"公示专家：已公示，公示中（\d{4}-\d\d-\d\d至\d{4}-\d\d-\d\d），期满无异议即入库", said)


def test_a_saved_record_is_named_never_a_bare_success(demo_app):
    from tests.test_admin_reference import _org_form

    bureau = staff(demo_app, "bureau")
    page = bureau.post("/admin/organization/new/?url=/admin/organization/", _org_form(demo_app),
                       follow_redirects=True).get_data(as_text=True)
    said = _flashes(page)
    assert "已新建工作单位“绍兴测试新材料有限公司”。" in said and "成功" not in said
    with demo_app.app_context():
        from sqlalchemy import select

        from models import Organization
        org_id = db.session.scalar(select(Organization.id).where(Organization.name == "绍兴测试新材料有限公司"))
    page = bureau.post(f"/admin/organization/edit/?id={org_id}", _org_form(demo_app, address="柯桥区新地址2号"),
                       follow_redirects=True).get_data(as_text=True)
    said = _flashes(page)
    assert "已保存工作单位“绍兴测试新材料有限公司”。" in said and "成功" not in said
