"""Load test: simulated users of the expert library against a real gunicorn, for a bounded time.

Run it from the repository root, against a throwaway database that has been migrated and seeded
(`seed demo` and `seed scale`: the scale experts' accounts `scale<id>` share the demo password).
The test writes to that database: profiles, reviews, draw requests and draws.

    export DATABASE_URL=postgresql://expertlib:expertlib@127.0.0.1/expertlib_load
    .venv/bin/flask --app app db upgrade
    .venv/bin/flask --app app seed demo
    .venv/bin/flask --app app seed scale --experts 2000
    .venv/bin/python bench/loadtest.py --users 50 --seconds 120 [--workers 4] [--json out.json]

It starts `.venv/bin/gunicorn -w WORKERS -b 127.0.0.1:PORT wsgi:app` itself (DATABASE_URL passed
through, its log in --server-log), waits until /login answers, and stops it at the end. With
`--url http://host:8000` it uses a server already running instead (DATABASE_URL must name the same
database: the accounts and records to act on are looked up there before the run).

The users, each a thread with its own cookies, logged in through the real login form, waiting
0.5-2 s between page loads:
  ~60% staff browsing (bureau, leader): the expert list, deep pages, search, filters, an expert's
       details, the draw requests, the statistics page;
  ~25% experts (draft or returned scale accounts, one each) editing their own profile at /me/profile:
       a unique research-keywords value per save, read back afterwards (a mismatch is a lost write);
  ~10% reviewers (bureau, dept, the units with most waiting): open a pending expert's review page and decide; a decision
       refused because someone else moved the record first is a correct outcome, not an error;
   ~5% draws: usage files and submits a draw request, bureau approves, draws and releases it.
Errors are 5xx answers, connection failures and any status a step did not expect.

Prints a summary (requests, requests/s, errors with samples, lost writes, p50/p95/p99 overall and
per kind) and writes it as JSON with --json FILE, errors or not (bench/run.py reads it). With
--fail-on-error the exit status is 1 when there were errors or lost writes.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPException
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo@2026"
THINK = (0.5, 2.0)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡"


# ---------------------------------------------------------------- figures


class Stats:
    """Latencies by kind, errors with their first samples, lost writes, and counted outcomes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors = 0
        self.error_samples: list[str] = []
        self.lost_writes = 0
        self.lost_samples: list[str] = []
        self.outcomes: Counter = Counter()

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(message)

    def lost(self, message: str) -> None:
        with self.lock:
            self.lost_writes += 1
            if len(self.lost_samples) < 10:
                self.lost_samples.append(message)

    def count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list, in the list's unit."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


# ---------------------------------------------------------------- HTTP


class RequestFailed(Exception):
    """A request that counted as an error: the step it belonged to stops there."""


class TimeUp(Exception):
    """The run's time is over: the step in progress stops at its next pause."""


class Response:
    def __init__(self, status: int, headers, text: str):
        self.status, self.headers, self.text = status, headers, text

    @property
    def location(self) -> str:
        return self.headers.get("Location", "") or ""


class Client:
    """One browser: its own cookies, one connection per request (gunicorn's sync workers close them)."""

    def __init__(self, base_url: str, stats: Stats, name: str, timeout: float = 60.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.stats, self.name, self.timeout = stats, name, timeout
        self.cookies: dict[str, str] = {}

    def _store_cookies(self, headers) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            try:
                jar.load(line)
            except Exception:  # noqa: BLE001 - a cookie we cannot parse is one a browser would drop too
                continue
            for key, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value

    def request(self, kind: str, method: str, path: str, data=None, expect=(200,)) -> Response:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "expertlib-loadtest",
                   "Accept-Language": "zh-CN", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            conn = HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                conn.request(method, self.prefix + path, body=body, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
            finally:
                conn.close()
        except (OSError, HTTPException) as e:
            self.stats.record(kind, time.perf_counter() - started)
            self.stats.error(f"{kind} {method} {path} [{self.name}]: {type(e).__name__}: {e}")
            raise RequestFailed from None
        self.stats.record(kind, time.perf_counter() - started)
        self._store_cookies(resp.msg)
        response = Response(resp.status, resp.msg, raw.decode("utf-8", "replace"))
        if resp.status not in expect:
            detail = (_snippet(response.text, 0) if resp.status >= 500 else
                      response.location or _flashes(response.text) or _snippet(response.text))
            self.stats.error(f"{kind} {method} {path} [{self.name}]: HTTP {resp.status} "
                             f"(expected {'/'.join(map(str, expect))}) {detail}")
            raise RequestFailed
        return response

    def get(self, kind: str, path: str, expect=(200,)) -> Response:
        return self.request(kind, "GET", path, expect=expect)

    def post(self, kind: str, path: str, data, expect=(302,)) -> Response:
        return self.request(kind, "POST", path, data=data, expect=expect)


def _snippet(text: str, size: int = 160) -> str:
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return ((title.group(1).strip() + " | ") if title else "") + plain[:size]


def _flashes(text: str) -> str:
    """The flashed messages and field errors on a page, as one line."""
    found = re.findall(r'class="(?:alert[^"]*|invalid-feedback[^"]*)"[^>]*>(.*?)</div>', text, re.S)
    return " / ".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.unescape(f))).strip().strip("×").strip()
                      for f in found)[:300]


def csrf_token(text: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', text) or \
        re.search(r'value="([^"]+)"[^>]*?name="csrf_token"', text)
    if not match:
        raise ValueError("no csrf_token on the page")
    return html.unescape(match.group(1))


class FormFields(HTMLParser):
    """The name/value pairs a browser would post from the first <form method="post"> of a page that posts back
    to the page itself (no action): the 退出 button in the menu is a form of its own, to /logout."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.in_form = self.done = False
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post" and not a.get("action") and not self.in_form:
            self.in_form = True
            return
        if not self.in_form:
            return
        disabled = "disabled" in a
        if tag == "input" and a.get("name") and not disabled:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value") or "on"))
                return
            self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self.select = {"name": a["name"], "multiple": "multiple" in a, "disabled": disabled,
                           "chosen": [], "first": None}
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and a.get("name"):
            self.textarea = {"name": a["name"], "text": "", "disabled": disabled}

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def _close_option(self):
        if self.option is not None and self.select is not None:
            value = self.option["value"] if self.option["value"] is not None else self.option["text"].strip()
            if self.select["first"] is None:
                self.select["first"] = value
            if self.option["selected"]:
                self.select["chosen"].append(value)
        self.option = None

    def handle_endtag(self, tag):
        if not self.in_form or self.done:
            return
        if tag == "option":
            self._close_option()
        elif tag == "select" and self.select is not None:
            self._close_option()
            s = self.select
            if not s["disabled"]:
                values = s["chosen"] if s["multiple"] else (s["chosen"][-1:] or ([s["first"]] if s["first"] is not None else []))
                self.pairs.extend((s["name"], v) for v in values)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            if not self.textarea["disabled"]:
                self.pairs.append((self.textarea["name"], self.textarea["text"].removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.in_form, self.done = False, True


def form_fields(text: str) -> list[tuple[str, str]]:
    parser = FormFields()
    parser.feed(text)
    parser.close()
    return parser.pairs


def field_value(text: str, name: str) -> str | None:
    for key, value in form_fields(text):
        if key == name:
            return value
    return None


def replace_field(pairs: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k != name] + [(name, value)]


def local_path(location: str) -> str:
    """A redirect's target as a path on this server (Werkzeug sends relative ones; accept both)."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query_id(location: str) -> int | None:
    values = parse_qs(urlsplit(location).query).get("id")
    return int(values[0]) if values and values[0].isdigit() else None


# ---------------------------------------------------------------- simulated users


class Plan:
    """What the run acts on, looked up in the database before it starts."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class SimUser(threading.Thread):
    """One person: logs in, then acts until the deadline, thinking between page loads."""

    role = "user"

    def __init__(self, index: int, base_url: str, plan: Plan, stats: Stats, deadline: float, seed: int):
        super().__init__(name=f"{self.role}-{index}", daemon=True)
        self.index, self.base_url, self.plan, self.stats, self.deadline = index, base_url, plan, stats, deadline
        self.rng = random.Random(seed)
        self.client: Client | None = None

    def think(self, finish: bool = False) -> None:
        """Wait like a person reading the page; past the deadline a step stops here (unless `finish`)."""
        if time.monotonic() >= self.deadline and not finish:
            raise TimeUp
        time.sleep(self.rng.uniform(*THINK))

    def login(self, username: str) -> Client:
        client = Client(self.base_url, self.stats, f"{self.name}/{username}")
        page = client.get("login_form", "/login")
        resp = client.post("login", "/login", {"username": username, "password": PASSWORD,
                                                "csrf_token": csrf_token(page.text)})
        if "/login" in resp.location:
            self.stats.error(f"login [{client.name}]: sent back to {resp.location}")
            raise RequestFailed
        return client

    def setup(self) -> None:
        raise NotImplementedError

    def step(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        time.sleep(self.rng.uniform(0, THINK[1]))  # people do not all arrive in the same millisecond
        try:
            while True:
                try:
                    self.setup()
                    break
                except (RequestFailed, ValueError) as e:
                    if isinstance(e, ValueError):
                        self.stats.error(f"setup [{self.name}]: {e}")
                    self.think()
            while True:
                self.think()
                try:
                    self.step()
                except RequestFailed:
                    pass
                except ValueError as e:  # a page without what a step reads from it
                    self.stats.error(f"{self.name}: {e}")
        except TimeUp:
            return


class StaffBrowser(SimUser):
    """The bureau or a leader looking through the library."""

    role = "staff"

    def __init__(self, *args, username: str, **kw):
        super().__init__(*args, **kw)
        self.username = username

    def setup(self) -> None:
        self.client = self.login(self.username)

    def step(self) -> None:
        p = self.plan
        choices = [("expert_list", 20), ("expert_deep_page", 15), ("expert_search", 15), ("expert_filter", 15),
                   ("dashboard", 10)]
        if self.username == "bureau":  # the leader sees lists and figures, not records or requests
            choices += [("expert_details", 15), ("drawrequest_list", 10)]
        kind = self.rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
        if kind == "expert_list":
            path = "/admin/expert/"
        elif kind == "expert_deep_page":
            path = f"/admin/expert/?page={self.rng.randint(max(0, p.last_page - 20), p.last_page)}" \
                if self.rng.random() < 0.5 else f"/admin/expert/?page={self.rng.randint(0, p.last_page)}"
        elif kind == "expert_search":
            path = "/admin/expert/?" + urlencode({"search": self.rng.choice(SURNAMES)})
        elif kind == "expert_filter":
            path = "/admin/expert/?" + urlencode({p.status_filter: "admitted",
                                                  p.code_filter: self.rng.choice(p.filter_codes)})
        elif kind == "expert_details":
            path = f"/admin/expert/details/?id={self.rng.choice(p.expert_ids)}"
        elif kind == "drawrequest_list":
            path = "/admin/drawrequest/"
        else:
            path = "/admin/dashboard/"
        self.client.get(kind, path)


class ExpertEditor(SimUser):
    """An expert filling in their own 专家信息表 at /me/profile, checking each save took."""

    role = "expert"

    def __init__(self, *args, username: str, **kw):
        super().__init__(*args, **kw)
        self.username = username
        self.writes = 0

    def setup(self) -> None:
        self.client = self.login(self.username)

    def step(self) -> None:
        c = self.client
        if self.rng.random() < 0.25:
            c.get("portal_index", "/me/")
            return
        form = c.get("portal_profile", "/me/profile")
        pairs = form_fields(form.text)
        if not any(k == "research_keywords" for k, _ in pairs):
            raise ValueError(f"{self.username}: no research_keywords field on /me/profile")
        self.writes += 1
        value = f"负载测试；{self.username}；第{self.writes}次；{time.time_ns()}"
        self.think()  # typing
        saved = c.post("portal_save", "/me/profile", replace_field(pairs, "research_keywords", value),
                       expect=(302, 200))
        if saved.status == 200:  # the form came back: refused, with its messages
            self.stats.error(f"portal_save [{c.name}]: form refused: {_flashes(saved.text)}")
            return
        c.get("portal_index", "/me/")
        self.think(finish=True)  # a save is always read back, even past the deadline
        again = c.get("portal_verify", "/me/profile")
        stored = field_value(again.text, "research_keywords")
        if stored != value:
            self.stats.lost(f"{self.username}: saved {value!r}, read back {stored!r}")
        else:
            self.stats.count("profile_writes_verified")


class Reviewer(SimUser):
    """A reviewer deciding on pending applications in their scope; others may beat them to one."""

    role = "review"

    def __init__(self, *args, usernames: list[str], status: str, **kw):
        super().__init__(*args, **kw)
        self.usernames, self.status = usernames, status
        self.clients: list[Client] = []

    def setup(self) -> None:
        # Unit reviewers see only their unit's few applications: one person here covers several units.
        while len(self.clients) < len(self.usernames):
            self.clients.append(self.login(self.usernames[len(self.clients)]))

    def step(self) -> None:
        c, p = self.rng.choice(self.clients), self.plan
        listing = c.get("review_list", "/admin/expert/?" + urlencode({p.status_filter: self.status}))
        ids = sorted({int(i) for i in re.findall(r"/admin/expert/review/\?id=(\d+)", listing.text)})
        if not ids:
            self.stats.count(f"review_nothing_pending_{self.status}")
            return
        expert_id = self.rng.choice(ids)
        self.think()
        page = c.get("review_page", f"/admin/expert/review/?id={expert_id}")
        decisions = re.findall(r'name="decision"[^>]*value="([a-z_]+)"', page.text)
        if not decisions:
            self.stats.count("review_already_moved")
            return
        preferred = [d for d in decisions if d in ("endorse", "publicize", "confirm")]
        if preferred and self.rng.random() < 0.8:
            decision = self.rng.choice(preferred)
        else:
            decision = self.rng.choice(decisions)
        self.think()
        resp = c.post("review_decide", f"/admin/expert/review/?id={expert_id}",
                      {"csrf_token": csrf_token(page.text), "decision": decision,
                       "reason": "负载测试：请补充材料", "override": "负载测试：经审核同意"},
                      expect=(302, 200))
        if resp.status == 302:
            self.stats.count(f"review_{decision}")
            c.get("review_page", local_path(resp.location))
        else:
            self.stats.count("review_refused_already_moved" if "已被处理" in resp.text or "请选择一项" in resp.text
                             else "review_refused_other")


class DrawClerk(SimUser):
    """The usage unit files a draw request; the bureau approves, draws and releases it."""

    role = "draw"

    usage = bureau = None

    def setup(self) -> None:
        self.usage = self.usage or self.login(self.plan.usage_account)
        self.bureau = self.bureau or self.login("bureau")

    def _manage(self, client: Client, kind: str, req_id: int, step: str, **extra) -> Response:
        """Open the request's page, then post one of its steps (each step has its own address)."""
        page = client.get("draw_manage", f"/admin/drawrequest/manage/?id={req_id}")
        self.think()
        return client.post(kind, f"/admin/drawrequest/{step}/?id={req_id}",
                           {"csrf_token": csrf_token(page.text), **extra}, expect=(302, 400))

    def step(self) -> None:
        p, u, b = self.plan, self.usage, self.bureau
        form = u.get("draw_new_form", "/admin/drawrequest/new/")
        start = (datetime.now() + timedelta(days=self.rng.randint(7, 60))).replace(minute=0, second=0)
        values = dict(form_fields(form.text))
        values.update({
            "title": f"负载测试评审会 {self.name} {time.time_ns()}", "start_at": start.strftime("%Y-%m-%dT%H:%M"),
            "end_at": (start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"), "place": "绍兴市科技局302会议室",
            "need": "3", "backups": "2", "response_hours": "48", "discipline_codes": p.draw_code,
            "region": "any", "age_min": "", "age_max": "", "_continue_editing": "1",
        })
        values = {k: v for k, v in values.items() if "-_-" not in k and not k.startswith(("members-", "avoidances-",
                                                                                           "special_experts-"))}
        self.think()
        created = u.post("draw_create", "/admin/drawrequest/new/", values, expect=(302, 200))
        if created.status == 200:
            self.stats.error(f"draw_create [{u.name}]: form refused: {_flashes(created.text)}")
            return
        req_id = query_id(created.location)
        if req_id is None:
            self.stats.error(f"draw_create [{u.name}]: no id in the redirect to {created.location}")
            return
        self.think()
        for client, kind, action, extra in ((u, "draw_submit", "submit", {}),
                                            (b, "draw_approve", "decide", {"decision": "approve"}),
                                            (b, "draw_run", "draw", {}), (b, "draw_release", "release", {})):
            resp = self._manage(client, kind, req_id, action, **extra)
            if resp.status == 400:
                message = _flashes(resp.text)
                if action == "draw":  # e.g. too few eligible experts left: a refusal the bureau reads
                    self.stats.count("draw_refused")
                    self.stats.count(f"draw_refused: {message[:80]}")
                else:
                    self.stats.error(f"{kind} request {req_id} [{client.name}]: HTTP 400 {message}")
                return
            self.stats.count(f"draw_{'approve' if action == 'decide' else action}_done")
            self.think()
        u.get("draw_manage", f"/admin/drawrequest/manage/?id={req_id}")


# ---------------------------------------------------------------- the plan, the server, the run


def make_plan() -> Plan:
    """Accounts and records to act on, read from DATABASE_URL through the app's own models."""
    sys.path.insert(0, str(ROOT))
    import logging

    logging.disable(logging.WARNING)
    from sqlalchemy import func, select

    from app import create_app
    from common import expert_filter_keys
    from models import Discipline, Expert, User, db

    app = create_app()
    with app.app_context():
        database = db.engine.dialect.name
        url = db.engine.url.render_as_string(hide_password=True)
        editable = db.session.scalars(
            select(User.username).join(Expert, Expert.user_id == User.id)
            .where(Expert.status.in_(["draft", "returned"]), User.active.is_(True), User.username.like("scale%"),
                   User.must_change_password.is_(False)).order_by(Expert.id)).all()
        expert_ids = db.session.scalars(select(Expert.id)).all()
        total = len(expert_ids)
        # The unit accounts with the most applications waiting for them.
        units = db.session.execute(
            select(User.username, func.count(Expert.id)).join(Expert, Expert.organization_id == User.organization_id)
            .where(User.role == "unit", User.active.is_(True), Expert.status == "pending_unit")
            .group_by(User.username).order_by(func.count(Expert.id).desc(), User.username).limit(5)).all()
        usage = db.session.scalar(select(User.username).where(User.username == "usage"))
        # Filter and draw on disciplines that have admitted experts: the three first-level codes with most.
        codes = Counter(code[:3] for code in db.session.scalars(
            select(Discipline.code).join(Expert, Expert.primary_discipline_id == Discipline.id)
            .where(Expert.status == "admitted")))
        view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "expert")
        status_filter, code_filter = expert_filter_keys(app)
        page_size = view.page_size
    top = [c for c, _ in codes.most_common(3)] or ["520"]
    return Plan(database=database, database_url=url, editable=editable, expert_ids=expert_ids,
                last_page=max(0, (total - 1) // page_size), unit_reviewers=[u for u, _n in units],
                usage_account=usage or "usage", status_filter=status_filter,
                code_filter=code_filter, filter_codes=top, draw_code=top[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base_url: str, timeout: float, server: subprocess.Popen | None = None) -> None:
    parts = urlsplit(base_url)
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if server is not None and server.poll() is not None:  # e.g. it could not import the app
            raise SystemExit(f"gunicorn stopped (exit {server.returncode}); see its log: {server.log.name}")
        try:
            conn = HTTPConnection(parts.hostname, parts.port or 80, timeout=5)
            conn.request("GET", parts.path.rstrip("/") + "/login")
            if conn.getresponse().status == 200:
                return
        except (OSError, HTTPException):
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server at {base_url} did not answer /login within {timeout:.0f} s")


def start_gunicorn(workers: int, port: int, log_path: str) -> subprocess.Popen:
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--error-logfile", "-", "--log-level", "warning",
               "--no-control-socket", "wsgi:app"]  # no control socket: another gunicorn may own the default one
    log = open(log_path, "w")  # noqa: SIM115 - closed by stop_gunicorn
    proc = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the arbiter stops its workers gracefully
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.close()  # type: ignore[attr-defined]


def mix(users: int) -> tuple[int, int, int, int]:
    """(staff, experts, reviewers, draws) for `users`: about 60/25/10/5 %, at least one of each from 4 users."""
    draws = max(1, round(users * 0.05)) if users >= 4 else 0
    reviewers = max(1, round(users * 0.10)) if users >= 3 else 0
    experts = max(1, round(users * 0.25)) if users >= 2 else 0
    return users - experts - reviewers - draws, experts, reviewers, draws


def build_users(users: int, base_url: str, plan: Plan, stats: Stats, deadline: float, seed: int) -> list[SimUser]:
    staff, experts, reviewers, draws = mix(users)
    if experts > len(plan.editable):
        raise SystemExit(f"{experts} expert users need as many draft or returned scale accounts; the database has "
                         f"{len(plan.editable)} (seed scale with more experts)")
    rng = random.Random(seed)
    editable = rng.sample(plan.editable, experts)
    review_accounts = [(["bureau"], "pending_bureau"), (["dept"], "pending_dept")]
    if plan.unit_reviewers:
        review_accounts.insert(1, (plan.unit_reviewers, "pending_unit"))
    out: list[SimUser] = []
    n = 0
    for i in range(staff):
        out.append(StaffBrowser(n, base_url, plan, stats, deadline, seed + n,
                                username="leader" if i % 3 == 2 else "bureau"))
        n += 1
    for username in editable:
        out.append(ExpertEditor(n, base_url, plan, stats, deadline, seed + n, username=username))
        n += 1
    for i in range(reviewers):
        usernames, status = review_accounts[i % len(review_accounts)]
        out.append(Reviewer(n, base_url, plan, stats, deadline, seed + n, usernames=usernames, status=status))
        n += 1
    for _ in range(draws):
        out.append(DrawClerk(n, base_url, plan, stats, deadline, seed + n))
        n += 1
    return out


def summarize(stats: Stats, elapsed: float, args, plan: Plan, users: int) -> dict:
    everything = sorted(v for values in stats.latencies.values() for v in values)
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    per_kind = {}
    for kind in sorted(stats.latencies):
        values = sorted(stats.latencies[kind])
        per_kind[kind] = {"requests": len(values), "p50_ms": ms(percentile(values, 50)),
                          "p95_ms": ms(percentile(values, 95)), "p99_ms": ms(percentile(values, 99)),
                          "max_ms": ms(values[-1])}
    staff, experts, reviewers, draws = mix(users)
    return {
        "requests": len(everything), "rps": round(len(everything) / elapsed, 1) if elapsed else 0.0,
        "errors": stats.errors, "error_samples": stats.error_samples,
        "lost_writes": stats.lost_writes, "lost_write_samples": stats.lost_samples,
        "p50_ms": ms(percentile(everything, 50)), "p95_ms": ms(percentile(everything, 95)),
        "p99_ms": ms(percentile(everything, 99)), "per_kind": per_kind,
        "outcomes": dict(sorted(stats.outcomes.items())),
        "users": users, "mix": {"staff": staff, "experts": experts, "reviewers": reviewers, "draws": draws},
        "seconds": int(args.seconds) if float(args.seconds).is_integer() else args.seconds, "elapsed_s": round(elapsed, 1),
        "workers": args.workers if not args.url else None, "url": args.url or None,
        "database": plan.database, "database_url": plan.database_url,
    }


def print_summary(s: dict) -> None:
    print(f"\n{s['users']} users ({s['mix']}) for {s['seconds']} s on {s['database']} "
          f"({'workers: ' + str(s['workers']) if s['workers'] else s['url']})")
    print(f"requests {s['requests']}  {s['rps']} req/s  errors {s['errors']}  lost writes {s['lost_writes']}")
    print(f"latency  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms")
    print(f"\n{'kind':<22}{'requests':>9}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, k in s["per_kind"].items():
        print(f"{kind:<22}{k['requests']:>9}{k['p50_ms']:>10}{k['p95_ms']:>10}{k['p99_ms']:>10}{k['max_ms']:>10}")
    if s["outcomes"]:
        print("\noutcomes: " + ", ".join(f"{k} {v}" for k, v in s["outcomes"].items()))
    for title, samples in (("errors", s["error_samples"]), ("lost writes", s["lost_write_samples"])):
        if samples:
            print(f"\nfirst {title}:")
            for line in samples:
                print("  " + line)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (when it is started here)")
    parser.add_argument("--port", type=int, default=0, help="port for the gunicorn started here (default: a free one)")
    parser.add_argument("--url", help="a server already running, e.g. http://127.0.0.1:8000 (no gunicorn started)")
    parser.add_argument("--server-log", default="/tmp/expertlib-loadtest-gunicorn.log")
    parser.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fail-on-error", action="store_true", help="exit status 1 on errors or lost writes")
    args = parser.parse_args(argv)

    plan = make_plan()
    server = None
    if args.url:
        base_url = args.url.rstrip("/")
    else:
        port = args.port or free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = start_gunicorn(args.workers, port, args.server_log)
    try:
        wait_until_up(base_url, 60, server)
        stats = Stats()
        started = time.monotonic()
        users = build_users(args.users, base_url, plan, stats, started + args.seconds, args.seed)
        for user in users:
            user.start()
        for user in users:
            user.join()
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            stop_gunicorn(server)
    summary = summarize(stats, elapsed, args, plan, args.users)
    if server is not None:
        log = Path(args.server_log).read_text(errors="replace")
        summary["server_log"] = args.server_log
        # Flask's "[time] ERROR in …" and gunicorn's "[time] [pid] [ERROR] …" lines, one per failure.
        summary["server_errors_logged"] = len(re.findall(r"^\[[^\]]+\] (?:ERROR |\[\d+\] \[ERROR\])", log, re.M))
        summary["server_worker_timeouts"] = log.count("WORKER TIMEOUT")
    print_summary(summary)
    if server is not None:
        print(f"\ngunicorn's log: {args.server_log} (errors logged: {summary['server_errors_logged']}, "
              f"worker timeouts: {summary['server_worker_timeouts']})")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    if args.fail_on_error and (summary["errors"] or summary["lost_writes"]):
        raise SystemExit(1)
    return summary


if __name__ == "__main__":
    main()
