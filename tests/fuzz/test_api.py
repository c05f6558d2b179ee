"""The reporting API fuzzed: generated filters, cursors, times, page sizes and tokens. Never a
server error; every answer is JSON, and every refusal carries a message."""

import json
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import strategies as st

from lms.api import cursors, tokens

from .support import dates, field, form, fuzz, junk, long_text, nasty, rolled_back, text
from .test_queries_and_json import BIG_IDS

ROUTES = ["api:coverage", "api:coverage_courses", "api:people", "api:completions"]
TOKEN_OWNERS = ["admin", "org_admin", "regional_admin"]


def _ids(w):
    return [u.pk for u in w.units.values()] + [w.job_role.pk, w.course.pk, 1, 2, 3]


def _cursors(w, token):
    """Real cursors of this token (both kinds), another token's, and junk."""
    now = datetime.now(UTC).isoformat()
    other = w.extra["api_tokens"]["org_admin"].token
    return st.one_of(
        st.just(cursors.encode("completions", token.pk, [now, 0])),
        st.just(cursors.encode("people", token.pk, [w.p.pk])),
        st.just(cursors.encode("completions", other.pk, [now, 0])),
        st.just(cursors.encode("completions", token.pk, ["not a time", "x"])),
        st.just(cursors.encode("people", token.pk, [])),
        junk,
    )


def _params(w, token):
    return {
        "unit": field(ids=_ids(w)),
        "role": field(ids=_ids(w)),
        "tier": field(ids=range(1, 6)),
        "course": field(ids=_ids(w)),
        "status": field(
            st.sampled_from(
                ["meets", "expiring", "holding", "overdue", "not_started", "in_progress", "x"]
            )
        ),
        "cursor": field(_cursors(w, token)),
        "since": field(dates),
        "limit": field(st.one_of(st.integers(-5, 200_000).map(str), BIG_IDS.map(str))),
    }


def check_json(response) -> dict | None:
    assert response.status_code < 500, response.status_code
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    payload = json.loads(raw)
    if response.status_code >= 400:
        assert isinstance(payload.get("detail"), str) and payload["detail"], payload
    return payload


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROUTES)
@fuzz(data=st.data())
def test_api_with_generated_parameters(world, name, data):
    owner = data.draw(st.sampled_from(TOKEN_OWNERS), label="token of")
    created = world.extra["api_tokens"][owner]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {created.secret}")
    params = data.draw(form(_params(world, created.token)), label="parameters")
    with rolled_back():
        response = client.get(reverse(f"api:{name.split(':')[1]}"), params)
        payload = check_json(response)
        if response.status_code == 200:
            assert "as_at" in payload


def _headers(w):
    real = w.extra["api_tokens"]["admin"]
    prefix = real.token.prefix
    bad_tokens = st.one_of(
        text,
        nasty,
        long_text,
        st.just(real.secret[:-1]),
        st.just(real.secret + "x"),
        st.just(f"{tokens.SCHEME}_{prefix}_" + "A" * 43),
        st.builds(lambda s: f"{tokens.SCHEME}_{prefix}_{s}", text),
    )
    value = st.one_of(
        bad_tokens.map(lambda t: f"Bearer {t}"),
        bad_tokens.map(lambda t: f"bearer  {t}"),
        bad_tokens,
        st.builds(lambda t: f"Basic {t}", text),
    )
    return st.one_of(value, st.just(""))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROUTES)
@fuzz(data=st.data())
def test_api_with_generated_tokens(world, name, data):
    header = data.draw(_headers(world), label="Authorization")
    # Header values travel as Latin-1 at most: what a client could really send.
    header = header.encode("latin-1", "replace").decode("latin-1")
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    with rolled_back():
        response = client.get(reverse(f"api:{name.split(':')[1]}"))
        check_json(response)
        assert response.status_code == 401, response.status_code
