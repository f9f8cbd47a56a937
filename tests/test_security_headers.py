"""Security headers on every kind of response, a fresh CSP nonce each time, and no inline script."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from models import DrawRequest, Expert, db
from tests.conftest import Browser

ROOT = Path(__file__).resolve().parent.parent
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_\-]{20,})';")
EXPECTED_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# An inline handler attribute (onclick=, onload=, …) or a javascript: URL in markup.
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _check(response, seen: set[str]) -> str:
    """Assert the headers of one response; return its nonce (which no earlier response had)."""
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    match = NONCE.search(policy)
    assert match, (response.request.path, policy)
    nonce = match.group(1)
    assert policy == EXPECTED_POLICY.format(nonce=nonce)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    # Pages (personal data, forms) are never cached; the static assets may be.
    if response.request.path.startswith(("/static/", "/admin/static/")):
        assert "no-store" not in headers.get("Cache-Control", ""), response.request.path
    else:
        assert headers["Cache-Control"] == "no-store", response.request.path
    assert nonce not in seen, f"nonce reused on {response.request.path}"
    seen.add(nonce)
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        # Every <script> tag carries this response's nonce, and none is inline.
        for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, re.DOTALL):
            assert f'nonce="{nonce}"' in tag, (response.request.path, tag)
            assert "src=" in tag and not body.strip(), (response.request.path, tag)
        assert not INLINE_HANDLER.search(html), (response.request.path, INLINE_HANDLER.search(html).group(0))
        # Flask-Admin's own templates still write href="javascript:void(0)" (menus, pagination);
        # static/admin_csp.js keeps a click on one from running it (tests/browser/test_csp.py).
    return nonce


def test_anonymous_pages_and_files_carry_the_headers(demo_app):
    client = Browser(demo_app.test_client())
    seen: set[str] = set()
    responses = {
        "/login": 200,
        "/register": 200,
        "/publicity": 200,
        "/": 302,  # a redirect
        "/admin/": 302,  # to the login page
        "/no-such-page": 404,  # an error page
        "/static/app.css": 200,  # our static files
        "/static/admin_csp.js": 200,
        "/admin/static/admin/js/form.js": 200,  # Flask-Admin's
    }
    for url, status in responses.items():
        response = client.get(url)
        assert response.status_code == status, url
        _check(response, seen)
    # A refused form post (no CSRF token) is answered with the headers as well.
    refused = client.client.post("/login", data={"username": "x", "password": "y"})
    assert refused.status_code == 400
    _check(refused, seen)
    # The same page twice: a new nonce each time.
    first, second = client.get("/login"), client.get("/login")
    assert _check(first, seen) != _check(second, seen)


@pytest.mark.parametrize("username, urls", [
    ("bureau", ["/admin/", "/admin/expert/", "/admin/expert/new/", "/admin/expert/details/?id={expert}",
                "/admin/expert/review/?id={expert}", "/admin/user/", "/admin/user/new/",
                "/admin/organization/new/", "/admin/dashboard/", "/admin/drawrequest/",
                "/admin/drawrequest/manage/?id={draw}", "/admin/expert/invite/", "/password",
                "/admin/audit/", "/admin/expert/?flt0_0=x", "/admin/expert/roster.xlsx"]),
    ("usage", ["/admin/drawrequest/", "/admin/drawrequest/new/", "/admin/expert/"]),  # the last: 403
    ("supervisor", ["/admin/audit/", "/admin/audit/verify/"]),
    ("expert", ["/me/", "/me/profile", "/password", "/me/form.xlsx"]),  # the last: the expert's own record
])
def test_signed_in_pages_carry_the_headers_and_a_nonce_on_every_script(demo_app, username, urls):
    client = Browser(demo_app.test_client())
    seen: set[str] = set()
    assert client.login(username).status_code == 302
    with demo_app.app_context():
        expert = db.session.scalar(select(Expert.id).where(Expert.status == "pending_bureau"))
        draw = db.session.scalar(select(DrawRequest.id).limit(1)) or 1
    scripts = 0
    for url in urls:
        response = client.get(url.format(expert=expert, draw=draw))
        assert response.status_code in (200, 403), (url, response.status_code)
        nonce = _check(response, seen)
        if response.status_code == 200 and url.startswith("/admin/") and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            # Flask-Admin's scripts and ours are there, each with the nonce.
            assert f'<script nonce="{nonce}" src="/static/admin_csp.js' in html, url
            scripts += html.count(f'nonce="{nonce}"')
    assert len(seen) == len(urls)
    if username != "expert":
        assert scripts > len(urls) - 1


def test_no_template_has_inline_script_or_handlers():
    """Our own templates (including the Flask-Admin overrides) carry no inline JavaScript."""
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag or not ("nonce=" in tag or "admin_csp_nonce_attribute" in tag):
                problems.append(f"{path.relative_to(ROOT)}: {tag}")
        for pattern in (INLINE_HANDLER, JAVASCRIPT_URL):
            for match in pattern.finditer(text):
                problems.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not problems, "\n".join(problems)


def test_flask_admin_overrides_are_the_ones_rendered(demo_app):
    """The app's templates/admin/... win over Flask-Admin's own (otherwise onclick= would be back)."""
    loader = demo_app.jinja_env.loader
    for name in ("admin/actions.html", "admin/model/inline_list_base.html",
                 "admin/model/layout.html", "admin/model/row_actions.html"):
        source, filename, _ = loader.get_source(demo_app.jinja_env, name)
        assert Path(filename).is_relative_to(ROOT / "templates"), filename
        assert "onclick" not in source
