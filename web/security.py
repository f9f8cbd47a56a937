"""Security headers on every response: a strict Content-Security-Policy with a per-request nonce.

Scripts run only from our own origin and only when they carry the nonce of the response
that loaded them, so neither an inline <script> nor an inline event handler (onclick=…)
injected into a page can run. Flask-Admin adds the nonce to its own <script> tags through
`csp_nonce_generator` (admin_views/__init__.py); the inline handlers of its templates are
replaced by overrides under templates/admin/ and static/admin_csp.js.
"""
from __future__ import annotations

import secrets

from flask import Flask, g, request
from werkzeug.serving import WSGIRequestHandler

# The policy minus script-src, which carries the nonce of each response.
_POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

# Our and Flask-Admin's scripts, styles and fonts: the same for everyone, so a browser may keep them.
STATIC_ENDPOINTS = frozenset({"static", "admin.static"})


def csp_nonce() -> str:
    """This request's nonce: made on first use, the same for every tag of one response."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce: str) -> str:
    return _POLICY.format(nonce=nonce)


def register_security_headers(app: Flask) -> None:
    @app.context_processor
    def nonce_for_templates():
        return {"csp_nonce": csp_nonce}

    @app.after_request
    def add_security_headers(response):
        response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        for name, value in HEADERS.items():
            response.headers[name] = value
        if request.endpoint not in STATIC_ENDPOINTS:
            # Every page may hold personal data (a record, a roster, a form typed into): no copy is kept
            # by the browser's cache, a shared computer's back button, or a proxy.
            response.headers["Cache-Control"] = "no-store"
        return response


# What the Server header says, instead of the server's name and version ("Werkzeug/3.1 Python/3.11",
# "gunicorn"), which only help someone looking for a known hole. The server writes the header itself
# (one set by the app would come as a second Server header), so each is told: the development
# server by this handler (app.py), gunicorn in wsgi.py.
SERVER_HEADER = "expertlib"


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server, naming neither itself nor Python in the Server header."""

    def version_string(self) -> str:
        return SERVER_HEADER
