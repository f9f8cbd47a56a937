"""Every page a role reaches by links from its home, read as its user reads it (issue 17).

Chromium logs in as each role and follows every same-site link (lists, details, forms, manage pages;
a couple of rows of each kind), failing on what a district reviewer should never meet: an English word
outside a short allow-list, True/False/None/__None, a time with a fraction of a second, text that parses
as JSON, an internal state code, or a link that answers 403. Data people typed (names, e-mail addresses,
user names, file names, codes) is not the interface and is left out before the words are read.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import select

from models import User, db
from tests.browser.conftest import login

ROLES = ["bureau", "unit", "dept", "leader", "supervisor", "usage", "expert"]
# Words a Chinese office reads as Chinese: formats, standards, units.
ALLOWED_WORDS = {"Excel", "PDF", "JPG", "PNG", "GB", "T", "MB", "KB", "ID", "AES", "GCM", "SHA", "HMAC", "SMS",
                 "CSV", "xlsx", "pdf", "jpg", "png", "IP"}
ROWS_PER_SHAPE = 2  # rows of each kind of page visited (details of two experts, not of all 200)
MAX_PAGES = 160  # per role; a crawl that hits this bound says so
SKIP = re.compile(r"/logout|/static/|/export/|/files/|download|workbook|roster|/form/|\.xlsx|\.pdf|\.csv"
                  r"|action=|/delete/|/reveal")
DATA = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"https?://\S+"),
    re.compile(r"[\w-]+\.(pdf|jpg|jpeg|png|xlsx)", re.I),  # file names
    re.compile(r"\b[0-9A-HJ-NPQRTUWXY]{18}\b"),  # credit codes
    re.compile(r"\b\d{17}[\dXx]\b|\d{6}\*+\d{3}[\dXx]"),  # ID numbers, masked or not
    re.compile(r"\b[0-9a-f]{16,}\b"),  # hashes (audit chain, seeds)
    re.compile(r"\bCQ-\d{4}-\d+"),  # draw request numbers
]


def _shape(url: str) -> str:
    """The kind of page: its path and the names (not values) of its query."""
    parts = urlsplit(url)
    keys = sorted(k for k, _v in parse_qsl(parts.query) if k not in ("url",))
    return parts.path + "?" + "&".join(keys)


def _strip_data(text: str, usernames: set[str]) -> str:
    for pattern in DATA:
        text = pattern.sub(" ", text)
    for name in sorted(usernames, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", " ", text)
    return text


def _problems(text: str, codes: set[str]) -> list[str]:
    found = []
    for word in re.findall(r"[A-Za-z_][A-Za-z_]+", text):
        if word in codes:
            found.append(f"internal code {word!r}")
        elif word in ("True", "False", "None", "__None"):
            found.append(f"raw value {word!r}")
        elif word not in ALLOWED_WORDS:
            found.append(f"English {word!r}")
    found += [f"time with fraction {m!r}" for m in re.findall(r"\d{2}:\d{2}:\d{2}\.\d+", text)]
    for candidate in re.findall(r"[\[{][^\[\]{}]*[\]}]", text):
        try:
            if isinstance(json.loads(candidate), (dict, list)) and len(candidate) > 2:
                found.append(f"JSON {candidate[:40]!r}")
        except ValueError:
            pass
    return found


def _state_codes() -> set[str]:
    from rules import admission, changes, draw_requests, invitations, lifecycle, publicity

    codes = set()
    for module in (admission, changes, draw_requests, invitations, lifecycle, publicity):
        for value in vars(module).values():
            if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
                codes |= {k for k in value if re.fullmatch(r"[a-z]+(_[a-z]+)+|[a-z]{4,}", k)}
    return codes


def _page_text(page) -> str:
    """What the user reads: the body's text, the options of every list, placeholders and tooltips."""
    return page.evaluate("""() => [document.body.innerText,
        ...[...document.querySelectorAll('option, .dropdown-menu a, .dropdown-menu button')].map(o => o.textContent),
        ...[...document.querySelectorAll('[placeholder]')].map(e => e.getAttribute('placeholder')),
        ...[...document.querySelectorAll('[title]')].map(e => e.getAttribute('title'))].join('\\n')""")


def crawl(page, base: str, role: str, usernames: set[str], codes: set[str]) -> tuple[dict, int]:
    """Breadth first from the role's home; returns {url: [problems]} and the pages visited."""
    login(page, base, role, )
    start = page.url
    queue, seen_urls, shapes, problems, visited = [start], {start}, defaultdict(int), {}, 0
    while queue and visited < MAX_PAGES:
        url = queue.pop(0)
        shape = _shape(url)
        if shapes[shape] >= ROWS_PER_SHAPE:
            continue
        shapes[shape] += 1
        response = page.goto(url)
        visited += 1
        status = response.status if response else 0
        if status == 403 or status >= 500:
            problems.setdefault(url, []).append(f"answers {status}")
            continue
        found = _problems(_strip_data(_page_text(page), usernames), codes)
        if found:
            problems[url] = sorted(set(found))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            href = href.split("#")[0]
            if not href.startswith(base) or SKIP.search(href) or href in seen_urls:
                continue
            parts = urlsplit(href)
            # Sorting and paging links are the same page; one of them is enough.
            query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("sort", "desc", "page", "page_size")]
            href = f"{base}{parts.path}" + (f"?{urlencode(query)}" if query else "")
            if href not in seen_urls:
                seen_urls.add(href)
                queue.append(href)
    return problems, visited


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_reads_in_chinese_and_opens(ui_server, page, ui_app, role):
    with ui_app.app_context():
        usernames = set(db.session.scalars(select(User.username)))
    problems, visited = crawl(page, ui_server, role, usernames, _state_codes())
    report = "\n".join(f"{url}\n    " + "; ".join(found) for url, found in sorted(problems.items()))
    assert visited >= (3 if role == "expert" else 5), f"{role} reached only {visited} pages"
    assert not problems, f"{role}: {len(problems)} of {visited} pages\n{report}"
