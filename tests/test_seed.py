"""Reference and demo seeds: complete, valid and idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Discipline, Expert, ManagingDepartment, Organization, ReferenceItem, User, db
from models.experts import EXPERT_STATUSES
from rules.credit_code import validate_credit_code
from rules.idcard import check_birth_month, parse_resident_id
from seed.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from tests.conftest import Browser
from seed.reference import load_reference


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (ReferenceItem, Discipline, ManagingDepartment, Organization, User, Expert)}


def test_reference_lists_are_complete(clean_app):
    with clean_app.app_context():
        first = db.session.scalars(select(Discipline.code).where(Discipline.parent_id.is_(None))).all()
        assert len(first) == 62
        for parent in ("210", "320", "460", "520", "630"):  # agriculture, medicine, engineering, management
            children = db.session.scalar(select(func.count(Discipline.id)).where(
                Discipline.code.like(parent + "%"), Discipline.parent_id.is_not(None)))
            assert children >= 3, parent
        districts = set(db.session.scalars(select(ReferenceItem.name).where(ReferenceItem.kind == "district")))
        assert districts == {"越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"}
        for kind in ("education", "degree", "unit_type"):
            assert db.session.scalar(select(func.count()).where(ReferenceItem.kind == kind)) >= 4


def test_seeds_are_idempotent(demo_app):
    with demo_app.app_context():
        before = _counts()
        assert load_reference() == {"代码表": 0, "学科": 0, "归口管理部门": 0}
        load_demo()
        db.session.commit()
        assert _counts() == before


def test_demo_has_every_account_and_every_status(demo_app):
    with demo_app.app_context():
        roles = dict(db.session.execute(select(User.username, User.role)).all())
        assert {u: r for u, r in roles.items() if u in DEMO_ACCOUNTS} == {
            u: spec[1] for u, spec in DEMO_ACCOUNTS.items()}
        statuses = set(db.session.scalars(select(Expert.status).distinct()))
        assert statuses == set(EXPERT_STATUSES)
        assert 190 <= db.session.scalar(select(func.count(Expert.id))) <= 210
        # The demo reviewers find work waiting.
        unit = db.session.scalar(select(User).where(User.username == "unit"))
        dept = db.session.scalar(select(User).where(User.username == "dept"))
        assert db.session.scalar(select(func.count(Expert.id)).where(
            Expert.organization_id == unit.organization_id, Expert.status == "pending_unit")) > 0
        assert db.session.scalar(select(func.count(Expert.id)).join(Organization).where(
            Organization.department_id == dept.department_id, Expert.status == "pending_dept")) > 0
        expert = db.session.scalar(select(Expert).join(User).where(User.username == "expert"))
        assert expert is not None


def test_demo_identity_numbers_and_credit_codes_are_valid(demo_app):
    with demo_app.app_context():
        for expert in db.session.scalars(select(Expert)):
            parsed = parse_resident_id(expert.id_number)
            check_birth_month("resident", expert.id_number, expert.birth_month)
            assert parsed.birth_date == expert.birth_date and parsed.sex == expert.sex
        for code in db.session.scalars(select(Organization.credit_code)):
            assert validate_credit_code(code) == code


def test_scale_seed_builds_a_working_library_at_every_status(demo_app):
    """`seed scale`: experts at every status with their timeline and accounts, draws that replay,
    an intact audit chain, and a daily job that runs on it; the app's own pages list them."""
    from models import DrawRecord, ExpertEvent, Invitation

    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["seed", "scale", "--experts", "1200"])
    assert result.exit_code == 0, result.output
    with demo_app.app_context():
        scale = select(Expert).join(Organization).where(Organization.name.like("规模测试单位%"))
        statuses = set(db.session.scalars(scale.with_only_columns(Expert.status)))
        assert set(EXPERT_STATUSES) - {"invited"} <= statuses
        experts = db.session.scalars(scale).all()
        assert len(experts) == 1200
        for e in experts[:200]:
            parsed = parse_resident_id(e.id_number)
            assert parsed.birth_date == e.birth_date
            assert e.user is not None and e.user.role == "expert"
            path = db.session.scalars(select(ExpertEvent.to_status).where(ExpertEvent.expert_id == e.id)
                                      .order_by(ExpertEvent.at)).all()
            assert (path[-1] if path else "draft") == e.status
        assert db.session.scalar(select(func.count(DrawRecord.id))) >= 10
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.status == "accepted")) > 0
    verified = runner.invoke(args=["draws", "verify", "--all"])
    assert verified.exit_code == 0 and "不一致 0 条" in verified.output, verified.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    daily = runner.invoke(args=["lifecycle"])
    assert daily.exit_code == 0, daily.output


def test_the_demo_experts_are_believable(demo_app):
    """Issue 17: sex from the ID number and the given name agree, titles fit the unit, degrees the education."""
    from seed.demo import DEGREE_OF, GIVEN_BY_SEX, TITLES_BY_UNIT

    with demo_app.app_context():
        experts = db.session.scalars(select(Expert)).all()
        for e in experts:
            assert parse_resident_id(e.id_number).sex == e.sex, e.name
            given = e.name[1:]
            assert given not in GIVEN_BY_SEX["F" if e.sex == "M" else "M"], (e.name, e.sex)
            if e.organization and e.organization.unit_type.code in TITLES_BY_UNIT and e.title_name:
                fits = TITLES_BY_UNIT[e.organization.unit_type.code].get(e.title_level, [])
                assert not fits or e.title_name in fits, (e.name, e.organization.name, e.title_name)
            if e.education and e.degree:
                assert DEGREE_OF[e.education.code] == e.degree.code, (e.name, e.education.name, e.degree.name)
        hospital = [e.title_name for e in experts if e.organization and e.organization.unit_type.code != "hospital"]
        assert not any("医师" in t for t in hospital)


def test_demo_experts_sign_in_with_their_own_accounts_and_some_have_no_e_mail(demo_app):
    """Issue 17: each demo expert has an account; about one in nine has no e-mail, so invitations and
    warnings to them take the SMS or telephone path."""
    with demo_app.app_context():
        experts = db.session.scalars(select(Expert)).all()
        assert all(e.user_id for e in experts)
        assert len({e.user_id for e in experts}) == len(experts)
        without = [e for e in experts if not e.email]
        assert len(experts) // 12 <= len(without) <= len(experts) // 6
        assert all(e.mobile and not e.user.email for e in without)
    browser = Browser(demo_app.test_client())
    assert browser.login("expert0002", DEMO_PASSWORD).status_code == 302
    assert "我的" in browser.get("/me/").get_data(as_text=True)
