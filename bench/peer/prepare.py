"""Run in the peer's virtual environment after ``migrate``: one course of four lessons and an
enrolled learner, signed in; prints (as JSON) the pages' paths, the learner's session cookie and
the SQL queries of one request to each page (after one to warm it)."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402 (after django.setup())
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from wagtail.models import Page  # noqa: E402
from wagtail_lms.models import CourseEnrollment, CoursePage, H5PLessonPage  # noqa: E402

PARAGRAPH = (
    "<p>Babies communicate from birth: through their gaze, their faces, their bodies and their "
    "cries they show when they are ready to engage and when they need a pause. Practitioners "
    "who notice these cues, name them for parents and wonder aloud about what the baby might "
    "be feeling help parents to see their baby as a person with a mind of their own. This "
    "section describes what to look for, gives examples from home visits and ends with a short "
    "reflection to discuss in supervision.</p>"
)


def build():
    home = Page.objects.get(depth=2)  # Wagtail's default home page, the site's root
    course = home.add_child(
        instance=CoursePage(
            title="Understanding infant cues",
            slug="understanding-infant-cues",
            description=PARAGRAPH,
        )
    )
    for n in range(1, 5):
        lesson = H5PLessonPage(
            title=f"Lesson {n}: cues in everyday care",
            slug=f"lesson-{n}",
            intro=PARAGRAPH,
            body=[("paragraph", PARAGRAPH)] * 4,
        )
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    course.save_revision().publish()
    learner = get_user_model().objects.create_user(
        username="learner", email="learner@example.org", password=os.urandom(16).hex()
    )
    CourseEnrollment.objects.create(user=learner, course=course)
    return course, learner


def queries(client, path):
    assert client.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured.captured_queries)


def main():
    course, learner = build()
    lesson = course.get_children().live().order_by("path").first()
    pages = {
        "course page (anonymous)": (False, course.url),
        "module page (enrolled)": (True, lesson.url),
        "course page (enrolled)": (True, course.url),
    }
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(learner)
    result = {"pages": {}}
    for name, (as_learner, path) in pages.items():
        counted = queries(signed_in if as_learner else anonymous, path)
        result["pages"][name] = {"path": path, "signed_in": as_learner, "queries": counted}
    # A session of its own for the load generator.
    server = Client()
    server.force_login(learner)
    result["session"] = server.cookies["sessionid"].value
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
