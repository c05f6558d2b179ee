"""Regression tests for the server errors the fuzz suite found, each with the input that
caused it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from content.models import CoursePage
from lms.workforce.models import Membership
from supervision.models import SupervisionAgreement

pytestmark = pytest.mark.django_db

User = get_user_model()
TOO_BIG = 2**63  # one more than SQLite's largest integer


# --- ``next`` that is not a path: redirect() took it for a URL name (NoReverseMatch, a 500) ---


@pytest.mark.parametrize("target", ["0", "learn", "courses:dashboard", "evil.example.org"])
def test_enrol_ignores_a_next_that_is_not_a_path(world, client, target):
    client.force_login(world.users["other_practitioner"])
    response = client.post(reverse("courses:enrol", args=[world.course.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == world.course.url


def test_enrol_still_follows_a_path_on_this_site(world, client):
    client.force_login(world.users["other_practitioner"])
    response = client.post(reverse("courses:enrol", args=[world.course.pk]), {"next": "/learn/"})
    assert response["Location"] == "/learn/"


@pytest.mark.parametrize("target", ["0", "home", "supervision:home"])
def test_action_status_ignores_a_next_that_is_not_a_path(world, client, target):
    client.force_login(world.p)
    response = client.post(
        reverse("supervision:action_status", args=[world.action.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:session", args=[world.signed_session.pk])


# --- Integers beyond 64 bits reached SQLite (OverflowError, a 500) ---------------------------


@pytest.mark.parametrize(
    ("role", "method", "name"),
    [
        ("practitioner", "post", "courses:enrol"),
        ("practitioner", "get", "courses:knowledge_check"),
        ("practitioner", "post", "courses:module_complete"),
        ("practitioner", "post", "courses:reflection_save"),
        ("trainer", "get", "reports:course_analytics"),
    ],
)
def test_page_ids_beyond_64_bits_are_not_found(world, client, role, method, name):
    """A page's pk is its ``page_ptr`` relation, which Django did not range-check."""
    client.force_login(world.users[role])
    response = getattr(client, method)(reverse(name, args=[TOO_BIG]))
    assert response.status_code == 404


def test_filters_with_an_id_beyond_64_bits_are_invalid_not_a_crash(world, client):
    client.force_login(world.users["manager"])
    response = client.get(reverse("reports:dashboard"), {"course": TOO_BIG})
    assert response.status_code == 200
    response = client.get(reverse("reports:people"), {"course": TOO_BIG, "unit": TOO_BIG})
    assert response.status_code == 200


def test_choice_of_several_ids_beyond_64_bits_is_refused(world, client):
    """``ModelMultipleChoiceField`` looks its values up with ``pk__in``, which Django did not
    range-check either."""
    client.force_login(world.users["supervisor"])
    before = SupervisionAgreement.objects.count()
    response = client.post(
        reverse("supervision:agreement_create"),
        {
            "supervisees": [str(TOO_BIG), str(world.users["other_practitioner"].pk)],
            "type": "reflective",
            "format": "individual",
            "modality": "in_person",
            "frequency": "monthly",
            "start_date": "2026-01-01",
            "review_date": "2026-06-01",
            "confidentiality": "Usual terms.",
            "submission_key": "6f1c8a52-6c4c-4f39-a1a8-0b8f0f4a8e11",
        },
    )
    assert response.status_code == 200
    assert SupervisionAgreement.objects.count() == before


def test_integer_lookups_beyond_the_column_match_nothing(world):
    p = world.p
    assert not CoursePage.objects.filter(pk=TOO_BIG).exists()
    assert not CoursePage.objects.filter(pk__in=[TOO_BIG]).exists()
    assert list(CoursePage.objects.filter(pk__in=[TOO_BIG, world.course.pk])) == [world.course]
    assert not User.objects.filter(pk__in=[TOO_BIG, -TOO_BIG - 2]).exists()
    assert User.objects.exclude(pk__in=[TOO_BIG]).count() == User.objects.count()
    assert not Membership.objects.filter(user=TOO_BIG).exists()
    assert not Membership.objects.filter(user__in=[TOO_BIG]).exists()
    assert Membership.objects.filter(user__in=[TOO_BIG, p.pk]).count() == 1


# --- NUL characters reached PostgreSQL, which refuses them in text (DataError, a 500) ----------


@pytest.mark.parametrize(
    "address",
    [
        "/certificates/%00/pdf/",
        "/certificates/verify/%00abc/",
        "/search/?q=%00",
        "/reports/people/?course=%00",
        "/learn/?next=%00",
    ],
)
def test_an_address_with_a_nul_character_is_a_bad_request(world, client, address):
    client.force_login(world.p)
    response = client.get(address)
    assert response.status_code == 400
    assert "Content-Security-Policy" in response


def test_nul_characters_in_a_staff_file_are_reported_where_they_are(world):
    """A NUL in the heading line means the file is not text; one in a row is that row's
    problem, and the other rows are still checked."""
    from lms.workforce import services

    manager = world.users["manager"]
    heading = services.staff_import_check(
        uploaded_by=manager,
        filename="staff.csv",
        content="email\x00,name,unit,job_role\nx@example.org,X,mx-team-a,mx-hv\n",
    )
    assert "NUL" in heading.report["problems"][0] and not heading.report["rows"]
    row = services.staff_import_check(
        uploaded_by=manager,
        filename="staff.csv",
        content="email,name,unit,job_role\nx@example.org,X\x00,mx-team-a,mx-hv\n"
        "y@example.org,Y,mx-team-a,mx-hv\n",
    )
    errors = {r["line"]: r["errors"] for r in row.report["rows"] if r["errors"]}
    assert list(errors) == [2] and "NUL" in errors[2][0]
    assert "\x00" not in row.content


def test_a_staff_file_name_keeps_no_control_characters(world):
    from lms.workforce import services

    checked = services.staff_import_check(
        uploaded_by=world.users["manager"],
        filename="staff\x00\x1b list.csv",
        content="email,name,unit,job_role\nx@example.org,X,mx-team-a,mx-hv\n",
    )
    assert checked.filename == "staff list.csv"


@pytest.mark.parametrize("name", ["courses:reflection_save", "courses:module_complete"])
def test_a_reflection_keeps_its_text_without_nul_characters(world, client, name):
    from courses.models import Reflection

    client.force_login(world.p)
    block = world.module.reflection_blocks()[0]
    response = client.post(
        reverse(name, args=[world.module.pk]),
        {f"reflection-{block.id}": "What I noticed\x00 about the baby's cues", "save": block.id},
    )
    assert response.status_code == 302
    saved = Reflection.objects.get(user=world.p, module=world.module, block_id=block.id)
    assert saved.text == "What I noticed about the baby's cues"


# --- Thousands of digits: int() refuses them (ValueError, a 500) -------------------------------

THOUSANDS_OF_DIGITS = "1" * 5001


def test_a_unit_filter_of_thousands_of_digits_is_ignored(world, client):
    client.force_login(world.users["manager"])
    response = client.get(reverse("reports:dashboard"), {"unit": THOUSANDS_OF_DIGITS})
    assert response.status_code == 200


def test_a_certificate_reference_of_thousands_of_digits_is_not_found(world, client):
    client.force_login(world.p)
    response = client.get(reverse("certificates:pdf", args=[THOUSANDS_OF_DIGITS]))
    assert response.status_code == 404
