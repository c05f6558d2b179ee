"""The catalogue at /courses/: filters by tier, competency area and "required for my role"."""

import re

import pytest
from bs4 import BeautifulSoup

from content.models import CompetencyArea, Tier
from tests.content.factories import make_course
from tests.factories import JobRoleFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [h.get_text(strip=True) for h in soup.select(".course-card__title")]


def heading(response) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    return re.sub(r"\s+", " ", soup.select_one("#results-heading").get_text()).strip()


def test_catalogue_lists_live_courses_in_framework_order_with_their_facts(loaded_mini, client):
    response = client.get("/courses/")
    assert response.status_code == 200
    assert titles(response) == ["Alpha", "Beta"]
    assert heading(response) == "2 courses"
    html = response.content.decode()
    assert "T1 Informed" in html and "T2 Skilled" in html
    assert "About 1 hour" in html  # duration
    assert "1.25 hours" in html  # CPD
    assert "Infant states, cues and communication" in html  # competency area
    assert "A short course called alpha" in html  # summary


def test_filter_by_tier(loaded_mini, client):
    response = client.get("/courses/", {"tier": "T2"})
    assert titles(response) == ["Beta"]
    assert heading(response) == "1 course match your filters"


def test_filter_by_competency_area(loaded_mini, client):
    assert titles(client.get("/courses/", {"area": "observation"})) == ["Beta"]
    assert titles(client.get("/courses/", {"area": "states-cues"})) == ["Alpha"]
    assert titles(client.get("/courses/", {"area": "law-ethics"})) == []


def test_filters_combine_and_unknown_values_are_ignored(loaded_mini, client):
    assert titles(client.get("/courses/", {"tier": "T1", "area": "observation"})) == []
    response = client.get("/courses/", {"tier": "T99", "area": "nonsense"})
    assert response.status_code == 200
    assert titles(response) == ["Alpha", "Beta"]
    assert "Select a valid choice" in response.content.decode()
    # A valid filter still applies beside an invalid one.
    assert titles(client.get("/courses/", {"tier": "T99", "area": "observation"})) == ["Beta"]


def test_required_for_my_role(loaded_mini, client, org_tree, make_member, user_factory):
    tiers = {t.code: t for t in Tier.objects.all()}
    make_course(tier=tiers["T1"], title="Optional extra", required_for_tier=False)
    make_course(tier=tiers["T3"], title="Enhanced core")
    user = user_factory()
    role = JobRoleFactory(code="hv", name="Health visitor", required_tier=tiers["T2"])
    make_member(org_tree["hv_team"], user=user, job_role=role)
    client.force_login(user)

    everything = client.get("/courses/")
    assert "Your role requires training to" in everything.content.decode()
    assert len(titles(everything)) == 4

    mine = client.get("/courses/", {"mine": "on"})
    # Core courses at T1 and T2; not the optional one, not the T3 one.
    assert titles(mine) == ["Alpha", "Beta"]
    assert mine.content.decode().count("Required for your role") == 2


def test_required_for_my_role_without_a_role_says_so(loaded_mini, client, user_factory):
    response = client.get("/courses/", {"mine": "on"})
    assert "so that we can show the courses your role requires" in response.content.decode()
    assert len(titles(response)) == 2

    client.force_login(user_factory())
    response = client.get("/courses/", {"mine": "on"})
    assert "does not have a job role with a required level" in response.content.decode()


def test_filter_form_is_a_real_labelled_form(loaded_mini, client):
    soup = BeautifulSoup(client.get("/courses/").content, "html.parser")
    form = soup.select_one("form.catalogue-filters")
    assert form["method"] == "get"
    for name in ("tier", "area", "mine"):
        control = form.find(attrs={"name": name})
        assert soup.find("label", attrs={"for": control["id"]}), name
    assert form.find("button", attrs={"type": "submit"})
    search = soup.find("form", attrs={"role": "search"})
    assert search["action"] == "/search/"
    assert soup.find("label", attrs={"for": search.find("input")["id"]})


def test_query_count_does_not_grow_with_courses(
    loaded_mini, client, django_assert_max_num_queries, org_tree, make_member, user_factory
):
    tiers = {t.code: t for t in Tier.objects.all()}
    user = user_factory()
    make_member(org_tree["hv_team"], user=user, job_role=JobRoleFactory(required_tier=tiers["T2"]))
    client.force_login(user)
    area = CompetencyArea.objects.first()

    def queries_for_catalogue():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get("/courses/", {"mine": "on"})  # the first after a publication reads the tree
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/courses/", {"mine": "on"}).status_code == 200
        return len(ctx.captured_queries)

    few = queries_for_catalogue()
    for i in range(10):
        make_course(tier=tiers[f"T{i % 2 + 1}"], areas=[area])
    many = queries_for_catalogue()
    assert many == few
    with django_assert_max_num_queries(few):
        client.get("/courses/", {"mine": "on"})
