"""Search across live courses and modules (Wagtail's database search backend)."""

import pytest
from bs4 import BeautifulSoup

from content import views
from content.models import CoursePage, ModulePage

pytestmark = pytest.mark.django_db


def result_titles(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [h.get_text(strip=True) for h in soup.select(".search-results__title")]


def test_search_finds_modules_by_their_lesson_text(loaded_mini, client):
    response = client.get("/search/", {"q": "clusters"})
    assert response.status_code == 200
    assert sorted(result_titles(response)) == ["Second module of alpha", "Second module of beta"]
    assert "Module of" in response.content.decode()


def test_search_finds_courses_by_their_summary(loaded_mini, client):
    titles = result_titles(client.get("/search/", {"q": "course called beta"}))
    assert "Beta" in titles


def test_search_shows_only_live_pages(loaded_mini, client):
    module = ModulePage.objects.get(title="Third module of alpha")
    module.unpublish()
    assert "Third module of alpha" not in result_titles(client.get("/search/", {"q": "parents"}))
    # Draft changes are not searchable until published.
    course = CoursePage.objects.get(slug="alpha")
    course.summary = "Zebra crossings"
    course.save_revision()
    assert result_titles(client.get("/search/", {"q": "zebra"})) == []


def test_empty_search_shows_the_labelled_form(client, db):
    response = client.get("/search/")
    soup = BeautifulSoup(response.content, "html.parser")
    field = soup.find("input", attrs={"name": "q"})
    assert soup.find("label", attrs={"for": field["id"]})
    assert not soup.select(".search-results")


def test_search_results_are_paginated(loaded_mini, client, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 2)
    first = client.get("/search/", {"q": "module"})
    assert len(result_titles(first)) == 2
    assert "Page 1 of" in first.content.decode()
    second = client.get("/search/", {"q": "module", "page": 2})
    assert len(result_titles(second)) == 2
    assert set(result_titles(first)).isdisjoint(result_titles(second))
    assert client.get("/search/", {"q": "module", "page": "x"}).status_code == 200
    assert client.get("/search/", {"q": "module", "page": 999}).status_code == 200


@pytest.mark.parametrize("typed", ["\x01", "clusters\x1b", 'clusters "', "'", "(clusters", "*"])
def test_search_with_stray_characters_answers_a_page_not_an_error(loaded_mini, client, typed):
    response = client.get("/search/", {"q": typed, "page": "last"})
    assert response.status_code == 200
    if typed.startswith("clusters"):
        assert "Second module of alpha" in result_titles(response)


def test_quoted_words_are_searched_as_a_phrase(loaded_mini, client):
    assert "Beta" in result_titles(client.get("/search/", {"q": '"course called beta"'}))
    assert result_titles(client.get("/search/", {"q": '"beta called course"'})) == []


def test_search_with_a_nul_character_is_a_bad_request(loaded_mini, client):
    assert client.get("/search/", {"q": "clusters\x00"}).status_code == 400
