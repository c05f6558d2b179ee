"""Pages that read their input from the URL (filters, search, pagination, codes and ids in the
path) and the JSON endpoints, fuzzed. Never a server error; JSON endpoints answer JSON."""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from tests.security.world import JOIN_TOKEN

from .support import (
    body_of,
    check_response,
    field,
    form,
    fuzz,
    junk,
    rolled_back,
    text,
)

PLACEHOLDER = "fuzz-placeholder"
PAGES = st.one_of(
    st.integers(-5, 10**20).map(str), st.sampled_from(["last", "first", "0", "1e3", "½"])
)
BIG_IDS = st.one_of(
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=0, max_value=2**70),
    st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64]),
)
# What a path segment could hold (the text is quoted, so a "/" does not split it).
SEGMENTS = st.one_of(text.filter(bool), junk.filter(bool), st.just("K7QD-M2XP-9WFA-3RTN"))


def path_with(name, value, *args):
    """The URL of ``name`` with ``value`` (quoted) in place of its text argument."""
    url = reverse(name, args=[*args, PLACEHOLDER])
    return url.replace(PLACEHOLDER, quote(str(value), safe=""))


def int_path(name):
    return lambda w, d: reverse(name, args=[d.draw(st.one_of(BIG_IDS, st.just(1)), label="id")])


def ids_of(w):
    return [u.pk for u in w.users.values()] + [u.pk for u in w.units.values()]


@dataclass(frozen=True)
class Page:
    role: str
    url: Any  # callable(world, data) -> url
    query: Any = None  # callable(world) -> {name: strategy}


def filters(w):
    return {
        "unit": field(ids=ids_of(w)),
        "role": field(ids=[w.job_role.pk]),
        "tier": field(ids=range(1, 6)),
        "course": field(ids=[w.course.pk, w.assigned_course.pk]),
        "status": field(
            st.sampled_from(["meets", "expiring", "overdue", "in_progress", "never", "expired"])
        ),
        "course_state": field(st.sampled_from(["current", "expiring", "expired", "never"])),
        "supervision": field(st.sampled_from(["below", "at"])),
        "recent": field(st.sampled_from(["yes", "no"])),
        "page": field(PAGES),
    }


DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["2026-02-30", "31/02/2026", "0000-01-01", "9999-12-31", "yesterday"]),
)


def outcomes(w):
    return {**filters(w), "on": field(DATES)}


PAGES_FUZZED = {
    "reports:dashboard": Page("manager", lambda w, d: reverse("reports:dashboard"), filters),
    "reports:dashboard[regional-lead]": Page(
        "regional_lead", lambda w, d: reverse("reports:dashboard"), filters
    ),
    "reports:outcomes": Page("manager", lambda w, d: reverse("reports:outcomes"), outcomes),
    "reports:outcomes[regional-lead]": Page(
        "regional_lead", lambda w, d: reverse("reports:outcomes"), outcomes
    ),
    "reports:people": Page("manager", lambda w, d: reverse("reports:people"), filters),
    "reports:export": Page(
        "manager",
        lambda w, d: reverse(
            "reports:export",
            args=[
                d.draw(
                    st.sampled_from(
                        [
                            "units",
                            "roles",
                            "tiers",
                            "courses",
                            "supervision",
                            "people",
                            "quarters",
                            "nope",
                        ]
                    ),
                    label="report",
                ),
                d.draw(st.sampled_from(["csv", "xlsx", "pdf", "json"]), label="format"),
            ],
        ),
        filters,
    ),
    "reports:person": Page("manager", int_path("reports:person")),
    "reports:course_analytics": Page("trainer", int_path("reports:course_analytics")),
    "reports:my_emails": Page(
        "practitioner", lambda w, d: reverse("reports:my_emails"), lambda w: {"page": field(PAGES)}
    ),
    "supervision:team": Page(
        "manager", lambda w, d: reverse("supervision:team"), lambda w: {"page": field(PAGES)}
    ),
    "supervision:team_person": Page(
        "manager",
        lambda w, d: reverse(
            "supervision:team_person", args=[d.draw(st.one_of(BIG_IDS, st.just(w.p.pk)))]
        ),
        lambda w: {"page": field(PAGES)},
    ),
    "supervision:session": Page("practitioner", int_path("supervision:session")),
    "supervision:agreement": Page("supervisor", int_path("supervision:agreement")),
    "courses:attempt": Page("practitioner", int_path("courses:attempt")),
    "courses:resume": Page("practitioner", int_path("courses:resume")),
    "courses:knowledge_check": Page("practitioner", int_path("courses:knowledge_check")),
    "courses:assign": Page(
        "manager",
        lambda w, d: reverse("courses:assign"),
        lambda w: {"course": field(ids=ids_of(w))},
    ),
    "courses:assessment_new": Page(
        "manager",
        lambda w, d: reverse("courses:assessment_new"),
        lambda w: {"person": field(ids=ids_of(w))},
    ),
    "workforce:unit": Page("manager", int_path("workforce:unit")),
    "workforce:import_detail": Page("manager", int_path("workforce:import_detail")),
    "workforce:invite": Page(
        "manager",
        lambda w, d: reverse("workforce:invite"),
        lambda w: {"unit": field(ids=ids_of(w))},
    ),
    "workforce:join": Page(
        "anonymous",
        lambda w, d: path_with(
            "workforce:join", d.draw(st.one_of(st.just(JOIN_TOKEN), SEGMENTS), label="token")
        ),
    ),
    "content:search": Page(
        "anonymous",
        lambda w, d: reverse("content:search"),
        lambda w: {"q": field(), "page": field(PAGES)},
    ),
    "handout": Page(
        "anonymous",
        lambda w, d: path_with(
            "handout", d.draw(st.one_of(st.just("states-and-cues"), SEGMENTS), label="slug")
        ),
    ),
    "certificates:verify_lookup": Page(
        "anonymous",
        lambda w, d: reverse("certificates:verify_lookup"),
        lambda w: {"code": field(st.just(w.certificate_code))},
    ),
    "certificates:verify": Page(
        "anonymous",
        lambda w, d: path_with(
            "certificates:verify",
            d.draw(st.one_of(st.just(w.certificate_code), SEGMENTS), label="code"),
        ),
    ),
    "certificates:pdf": Page(
        "practitioner",
        lambda w, d: path_with(
            "certificates:pdf",
            d.draw(
                st.one_of(st.just(w.certificate.number), SEGMENTS, BIG_IDS.map(str)), label="ref"
            ),
        ),
    ),
    "workshops:session": Page("practitioner", int_path("workshops:session")),
    "workshops:evaluation": Page("practitioner", int_path("workshops:evaluation")),
    "workshops:results": Page("trainer", int_path("workshops:results")),
    "certificates:training_record": Page("practitioner", int_path("certificates:training_record")),
    "certificates:training_record_pdf": Page(
        "practitioner", int_path("certificates:training_record_pdf")
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PAGES_FUZZED))
@fuzz(data=st.data())
def test_pages_with_generated_urls(world, client_as, name, data):
    spec = PAGES_FUZZED[name]
    client, _ = client_as(spec.role)
    url = spec.url(world, data)
    query = data.draw(form(spec.query(world) if spec.query else {}), label="query")
    with rolled_back():
        response = client.get(url, query)
        check_response(response, sent=query)
        if getattr(response, "streaming", False):
            body_of(response)  # a streamed export fails while it is read


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


# --- JSON endpoints ------------------------------------------------------------------------

METHODS = st.sampled_from(
    ["get", "get", "get", "post", "put", "delete", "patch", "head", "options"]
)


@dataclass(frozen=True)
class Json:
    role: str
    url: Any  # callable(world, data) -> url
    method: str | None = None  # None: any method
    keys: frozenset = frozenset()  # keys a 200 answer has


JSON_ENDPOINTS = {
    "health": Json("anonymous", lambda w, d: reverse("health"), keys=frozenset({"status"})),
    "health_ready": Json(
        "anonymous", lambda w, d: reverse("health_ready"), keys=frozenset({"status", "checks"})
    ),
    "certificates:training_record_status": Json(
        "practitioner",
        lambda w, d: reverse(
            "certificates:training_record_status",
            args=[d.draw(st.one_of(st.just(w.training_record.pk), BIG_IDS), label="id")],
        ),
        keys=frozenset({"status", "label", "progress", "done"}),
    ),
    "certificates:training_record_status[other]": Json(
        "other_practitioner",
        lambda w, d: reverse("certificates:training_record_status", args=[w.training_record.pk]),
    ),
    "privacy_export": Json("practitioner", lambda w, d: reverse("privacy_export"), method="post"),
    "account_session": Json(
        "practitioner",
        lambda w, d: reverse("account_session"),
        keys=frozenset({"remaining", "idle_remaining", "absolute_remaining", "warning"}),
    ),
    "drafts:draft": Json(
        "practitioner",
        lambda w, d: (
            reverse("drafts:draft")
            + "?key="
            + quote(d.draw(st.one_of(st.just("/learn/"), SEGMENTS), label="key"), safe="/")
        ),
        keys=frozenset({"key", "fields"}),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(JSON_ENDPOINTS))
@fuzz(data=st.data())
def test_json_endpoints(world, client_as, name, data):
    spec = JSON_ENDPOINTS[name]
    client, token = client_as(spec.role)
    url = spec.url(world, data)
    method = spec.method or data.draw(METHODS, label="method")
    params = data.draw(form({}), label="parameters")
    headers = data.draw(
        st.dictionaries(
            st.sampled_from(["HTTP_ACCEPT", "HTTP_X_REQUESTED_WITH", "HTTP_ACCEPT_LANGUAGE"]),
            st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
            max_size=2,
        ),
        label="headers",
    )
    if method not in ("get", "head"):
        headers["HTTP_X_CSRFTOKEN"] = token
    with rolled_back():
        if method in ("get", "head"):
            response = getattr(client, method)(url, params, **headers)
        elif method == "post":
            response = client.post(url, params, **headers)
        else:
            response = getattr(client, method)(url, json.dumps(params), **headers)
        check_response(response)
        if method in ("head", "options"):
            # No content either way (OPTIONS lists the allowed methods, whatever the id), unless
            # the address itself is refused (a NUL in it): the refusal page then says why.
            if response.status_code == 400 and _has_nul([unquote(url), params]):
                return
            assert not response.content
            return
        if response.status_code == 200:
            if spec.role == "other_practitioner":
                pytest.fail("another person's training record answered 200")
            assert response["Content-Type"].startswith("application/json")
            payload = json.loads(response.content)
            assert spec.keys <= set(payload), payload
        elif spec.role == "other_practitioner":
            # 400 only for an address holding NUL, refused before any record is looked up.
            refused = {404, 405} | ({400} if _has_nul([url, params]) else set())
            assert response.status_code in refused, response.status_code


# Drafts arrive as JSON bodies written by a script: any body, valid or not, is saved (200) or
# refused with a message (400), never a server error, and a refused one stores nothing.
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), text, junk),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(text, junk), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.django_db
@fuzz(data=st.data())
def test_draft_bodies(world, client_as, data):
    from lms.drafts.models import FormDraft

    client, token = client_as("practitioner")
    body = data.draw(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "key": st.one_of(st.just("/learn/"), text, junk, JSON_VALUES),
                    "fields": st.one_of(
                        st.dictionaries(st.one_of(text, junk), st.one_of(text, junk), max_size=4),
                        JSON_VALUES,
                    ),
                }
            ),
            JSON_VALUES,
        ),
        label="body",
    )
    raw = data.draw(st.one_of(st.just(json.dumps(body)), junk), label="raw")
    with rolled_back():
        before = FormDraft.objects.count()
        response = client.post(
            reverse("drafts:draft"), raw, content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        check_response(response)
        assert response.status_code in (200, 400), response.status_code
        payload = json.loads(response.content)
        if response.status_code == 400:
            assert payload["error"]
            assert FormDraft.objects.count() == before
