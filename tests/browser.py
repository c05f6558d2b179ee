"""Shared pieces of the real-browser tests: Debian's Chromium through Playwright, pages signed in
without the login form, and the accessibility check (axe-core, WCAG 2.2 AA) that also fails on
Content Security Policy violations reported in the browser console.

The ``browser`` fixture is registered in tests/conftest.py.
"""

import functools
import threading
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client

from tests.conftest import require_chromium

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


# On the embedded pass the live server's request threads and the test share one connection to
# the in-memory SQLite database (Django hands the test's connection to the server), and Django's
# transaction bookkeeping on a connection (atomic blocks, savepoints) is not thread-safe: two
# requests at once (a player saving twice), or a read by the test while a request is inside an
# atomic block, break each other ("no such savepoint"). So, there only, requests and the test's
# reads (``shared_database``) take this lock in turn. PostgreSQL gives each thread its own.
_SHARED_DATABASE = threading.RLock()


def _one_connection_for_all() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@contextmanager
def shared_database():
    """Hold while the test reads the database a live server may be writing to."""
    if not _one_connection_for_all():
        yield
        return
    with _SHARED_DATABASE:
        yield


def _one_request_at_a_time(call):
    @functools.wraps(call)
    def serve(self, environ, start_response):
        with _SHARED_DATABASE:
            return call(self, environ, start_response)

    return serve


@pytest.fixture
def browser(monkeypatch):
    path = require_chromium()
    if _one_connection_for_all():
        monkeypatch.setattr(WSGIHandler, "__call__", _one_request_at_a_time(WSGIHandler.__call__))
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself (not by the live server) are safe. monkeypatch restores the variable afterwards.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def new_page(browser, live_server, user=None, *, viewport=DESKTOP):
    """A page on the live server, signed in as ``user`` if given, that records CSP errors."""
    context = browser.new_context(
        base_url=live_server.url, accept_downloads=True, viewport=viewport
    )
    if user is not None:
        client = Client()
        with shared_database():  # writes the session: not while the server is using the database
            client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            page.csp_errors.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def axe_violations(page) -> list[str]:
    """WCAG 2.2 AA violations on the page as readable lines (empty when there are none)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    assert results.response["passes"], "axe checked nothing"
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:200]}"
        for v in results.response["violations"]
    ]


def assert_accessible(page, what: str = "") -> None:
    """No WCAG 2.2 AA violations and no Content Security Policy errors on the page."""
    violations = axe_violations(page)
    assert violations == [], f"{what or page.url}: {violations}"
    assert page.csp_errors == [], f"{what or page.url}: {page.csp_errors}"


# Whether the page itself scrolls sideways; and, for every table in the main content: is it in
# a labelled, focusable region, and with that region scrolled to its far right, is the first
# cell of every row still inside it (the first column kept in view)? Stacked tables (narrow
# screens, ``table-stack``) are checked by the page's width alone.
_LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    const widest = [...document.body.querySelectorAll("*")]
      .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
      .map(e => `${e.tagName.toLowerCase()}.${e.className}`).slice(-3).join(", ");
    problems.push(`the page scrolls sideways: ${root.scrollWidth}px of content (${widest})`);
  }
  for (const table of document.querySelectorAll("main table")) {
    if (getComputedStyle(table).display === "block") continue;  // stacked rows
    const name = (table.caption && table.caption.innerText.split("\\n")[0])
      || table.getAttribute("aria-labelledby") || "a table";
    const region = table.closest("[role=region]");
    if (!region || !region.getAttribute("aria-label") || region.tabIndex !== 0) {
      problems.push(`${name}: not in a labelled, focusable region`);
      continue;
    }
    region.scrollLeft = region.scrollWidth;
    const box = region.getBoundingClientRect();
    for (const row of table.rows) {
      const cell = row.cells[0].getBoundingClientRect();
      if (cell.left < box.left - 1 || cell.right > box.right + 1) {
        problems.push(`${name}: the first column scrolls out of view`);
        break;
      }
    }
    region.scrollLeft = 0;
  }
  return problems;
}"""


def layout_problems(page) -> list[str]:
    """What axe does not check: sideways scrolling of the page (WCAG 1.4.10 reflow) and tables
    that overflow without a labelled scroll region keeping their first column in view."""
    return page.evaluate(_LAYOUT_PROBLEMS)
