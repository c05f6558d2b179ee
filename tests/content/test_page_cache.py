"""Pages served from the cached page tree and, to anonymous visitors, from the page cache: a
publication (or an unpublication) shows at once, and signed-in people never get a page cached
for someone else."""

from contextlib import contextmanager

import pytest
from django.db import connection, reset_queries
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


# --- The lesson body: one rendering shared by every learner -------------------------------------


def _lesson(course, text):
    (module,) = modules_of(course)
    module.body = [
        {"type": "text", "value": f"<p>{text}</p>"},
        {"type": "key_points", "value": {"points": ["Babies signal when they need a pause."]}},
    ]
    module.save_revision().publish()
    return type(module).objects.get(pk=module.pk)


@contextmanager
def block_renders():
    """The lesson block templates rendered meanwhile (Django's test instrumentation)."""
    rendered = []

    def record(sender, template, context, **kwargs):
        if (template.name or "").startswith("content/blocks/"):
            rendered.append(template.name)

    template_rendered.connect(record)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(record)


def test_a_lesson_body_is_rendered_once_and_reused_for_every_learner(client, user_factory):
    course = make_course(title="Attachment Essentials", modules=1)
    module = _lesson(course, "Watch for the turn of the head.")
    learners = [user_factory() for _ in range(3)]
    with block_renders() as rendered:
        for learner in learners:
            services.enrol(user=learner, course=course)
            client.force_login(learner)
            page = client.get(module.url).content.decode()
            assert "Watch for the turn of the head." in page
            assert "Babies signal when they need a pause." in page
    assert len(rendered) == 2  # two blocks, rendered for the first learner only


def test_a_published_edit_to_a_lesson_reaches_signed_in_learners_at_once(client, user_factory):
    course = make_course(title="Attachment Essentials", modules=1)
    module = _lesson(course, "Watch for the turn of the head.")
    learner = user_factory()
    services.enrol(user=learner, course=course)
    client.force_login(learner)
    client.get(module.url)

    _lesson(course, "Notice the gaze aversion.")

    page = client.get(module.url).content.decode()
    assert "Notice the gaze aversion." in page
    assert "Watch for the turn of the head." not in page


def test_the_parts_about_the_learner_are_never_shared(client, user_factory):
    course = make_course(title="Attachment Essentials", modules=1)
    module = _lesson(course, "Watch for the turn of the head.")
    done, other = user_factory(), user_factory()
    for learner in (done, other):
        services.enrol(user=learner, course=course)
    client.force_login(done)
    client.post(reverse("courses:module_complete", args=[module.pk]))
    assert "You have completed this module" in client.get(module.url).content.decode()

    client.force_login(other)
    page = client.get(module.url).content.decode()
    assert "Finish this module" in page
    assert "You have completed this module" not in page
    assert "Watch for the turn of the head." in page


def test_a_reflection_stays_private_to_the_learner_who_wrote_it(client, user_factory):
    course = make_course(title="Attachment Essentials", modules=1)
    (module,) = modules_of(course)
    module.body = [
        {"type": "text", "value": "<p>Watch for the turn of the head.</p>"},
        {"type": "reflection", "value": {"prompt": "What did you notice?", "guidance": ""}},
    ]
    module.save_revision().publish()
    module = type(module).objects.get(pk=module.pk)
    writer, reader = user_factory(), user_factory()
    for learner in (writer, reader):
        services.enrol(user=learner, course=course)
    block_id = next(block.id for block in module.body if block.block_type == "reflection")
    client.force_login(writer)
    client.get(module.url)
    client.post(
        reverse("courses:reflection_save", args=[module.pk]),
        {f"reflection-{block_id}": "My own private thought about the family.", "save": block_id},
    )
    assert "My own private thought" in client.get(module.url).content.decode()

    client.force_login(reader)
    page = client.get(module.url).content.decode()
    assert "Watch for the turn of the head." in page
    assert "My own private thought" not in page


def test_a_lesson_with_a_reflection_is_shared_but_each_answer_is_rendered_per_learner(
    client, user_factory
):
    course = make_course(title="Attachment Essentials", modules=1)
    (module,) = modules_of(course)
    module.body = [
        {"type": "text", "value": "<p>Watch for the turn of the head.</p>"},
        {"type": "reflection", "value": {"prompt": "What did you notice?", "guidance": ""}},
    ]
    module.save_revision().publish()
    module = type(module).objects.get(pk=module.pk)
    block_id = next(block.id for block in module.body if block.block_type == "reflection")
    learners = [user_factory() for _ in range(3)]
    with block_renders() as rendered:
        for number, learner in enumerate(learners):
            services.enrol(user=learner, course=course)
            client.force_login(learner)
            client.post(
                reverse("courses:reflection_save", args=[module.pk]),
                {f"reflection-{block_id}": f"Answer number {number}.", "save": block_id},
            )
            page = client.get(module.url).content.decode()
            assert "Watch for the turn of the head." in page
            assert "What did you notice?" in page
            assert f"Answer number {number}." in page
            assert all(f"Answer number {n}." not in page for n in range(3) if n != number)
            # The field sits inside the reflection's own section, in the order written.
            assert page.index("What did you notice?") < page.index(f"Answer number {number}.")
    assert sorted(rendered) == ["content/blocks/reflection.html", "content/blocks/text.html"]


def test_a_course_page_shares_its_content_but_not_the_learners_panel(client, user_factory):
    course = make_course(title="Attachment Essentials", modules=2)
    enrolled, browsing = user_factory(), user_factory()
    services.enrol(user=enrolled, course=course)
    client.force_login(enrolled)
    assert "Start the course" in client.get(course.url).content.decode()

    client.force_login(browsing)
    page = client.get(course.url).content.decode()
    assert "Enrol on this course" in page and "Start the course" not in page

    course.summary = "A new summary, published."
    course.save_revision().publish()
    for learner in (enrolled, browsing):
        client.force_login(learner)
        assert "A new summary, published." in client.get(course.url).content.decode()


def test_a_lesson_is_read_from_the_database_once_per_publication(client, user_factory):
    course = make_course(title="Attachment Essentials", modules=1)
    module = _lesson(course, "Watch for the turn of the head.")
    learner = user_factory()
    services.enrol(user=learner, course=course)
    client.force_login(learner)

    def lesson_reads():
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            page = client.get(module.url).content.decode()
        whole = f'"content_modulepage"."page_ptr_id" = {module.pk}'  # this page, every field
        return page, [q["sql"] for q in queries if whole in q["sql"]]

    client.get(module.url)
    page, reads = lesson_reads()
    assert "Watch for the turn of the head." in page
    assert reads == []  # kept by this process since the first request

    _lesson(course, "Notice the gaze aversion.")
    page, reads = lesson_reads()
    assert "Notice the gaze aversion." in page
    assert len(reads) == 1  # the new revision, read once
    page, reads = lesson_reads()
    assert "Notice the gaze aversion." in page
    assert reads == []
