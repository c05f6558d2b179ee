"""Pages served from the cached page tree and, to anonymous visitors, from the page cache: a
publication (or an unpublication) shows at once, and signed-in people never get a page cached
for someone else."""

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from content.models import HomePage
from courses import services
from tests.courses.factories import make_course, modules_of

pytestmark = pytest.mark.django_db


def _warm_get(client, url):
    client.get(url)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_anonymous_course_page_is_served_from_the_cache_until_republished(client):
    course = make_course(title="Attachment Essentials")
    response, queries = _warm_get(client, course.url)
    assert response.status_code == 200 and queries == 0
    assert "Attachment Essentials" in response.content.decode()

    course.title = "Attachment in Practice"
    course.save_revision().publish()

    page = client.get(course.url).content.decode()
    assert "<h1>Attachment in Practice</h1>" in page
    assert "<h1>Attachment Essentials</h1>" not in page


def test_the_catalogue_shows_a_newly_published_course_at_once(client):
    make_course(title="Attachment Essentials")
    _warm_get(client, "/courses/")

    make_course(title="Understanding Babies")

    assert "Understanding Babies" in client.get("/courses/").content.decode()


def test_the_home_page_shows_a_published_edit_at_once(client):
    home = HomePage.objects.get()
    _warm_get(client, "/")

    home.intro = "<p>Every baby met by someone who understands.</p>"
    home.save_revision().publish()

    assert "Every baby met by someone who understands." in client.get("/").content.decode()


def test_an_unpublished_course_is_gone_at_once(client):
    course = make_course(title="Attachment Essentials")
    _warm_get(client, course.url)

    course.unpublish()

    assert client.get(course.url).status_code == 404
    assert "Attachment Essentials" not in client.get("/courses/").content.decode()


def test_signed_in_learners_never_get_the_anonymous_page(client, user_factory):
    course = make_course(title="Attachment Essentials")
    _warm_get(client, course.url)  # cached for anonymous visitors
    learner = user_factory()
    services.enrol(user=learner, course=course)
    client.force_login(learner)

    page = client.get(course.url).content.decode()

    assert "Start the course" in page and "to enrol on this course" not in page


def test_module_navigation_follows_a_published_module_at_once(client, user_factory):
    course = make_course(title="Attachment Essentials", modules=2)
    first, second = modules_of(course)
    learner = user_factory()
    services.enrol(user=learner, course=course)
    client.force_login(learner)
    _warm_get(client, first.url)

    second.title = "Reading the cues"
    second.save_revision().publish()

    page = client.get(first.url).content.decode()
    assert "Reading the cues" in page
    assert "Module 1 of 2" in page
