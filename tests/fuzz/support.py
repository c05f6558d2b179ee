"""Strategies and request helpers shared by the fuzz tests.

Values are what a browser, a script or an attacker could send in a form field: any text that
UTF-8 can carry (control characters, right-to-left marks, emoji, NUL), very long strings,
numbers out of range, dates in odd formats, ids of other people's records, several values
where one is expected, missing fields and extra ones.
"""

from __future__ import annotations

import functools
import os
import secrets
import uuid
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlsplit

import hypothesis
import pytest
from django.conf import settings
from django.db import transaction
from django.middleware.csrf import get_token
from django.test import RequestFactory
from hypothesis import strategies as st

XSS_MARKER = "<script>alert('fuzz')</script>"

# Any code point UTF-8 can encode (surrogates cannot travel in a request at all).
characters = st.characters(exclude_categories=("Cs",))
text = st.text(characters, max_size=60)
control_text = st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=8)

NASTY = [
    "",
    " ",
    "\x00",
    "\x00abc",
    "abc\x00",
    "\r\n",
    "\t",
    "\u202e\u202d",
    "\ufeff",
    "\u0000\u0001\u001f\u007f",
    "😀👩‍👩‍👧",
    "Zoë Ó'Brien-Łukasz",
    "null",
    "None",
    "undefined",
    "true",
    "[]",
    "{}",
    '{"a": 1}',
    XSS_MARKER,
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    "1; DROP TABLE auth_user;",
    "%00",
    "%s%s%s%n",
    "{{ 7*7 }}",
    "${7*7}",
    "../../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example.org/",
    "https://evil.example.org/",
    "\\\\evil.example.org",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-0",
    "0x1F",
    "١٢٣",  # Arabic-Indic digits
    "½",
    "²",
    " 12 ",
    "9" * 30,
    "-" + "9" * 30,
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "a@b",
    "a@b.c",
    "@example.org",
    "person@example.org\r\nBcc: x@example.org",
    "per son@exa mple.org",
]
nasty = st.sampled_from(NASTY)
long_text = st.builds(
    lambda char, n: char * n,
    st.sampled_from(["a", "é", "😀", "\x00", " ", "\n", "1", "<"]),
    st.sampled_from([151, 256, 301, 501, 5001, 10_001, 100_001]),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-5, max_value=2000).map(str),
)
ODD_DATES = [
    "2024-02-30",
    "2023-02-29",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2024-01-01",
    "2024-13-01",
    "2024-00-10",
    "31/12/9999",
    "32/01/2024",
    "29/02/2023",
    "1/1/1",
    "20240101",
    "2024-W01",
    "2024-01-01T25:00:00",
    "2024-01-01 12:00:00+99:00",
    "tomorrow",
    "01.02.2024",
    "2024/01/02",
    "١٠/١٠/٢٠٢٤",
]
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}"),
    st.datetimes().map(str),
    st.sampled_from(ODD_DATES),
)
uuids = st.one_of(st.uuids().map(str), st.sampled_from(["", "not-a-uuid", str(uuid.UUID(int=0))]))
small_ids = st.integers(min_value=-3, max_value=80).map(str)

junk = st.one_of(text, nasty, long_text, numbers, dates, control_text, small_ids)


def values(plausible=None, ids=()):
    """One field's value: plausible values (when given), the world's ids, or junk."""
    options = [junk]
    if plausible is not None:
        options.insert(0, plausible)
    if ids:
        options.insert(0, st.sampled_from([str(i) for i in ids]))
    return st.one_of(*options)


def field(plausible=None, ids=()):
    """A value, or several values for one name (a list where a scalar is expected)."""
    one = values(plausible, ids)
    return st.one_of(one, one, st.lists(one, min_size=2, max_size=4))


def form(fields: dict, *, extra: bool = True):
    """Form data with any subset of ``fields`` (name -> strategy of values) and sometimes
    fields nobody asked for."""
    data = st.fixed_dictionaries({}, optional=fields)
    if not extra:
        return data
    extras = st.dictionaries(st.text(characters, min_size=1, max_size=20), field(), max_size=3)
    return st.builds(lambda d, e: {**e, **d}, data, extras)


# --- Requests --------------------------------------------------------------------------------


def csrf_token(client) -> str:
    """A valid CSRF token for ``client`` (a test client that enforces CSRF checks)."""
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
    return token


@contextmanager
def rolled_back():
    """Each generated input runs in a savepoint that is rolled back: inputs do not see each
    other's writes, and the world stays as built."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def check_response(response, *, sent=None) -> None:
    """No server error; redirects stay on this site; submitted markup comes back escaped."""
    status = response.status_code
    assert status < 500, f"server error {status}"
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"])
        assert target.netloc in ("", "testserver"), f"redirect off-site: {response['Location']}"
        assert not response["Location"].startswith("//"), response["Location"]
    content_type = response.get("Content-Type", "")
    if sent is not None and content_type.startswith("text/html") and XSS_MARKER in repr(sent):
        assert XSS_MARKER not in body_of(response), "submitted markup was not escaped"


def encode(data: dict) -> dict:
    """Drop values the test client cannot send (it refuses None)."""
    return {k: v for k, v in data.items() if v is not None}


# --- Budget, seed and counting -----------------------------------------------------------------

# Generated inputs per fuzz test in the two profiles registered in tests/fuzz/conftest.py;
# ``CI=true`` picks "ci".
CI_EXAMPLES = 190
DEV_EXAMPLES = 25
# FUZZ_PROFILE picks one; otherwise "ci" in CI. ``make test`` runs the embedded pass with "dev"
# and the services pass (PostgreSQL, the production database) with "ci" in CI.
PROFILE = os.environ.get("FUZZ_PROFILE") or (
    "ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev"
)
# Seed for every fuzz test in this run (printed at the end; FUZZ_SEED=<n> repeats a run).
SEED = int(os.environ.get("FUZZ_SEED") or secrets.randbelow(2**32))
# Generated inputs actually run, per pytest test id.
EXAMPLES: Counter = Counter()


def current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" ", 1)[0]


def fuzz(*args, weight: float = 1.0, **strategies):
    """``@given`` with the fuzz profile and the run's seed, counting every generated input it
    runs (per pytest test id). ``weight`` scales the profile's ``max_examples`` for a slow
    target. Marked ``fuzz`` with the number of inputs planned (tests/fuzz/test_zz_budget.py)."""

    def decorate(fn):
        profile = hypothesis.settings.get_profile(PROFILE)
        budget = max(1, round(profile.max_examples * weight))

        @functools.wraps(fn)
        def run(*a, **kw):
            EXAMPLES[current_test()] += 1
            return fn(*a, **kw)

        given = hypothesis.given(*args, **strategies)(run)
        configured = hypothesis.settings(profile, max_examples=budget)(given)
        mark = pytest.mark.fuzz(budget=budget, ci_budget=max(1, round(CI_EXAMPLES * weight)))
        return mark(hypothesis.seed(SEED)(configured))

    return decorate
