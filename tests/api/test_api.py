"""The reporting API: its figures are the dashboard's and the exports', a token sees what a
manager of its units sees and no more, and every refusal is JSON with a message."""

import csv
import io
import json
from datetime import UTC, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from lms.api import services, tokens
from lms.api.models import ApiToken
from lms.reports.permissions import coverage_scope
from lms.reports.selectors import HEADLINES, Filters, course_completion, coverage
from lms.workforce import services as workforce_services
from tests.reports.factories import complete, days

pytestmark = pytest.mark.django_db

COVERAGE = "/api/v1/coverage/"
COURSES = "/api/v1/coverage/courses/"
PEOPLE = "/api/v1/people/"
COMPLETIONS = "/api/v1/completions/"


def body(response) -> dict:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(raw)


def figures_of(counts) -> dict:
    result = {"staff": counts.total}
    for h in HEADLINES:
        result[h.key] = h.count(counts)
        result[f"{h.key}_percent"] = float(h.share(counts))
    return result


def filter_sets(population):
    p = population
    return [
        {},
        {"unit": p.tree["hv_team"].pk},
        {"role": p.hv.pk},
        {"tier": p.tiers["T1"].pk},
        {"course": p.t2_course.pk},
        {"unit": p.tree["trust"].pk, "role": p.fsw.pk},
    ]


def as_filters(population, query) -> Filters:
    from content.models import CoursePage, Tier
    from lms.workforce.models import JobRole, OrganisationUnit

    return Filters(
        unit=OrganisationUnit.objects.get(pk=query["unit"]) if "unit" in query else None,
        job_role=JobRole.objects.get(pk=query["role"]) if "role" in query else None,
        tier=Tier.objects.get(pk=query["tier"]) if "tier" in query else None,
        course=CoursePage.objects.get(pk=query["course"]) if "course" in query else None,
    )


# --- Figures equal the dashboard's and the exports' -------------------------------------


def test_coverage_equals_the_dashboard_and_the_export_for_the_same_filters(
    population, trust_token, api_client, client
):
    """The trust's token against the trust manager's dashboard and CSV exports."""
    api = api_client(trust_token.secret)
    manager_scope = coverage_scope(population.trust_manager)
    client.force_login(population.trust_manager)
    for query in filter_sets(population):
        answer = body(api.get(COVERAGE, query))
        screen = coverage(manager_scope, as_filters(population, query))
        assert answer["total"] == figures_of(screen.total), query
        assert [(u["id"], u["name"], u["figures"]) for u in answer["units"]] == [
            (r.unit.pk, r.label, figures_of(r.counts)) for r in screen.units
        ], query
        assert [(r["id"], r["figures"]) for r in answer["roles"]] == [
            (r.job_role.pk, figures_of(r.counts)) for r in screen.roles
        ], query
        assert [(t["code"], t["figures"]) for t in answer["tiers"]] == [
            (r.tier.code, figures_of(r.counts)) for r in screen.tiers
        ], query
        # The dashboard page itself shows the same headline counts.
        page = client.get(reverse("reports:dashboard"), query)
        assert page.status_code == 200
        cards = {c["key"]: c["count"] for c in page.context["cards"]}
        assert cards == {h.key: answer["total"][h.key] for h in HEADLINES}, query
        # And the "by unit" export's total row.
        export = client.get(reverse("reports:export", args=("units", "csv")), query)
        rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
        heading, total = rows[0], rows[-1]
        assert int(total[heading.index("Staff")]) == answer["total"]["staff"], query
        for h in HEADLINES:
            assert int(total[heading.index(h.title)]) == answer["total"][h.key], (query, h.key)
            assert (
                float(total[heading.index(f"{h.title} (%)")]) == answer["total"][f"{h.key}_percent"]
            ), (query, h.key)


def test_course_coverage_equals_the_dashboard(population, trust_token, api_client):
    api = api_client(trust_token.secret)
    scope = coverage_scope(population.trust_manager)
    for query in filter_sets(population):
        answer = body(api.get(COURSES, query))
        screen = course_completion(scope, as_filters(population, query))
        assert [
            (c["id"], c["required"], c["current"], c["expiring"], c["expired"], c["never"])
            for c in answer["courses"]
        ] == [
            (r.course.pk, r.required, r.current, r.expiring, r.expired, r.never)
            for r in screen.rows
        ], query


def test_a_region_token_gives_the_regions_figures_but_names_nobody(
    population, site_admin, make_token, api_client
):
    token = make_token(site_admin, population.tree["region"])
    api = api_client(token.secret)
    answer = body(api.get(COVERAGE))
    lead = coverage(coverage_scope(population.region_lead), Filters())
    assert answer["total"] == figures_of(lead.total)
    response = api.get(PEOPLE)
    assert response.status_code == 404
    assert "regions" in response.json()["detail"]
    assert body(api.get(COMPLETIONS))["results"] == []


# --- What a token sees ---------------------------------------------------------------------


def test_people_are_those_of_the_tokens_units_with_their_status(
    population, trust_token, api_client
):
    answer = body(api_client(trust_token.secret).get(PEOPLE, {"limit": 500}))
    emails = {p["email"] for p in answer["results"]}
    assert emails == {f"p{n}@example.org" for n in range(1, 10)}  # not p10, in the council
    ada = next(p for p in answer["results"] if p["name"] == "Ada Meets")
    assert ada["status"] == "meets"
    assert ada["memberships"] == [
        {"unit": "Health Visiting North", "job_role": "Health visitor", "tier": "T2"}
    ]
    assert "supervision" not in json.dumps(answer).lower()
    overdue = body(api_client(trust_token.secret).get(PEOPLE, {"status": "overdue"}))
    assert [p["name"] for p in overdue["results"]] == ["Cat Overdue"]


def test_people_pages_follow_the_cursor_without_gaps_or_repeats(
    population, trust_token, api_client
):
    api = api_client(trust_token.secret)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = body(api.get(PEOPLE, query))
        seen += [p["id"] for p in answer["results"]]
        pages += 1
        if not answer["has_more"]:
            break
        cursor = answer["next_cursor"]
    assert pages == 5
    assert seen == sorted(population.people[n].pk for n in range(1, 10))


def test_a_filter_outside_the_token_is_refused_with_a_message(population, trust_token, api_client):
    api = api_client(trust_token.secret)
    response = api.get(COVERAGE, {"unit": population.tree["family_support"].pk})
    assert response.status_code == 400
    assert "unit=" in response.json()["detail"]
    for query in ({"role": 999999}, {"tier": "x"}, {"unit": "9" * 30}, {"course": -1}):
        response = api.get(COVERAGE, query)
        assert response.status_code == 400, query
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"], query


def test_completions_feed_follows_cursors_and_picks_up_what_is_new(
    population, trust_token, api_client
):
    api = api_client(trust_token.secret)
    ids, cursor = [], None
    while True:
        answer = body(api.get(COMPLETIONS, {"limit": 2, **({"cursor": cursor} if cursor else {})}))
        ids += [c["id"] for c in answer["results"]]
        cursor = answer["next_cursor"]
        if not answer["has_more"]:
            break
    from courses.models import Completion

    trust_people = [population.people[n] for n in range(1, 10)]
    expected = list(
        Completion.objects.filter(user__in=trust_people)
        .order_by("recorded_at", "pk")
        .values_list("pk", flat=True)
    )
    assert ids == expected and len(ids) == 8
    # Nothing new: the saved cursor gives an empty page and keeps its place.
    empty = body(api.get(COMPLETIONS, {"cursor": cursor}))
    assert empty["results"] == [] and not empty["has_more"]
    # A completion recorded later (an imported one completed long ago) comes next time.
    new = complete(population.people[4], population.t1_course, valid_until=days(100))
    later = body(api.get(COMPLETIONS, {"cursor": empty["next_cursor"]}))
    assert [c["id"] for c in later["results"]] == [new.pk]
    # The council's people are not the trust token's.
    complete(population.people[10], population.t1_course, valid_until=days(100))
    assert body(api.get(COMPLETIONS, {"cursor": later["next_cursor"]}))["results"] == []


def test_completions_since_a_time(population, trust_token, api_client):
    from courses.models import Completion

    api = api_client(trust_token.secret)
    mark = timezone.now() + timedelta(seconds=1)
    Completion.objects.filter(user=population.people[9]).update(recorded_at=mark)
    answer = body(api.get(COMPLETIONS, {"since": mark.isoformat()}))
    assert [c["person_email"] for c in answer["results"]] == ["p9@example.org"]
    naive_utc = mark.astimezone(UTC).replace(tzinfo=None).isoformat()
    assert len(body(api.get(COMPLETIONS, {"since": naive_utc}))["results"]) == 1


def test_bad_cursors_are_refused_with_a_message(population, trust_token, api_client, make_token):
    api = api_client(trust_token.secret)
    good = body(api.get(COMPLETIONS, {"limit": 1}))["next_cursor"]
    other = make_token(trust_token.token.created_by, population.tree["trust"], name="Other")
    for cursor, client in (
        (good[:-2] + "xx", api),
        ("not-a-cursor", api),
        ("x" * 5000, api),
        (good, api_client(other.secret)),  # another token's cursor
    ):
        response = client.get(COMPLETIONS, {"cursor": cursor})
        assert response.status_code == 400
        assert "cursor" in response.json()["detail"]
    people_cursor = body(api.get(PEOPLE, {"limit": 1}))["next_cursor"]
    assert api.get(COMPLETIONS, {"cursor": people_cursor}).status_code == 400
    assert api.get(PEOPLE, {"cursor": good}).status_code == 400
    response = api.get(COMPLETIONS, {"since": "2024-02-30"})
    assert response.status_code == 400 and "since" in response.json()["detail"]
    both = api.get(COMPLETIONS, {"since": "2024-01-01T00:00:00Z", "cursor": good})
    assert both.status_code == 400


# --- Tokens: refusals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (None, "needs a token"),
        ("Basic abc", "Bearer"),
        ("Bearer nonsense", "malformed"),
        ("Bearer " + "a" * 150, "too long"),
        ("Bearer " + "a" * 400, "too long"),
        ("Bearer imh_abcdefghij_" + "A" * 43, "not known"),
    ],
)
def test_missing_malformed_and_unknown_tokens_get_401_json(
    population, trust_token, api_client, header, says
):
    client = api_client(**({"HTTP_AUTHORIZATION": header} if header else {}))
    response = client.get(COVERAGE)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert says in response.json()["detail"]


def test_a_wrong_secret_with_a_real_prefix_is_refused(trust_token, api_client):
    prefix = trust_token.token.prefix
    response = api_client(f"imh_{prefix}_" + "B" * 43).get(COVERAGE)
    assert response.status_code == 401


def test_revoked_and_expired_tokens_are_refused(trust_admin, trust_token, api_client):
    api = api_client(trust_token.secret)
    assert api.get(COVERAGE).status_code == 200
    services.revoke_token(token=trust_token.token, by=trust_admin)
    response = api.get(COVERAGE)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    token = trust_token.token
    ApiToken.objects.filter(pk=token.pk).update(
        revoked_at=None, expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = api.get(COVERAGE)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_a_token_reads_only_what_its_maker_still_administers(
    population, trust_admin, trust_token, api_client, site_admin
):
    from lms.workforce.models import Administrator

    grant = Administrator.objects.get(user=trust_admin)
    workforce_services.administrator_end(grant=grant, by=site_admin)
    response = api_client(trust_token.secret).get(COVERAGE)
    assert response.status_code == 403
    assert "no longer" in response.json()["detail"]


@override_settings(API_RATE_LIMIT="3/m")
def test_rate_limit_answers_429_with_retry_after(trust_token, api_client):
    api = api_client(trust_token.secret)
    assert [api.get(COVERAGE).status_code for _ in range(3)] == [200, 200, 200]
    response = api.get(COVERAGE)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many requests" in response.json()["detail"]


def test_every_use_is_in_the_audit_log(trust_token, api_client):
    api = api_client(trust_token.secret)
    api.get(COVERAGE, {"tier": 1})
    api.get(PEOPLE)
    services.revoke_token(token=trust_token.token, by=trust_token.token.created_by)
    api.get(COVERAGE)
    uses = ModelLogEntry.objects.filter(
        action=services.AUDIT_USE, object_id=str(trust_token.token.pk)
    ).order_by("timestamp", "pk")
    assert [(e.data["path"], e.data.get("refused")) for e in uses] == [
        (COVERAGE, None),
        (PEOPLE, None),
        (COVERAGE, "revoked"),
    ]
    assert uses[0].data["query"] == "tier=1"
    assert uses[0].user_id == trust_token.token.created_by_id


# --- Tokens: stored hashed, shown once --------------------------------------------------------


def test_a_token_is_stored_hashed_and_shown_once(client, population, trust_admin):
    client.force_login(trust_admin)
    page = client.get(reverse("api_tokens:list"))
    assert page.status_code == 200
    trust = population.tree["trust"]
    council = population.tree["council"]
    units = [u.pk for u in page.context["form"].fields["units"].queryset]
    assert trust.pk in units and council.pk not in units
    response = client.post(
        reverse("api_tokens:list"),
        {"name": "Power BI", "units": [trust.pk], "expires_in_days": 90},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["created"].secret
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert secret not in (token.prefix, token.secret_hash)
    assert token.secret_hash == tokens.hash_secret(tokens.parse(secret)[1])
    assert list(token.units.all()) == [trust]
    assert secret not in client.get(reverse("api_tokens:list")).content.decode()
    assert ModelLogEntry.objects.filter(action=services.AUDIT_CREATE).count() == 1


def test_bad_token_form_keeps_what_was_typed(client, population, trust_admin):
    client.force_login(trust_admin)
    response = client.post(
        reverse("api_tokens:list"),
        {"name": "Nightly load", "units": [population.tree["council"].pk], "expires_in_days": 9},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.keys() == {"units", "expires_in_days"}
    assert 'value="Nightly load"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page(client, trust_admin, trust_token, api_client):
    client.force_login(trust_admin)
    response = client.post(reverse("api_tokens:revoke", args=(trust_token.token.pk,)))
    assert response.status_code == 302
    assert api_client(trust_token.secret).get(COVERAGE).status_code == 401


def test_others_cannot_revoke_or_see_the_tokens_page(client, population, trust_token):
    client.force_login(population.trust_manager)
    assert client.get(reverse("api_tokens:list")).status_code == 404
    revoke = client.post(reverse("api_tokens:revoke", args=(trust_token.token.pk,)))
    assert revoke.status_code == 404


# --- The description ------------------------------------------------------------------------


def test_openapi_document_and_docs_page(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert set(document["paths"]) == {
        "/api/v1/coverage/",
        "/api/v1/coverage/courses/",
        "/api/v1/people/",
        "/api/v1/completions/",
    }
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "/api/v1/completions/" in docs.content.decode()


def test_coverage_query_count_does_not_grow_with_staff(
    population, trust_token, api_client, django_assert_max_num_queries
):
    api = api_client(trust_token.secret)
    api.get(COVERAGE)
    with django_assert_max_num_queries(40):
        assert api.get(COVERAGE).status_code == 200


def test_the_feed_is_streamed_in_a_constant_number_of_queries(
    population, trust_token, api_client, django_assert_max_num_queries
):
    api = api_client(trust_token.secret)
    api.get(COMPLETIONS)  # warm: content types and the maker's rights are cached
    with django_assert_max_num_queries(8):
        response = api.get(COMPLETIONS, {"limit": 1})
        assert response.streaming
        small = body(response)
    with django_assert_max_num_queries(8):
        large = body(api.get(COMPLETIONS, {"limit": 100_000}))
    assert len(small["results"]) == 1 and len(large["results"]) == 8
    assert api.get(COMPLETIONS, {"limit": 100_001}).status_code == 400
