"""Every endpoint × every role (and anonymous) → the expected status, built from app.url_map.

An endpoint that is not listed in ALLOWED below is expected to be denied to everyone, so
a view added later fails this test until someone decides who may use it.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import (AuditEntry, ChangeRequest, Discipline, DrawRecord, DrawRequest, ExitRequest, Expert, Objection,
                    ManagingDepartment, Organization, OutboxMessage, ReferenceItem, User, db)
from tests.access import ALLOWED, PUBLIC, ROLES
from tests.conftest import Browser

# Which row an id-taking view is asked about, per role: one the role may reach.
EXPERT_FOR_ROLE = {
    "unit": lambda user: select(Expert.id).where(
        Expert.organization_id == user.organization_id, Expert.status == "pending_unit"),
    "dept": lambda user: select(Expert.id).join(Organization).where(
        Organization.department_id == user.department_id, Expert.status == "pending_dept"),
}
MODEL_OF = {"exitrequest": ExitRequest, "objection": Objection, "outbox": OutboxMessage, "expert": Expert, "change": ChangeRequest, "drawrecord": DrawRecord, "drawrequest": DrawRequest, "organization": Organization, "department": ManagingDepartment,
            "discipline": Discipline, "reference": ReferenceItem, "user": User, "audit": AuditEntry}


def _url_for(rule, role: str | None, user) -> tuple[str, str]:
    """A concrete URL and method for a rule."""
    endpoint = rule.endpoint
    view = endpoint.split(".")[0]
    if endpoint in ("static", "admin.static"):
        filename = "app.css" if endpoint == "static" else "admin/css/bootstrap4/admin.css"
        return f"{rule.rule.split('<')[0]}{filename}", "GET"
    url = rule.rule.replace("<export_type>", "csv")
    method = "GET" if "GET" in rule.methods else "POST"
    if endpoint == "files.download":
        return url.replace("<int:file_id>", "1"), "GET"
    if endpoint == "public.answer_invitation":
        return url.replace("<token>", "forged.token.value"), "GET"
    if endpoint == "portal.respond":
        return url.replace("<int:invitation_id>", "999999"), "POST"
    if endpoint == "portal.remove_leave_period":
        return url.replace("<leave_id>", "999999"), "POST"
    if endpoint == "portal.remove_standing_avoidance":
        return url.replace("<avoidance_id>", "999999"), "POST"
    if endpoint in REQUEST_STEPS:
        return url + "?id=999999", "POST"
    if endpoint in REFUSED_EMPTY:
        return url, "POST"
    if endpoint == "drawrequest.units_view":
        return url + "?q=绍兴", "GET"
    if endpoint == "drawrequest.export_view":
        released = db.session.scalar(select(DrawRequest.id).where(DrawRequest.status == "released"))
        return url.replace("<kind>", "record") + f"?id={released}", "GET"
    if endpoint == "drawrecord.record_view":
        return url + f"?id={db.session.scalar(select(DrawRecord.id).limit(1))}", "GET"
    if endpoint in ("drawrequest.edit_view", "drawrequest.manage_view"):
        wanted = "draft" if endpoint.endswith("edit_view") else "released"
        return url + f"?id={db.session.scalar(select(DrawRequest.id).where(DrawRequest.status == wanted))}", "GET"
    if "<kind>" in url:
        url = url.replace("<kind>", "title_certificate")
    if endpoint == "expert.change_view":  # a record in the library, within the role's scope
        query = select(Expert.id).join(Organization).where(Expert.status == "admitted")
        if role == "unit":
            query = query.where(Expert.organization_id == user.organization_id)
        elif role == "dept":
            query = query.where(Organization.department_id == user.department_id)
        expert_id = db.session.scalar(query.order_by(Expert.id).limit(1))
        assert expert_id, f"the demo has no admitted expert for {role}"
        return url + f"?id={expert_id}", "GET"
    if endpoint.endswith((".edit_view", ".details_view", ".review_view", ".form_xlsx_view", ".exit_view",
                          ".reveal_view", ".decide_view")):
        model = MODEL_OF[view]
        query = select(model.id)
        if view == "expert" and role in EXPERT_FOR_ROLE:
            query = EXPERT_FOR_ROLE[role](user)
        elif view == "expert":
            query = select(Expert.id).where(Expert.status == "pending_bureau")
        url += f"?id={db.session.scalar(query.limit(1)) or 1}"
        if endpoint == "expert.reveal_view":
            url += "&field=mobile"
    return url, method


# Open to the role, then limited to rows: no file belongs to the demo experts, so every role gets 404.
ROW_SCOPED = {"files.download": "not found"}
# An expert answering an invitation that is not theirs.
ROLE_ROW_SCOPED = {("portal.respond", "expert"): "not found",
                   ("imports.report_view", "bureau"): "not found"}  # no dry run kept under the digest
# Posted with nothing ticked or filled in: the role passes the gate and the form is refused with its message.
REFUSED_EMPTY = {"exitflags.exit_view", "exitflags.keep_view", "imports.upload_view", "imports.commit_view",
                 "portal.leave", "portal.exit_request", "portal.add_standing_avoidance"}
# The steps of a request's page, posted for a request that does not exist: a role they are open to
# passes the gate and meets 404 (nothing changes); any other role is refused first.
REQUEST_STEPS = {e for e in ALLOWED if e.startswith("drawrequest.") and e.endswith("_view")
                 and e.split(".")[1] not in ("index_view", "create_view", "edit_view", "manage_view", "export_view",
                                             "units_view")}


# A signed-link page: open to anyone, refusing a link that is not signed by us.
SIGNED_LINK = {"public.answer_invitation"}


def _expected(endpoint: str, role: str | None) -> str:
    if endpoint in SIGNED_LINK:
        return "status 400"
    if endpoint in PUBLIC:
        return "ok"
    if role is None:
        return "login"
    if endpoint in ROW_SCOPED:
        return ROW_SCOPED[endpoint]
    if (endpoint, role) in ROLE_ROW_SCOPED:
        return ROLE_ROW_SCOPED[(endpoint, role)]
    if endpoint in REQUEST_STEPS and role in ALLOWED[endpoint]:
        return "not found"
    if endpoint in REFUSED_EMPTY and role in ALLOWED[endpoint]:
        return "status 400"
    return "ok" if role in ALLOWED.get(endpoint, set()) else "forbidden"


def _outcome(response) -> str:
    if response.status_code == 403:
        return "forbidden"
    if response.status_code in (301, 302) and "/login" in response.headers.get("Location", "") \
            and "logout" not in response.request.path:
        return "login"
    if response.status_code < 400:
        return "ok"
    if response.status_code == 404:
        return "not found"
    return f"status {response.status_code}"


@pytest.mark.parametrize("role", ROLES + [None])
def test_every_endpoint_for_every_role(demo_app, role):
    client = Browser(demo_app.test_client())
    if role:
        assert client.login(role).status_code == 302
    token = client.csrf or client.token("/login")
    mismatches = []
    with demo_app.app_context():
        user = db.session.scalar(select(User).where(User.username == role)) if role else None
        rules = sorted(demo_app.url_map.iter_rules(), key=lambda r: r.endpoint)
        for rule in rules:
            if rule.endpoint == "auth.logout":
                continue  # would end the session mid-test; checked in test_auth
            url, method = _url_for(rule, role, user)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.client.post(url, data={"csrf_token": token})
            expected, got = _expected(rule.endpoint, role), _outcome(response)
            if expected != got:
                mismatches.append(f"{method} {url}: expected {expected}, got {got}")
    assert not mismatches, "\n".join(mismatches)


def test_every_endpoint_is_known_to_the_matrix(demo_app):
    """Every ALLOWED entry still exists, so the table cannot silently rot."""
    endpoints = {r.endpoint for r in demo_app.url_map.iter_rules()}
    assert set(ALLOWED) - endpoints == set()


def test_a_page_no_view_names_is_open_to_nobody(demo_app):
    """Deny by default: a page a view exposes without naming its roles is refused to every role."""
    from flask_login import login_user

    from admin_views.base import RoleGate, RoleView

    views = [v for v in demo_app.extensions["admin"][0]._views if isinstance(v, RoleGate)]
    assert len(views) > 10
    with demo_app.app_context():
        for role in ROLES:
            account = db.session.scalar(select(User).where(User.username == role))
            with demo_app.test_request_context():
                login_user(account)
                for view in views:
                    assert view.is_accessible() == (role in view.roles), (view.endpoint, role)
                    assert not view.may_open("a_page_added_later"), (view.endpoint, role)
                    if isinstance(view, RoleView):
                        assert not view.may_open("ajax_update"), (view.endpoint, role)  # inline editing
