"""Reading experience: every page of the starter curriculum renders, every block type renders,
and pages are structured for assistive technology (one h1, headings in order)."""

import itertools

import pytest
from bs4 import BeautifulSoup
from wagtail.documents.models import Document
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from content.models import CoursePage, ModulePage
from tests.content.factories import make_course

pytestmark = pytest.mark.django_db


def assert_well_structured(html: str, where: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find("main")
    levels = [int(h.name[1]) for h in main.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert levels.count(1) == 1, where
    assert levels[0] == 1, where
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"{where}: h{before} followed by h{after}"
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), f"{where}: duplicate ids"
    for img in soup.find_all("img"):
        assert img.get("alt") is not None, where
    return soup


def test_every_page_of_the_starter_curriculum_renders(full_curriculum, client):
    response = client.get("/courses/")
    assert response.status_code == 200
    assert_well_structured(response.content.decode(), "catalogue")
    courses = CoursePage.objects.live()
    assert courses.count() == 19
    for course in courses:
        response = client.get(course.url)
        assert response.status_code == 200, course.url
        soup = assert_well_structured(response.content.decode(), course.url)
        assert soup.h1.get_text(strip=True) == course.title
        for module in course.modules():
            response = client.get(module.url)
            assert response.status_code == 200, module.url
            soup = assert_well_structured(response.content.decode(), module.url)
            assert soup.h1.get_text(strip=True) == module.title
    assert client.get("/accessibility-statement/").status_code == 200


def test_module_page_shows_position_navigation_and_breadcrumbs(full_curriculum, client):
    course = CoursePage.objects.get(slug="states-and-cues")
    modules = list(course.modules())
    soup = BeautifulSoup(client.get(modules[1].url).content, "html.parser")

    crumbs = [a.get_text(strip=True) for a in soup.select(".breadcrumbs a")]
    assert crumbs == ["Courses", course.title, modules[1].title]
    assert "Module 2 of 4" in soup.select_one(".lesson__position").get_text()
    assert soup.find("a", rel="prev")["href"] == modules[0].url
    assert soup.find("a", rel="next")["href"] == modules[2].url
    current = soup.select_one(".course-contents a[aria-current=page]")
    assert current.get_text(strip=True) == modules[1].title
    assert f"About {modules[1].estimated_minutes} minutes" in soup.get_text()

    # The last module leads back to the course.
    soup = BeautifulSoup(client.get(modules[-1].url).content, "html.parser")
    assert not soup.find("a", rel="next")
    assert "Back to the course" in soup.select_one(".pager").get_text()


def test_states_and_cues_blocks_render_as_accessible_cards(full_curriculum, client):
    course = CoursePage.objects.get(slug="states-and-cues")
    six_states, cues, _, talking = list(course.modules())

    soup = BeautifulSoup(client.get(six_states.url).content, "html.parser")
    cards = soup.select(".state-card")
    assert [c.h3.get_text(strip=True) for c in cards] == [
        "Deep sleep",
        "Light (active) sleep",
        "Drowsy",
        "Quiet alert",
        "Active alert",
        "Crying",
    ]
    assert [dt.get_text() for dt in cards[3].find_all("dt")] == [
        "What you see",
        "What it means",
        "How to respond",
    ]
    reflection = soup.select_one(".reflection")
    assert reflection["id"] == f"block-{six_states.reflection_blocks()[0].id}"

    soup = BeautifulSoup(client.get(cues.url).content, "html.parser")
    kinds = [
        c.select_one(".cue-card__kind").get_text(" ", strip=True) for c in soup.select(".cue-card")
    ]
    assert "Cue type: Disengagement Strength: Subtle" in kinds
    # The inline self-check reveals feedback per option without any server state.
    check = soup.select_one(".self-check")
    options = check.select("details.self-check__option")
    assert len(options) == 3
    assert "Correct." in options[0].get_text() and "Not correct." in options[1].get_text()

    soup = BeautifulSoup(client.get(talking.url).content, "html.parser")
    scenario = soup.select_one(".case-scenario")
    assert (
        scenario.select_one("details summary")
        .get_text(" ", strip=True)
        .startswith("Show the commentary")
    )


def test_image_video_and_resource_blocks_render(full_curriculum, client):
    image = Image.objects.create(title="Face to face", file=get_test_image_file())
    document = Document.objects.create(title="Cue cards to print")
    from django.core.files.base import ContentFile

    document.file.save("cue-cards.pdf", ContentFile(b"%PDF-1.4 test"))
    video_url = "https://www.youtube.com/watch?v=abc123"
    Embed.objects.create(
        hash=get_embed_hash(video_url),
        url=video_url,
        max_width=None,
        type="video",
        html=(
            '<iframe src="https://www.youtube-nocookie.com/embed/abc123" title="Baby cues">'
            "</iframe>"
        ),
        title="Baby cues",
        thumbnail_url="",
        width=640,
        height=360,
    )
    course = CoursePage.objects.get(slug="states-and-cues")
    module = ModulePage(
        title="Media module",
        slug="media-module",
        live=False,
        body=[
            {
                "type": "image",
                "value": {
                    "image": image.pk,
                    "alt_text": "A mother and baby gaze at each other.",
                    "caption": "Face to face, about 25 cm apart.",
                },
            },
            {
                "type": "video",
                "value": {
                    "video": video_url,
                    "title": "Reading cues together",
                    "transcript": "<p>The transcript of the film.</p>",
                },
            },
            {
                "type": "resource",
                "value": {
                    "document": document.pk,
                    "title": "",
                    "description": "Print these for a parents' group.",
                },
            },
            {
                "type": "quote",
                "value": {
                    "text": "Babies are communicating all the time.",
                    "attribution": "Course team",
                },
            },
        ],
    )
    course.add_child(instance=module)
    module.save_revision().publish()

    response = client.get(module.url)
    assert response.status_code == 200
    soup = assert_well_structured(response.content.decode(), module.url)
    assert soup.select_one(".lesson-figure img")["alt"] == "A mother and baby gaze at each other."
    assert "youtube-nocookie.com/embed/abc123" in response.content.decode()
    assert "The transcript of the film." in soup.select_one(".lesson-video details").get_text()
    link = soup.select_one(".resource a")
    assert link.get_text(strip=True) == "Cue cards to print"
    assert "PDF" in soup.select_one(".resource__meta").get_text()
    assert "Babies are communicating all the time." in soup.select_one("blockquote").get_text()


def test_course_page_shows_facts_outcomes_and_modules(full_curriculum, client):
    course = CoursePage.objects.get(slug="observing-parent-infant-interaction")
    soup = BeautifulSoup(client.get(course.url).content, "html.parser")
    facts = soup.select_one(".course-facts").get_text(" ", strip=True)
    assert "T2 Skilled" in facts
    assert "Pass mark 80%" in facts
    assert "After 2 years" in facts
    assert "Understanding Babies: States and Cues" in facts  # prerequisite
    modules = [a.get_text(strip=True) for a in soup.select(".module-list__link")]
    assert modules == [m.title for m in course.modules()]
    assert len(soup.select("#outcomes-heading + p + ul li")) == len(course.learning_outcomes)


def test_course_page_query_count_does_not_grow_with_modules(
    loaded_mini, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from content.models import Tier

    tier = Tier.objects.get(code="T1")
    small = make_course(tier=tier, modules=1)
    large = make_course(tier=tier, modules=8)
    counts = []
    for course in (small, large):
        client.get(course.url)  # the first request after a publication reads the page tree
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(course.url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    module = large.modules().last()
    with CaptureQueriesContext(connection) as ctx:
        client.get(small.modules().first().url)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        client.get(module.url)
