"""Production serving: gunicorn with several workers runs wsgi:app against the database."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from tests.conftest import DEMO_PASSWORD, ROOT
from web.security import SERVER_HEADER


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    # The master listens before its workers have imported the app: a connection can be accepted
    # and then wait for a booting worker (seconds on a slow machine), so a read timeout is a retry.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read().decode()
        try:
            urllib.request.urlopen(url, timeout=10)
            return
        except OSError:  # refused, reset or timed out (URLError and TimeoutError are OSErrors)
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer {url} in {seconds} s")


def test_gunicorn_workers_serve_a_signed_in_session(demo_app, database_url):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/login", server)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = browser.open(base + "/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "username": "bureau", "password": DEMO_PASSWORD})
        landed = browser.open(base + "/login", data=body.encode(), timeout=30)
        assert landed.status == 200 and landed.url.startswith(base + "/admin")
        # The Server header names neither gunicorn nor the framework (wsgi.py); static files alike.
        for response in (landed, browser.open(base + "/static/app.css", timeout=30)):
            assert response.headers.get_all("Server") == [SERVER_HEADER], response.headers.get_all("Server")
        # Several requests, so that both workers answer: the session holds in each.
        for _ in range(6):
            page = browser.open(base + "/admin/expert/", timeout=30).read().decode()
            assert "张楚奇（市科技局管理员）" in page and page.count('<td class="col-name">') >= 5
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_served_app_keeps_its_own_objects_out_of_the_collector(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "test-secret"}
    out = subprocess.run([sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) > 10_000


def test_the_development_server_does_not_name_itself(database_url):
    """`python app.py` (make run): Werkzeug's server would say "Werkzeug/3.x Python/3.11"."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "PORT": str(port)}
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        _wait_for(f"http://127.0.0.1:{port}/login", server)
        for path in ("/login", "/static/app.css", "/no-such-page"):
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30)
            except urllib.error.HTTPError as error:  # the 404 page
                response = error
            assert response.headers.get_all("Server") == [SERVER_HEADER], (path, response.headers.get_all("Server"))
    finally:
        server.terminate()
        server.wait(timeout=30)
