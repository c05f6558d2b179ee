"""Training history import: completions from a previous system, mapped to catalogue courses,
counted in standing and coverage, marked "imported", with no certificate; idempotent."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from certificates.models import Certificate
from courses import history
from courses.models import Completion, CourseMapping, Enrolment, TierStanding
from courses.services import enrol_required_courses
from lms.reports.models import CoverageEntry
from lms.workforce import services
from lms.workforce.models import Membership, StaffImport, StaffNumber
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,course,completed_on,expires_on\n"


@pytest.fixture
def setup(org_tree, make_member, framework_tiers):
    t1 = framework_tiers["T1"]
    course = make_course(title="Attachment Essentials", tier=t1)
    role = JobRoleFactory(code="support", name="Family support worker", required_tier=t1)
    manager = make_member(org_tree["trust"], is_manager=True, job_role=None).user
    person = UserFactory(email="asha@example.org")
    Membership.objects.create(
        user=person, unit=org_tree["hv_team"], job_role=role, start_date=date(2024, 1, 1)
    )
    enrol_required_courses(user=person)  # what starting in the role does
    CourseMapping.objects.create(external_code="IMH-ATT-01", course=course)
    return {"course": course, "manager": manager, "person": person, "org": org_tree["trust"]}


def run(manager, content, django_capture_on_commit_callbacks, **options):
    checked = history.history_import_check(
        uploaded_by=manager, filename="history.csv", content=content, **options
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_import_confirm(staff_import=checked, by=manager)
    return StaffImport.objects.get(pk=checked.pk)


def test_an_imported_completion_meets_the_requirement_without_a_certificate(
    setup, django_capture_on_commit_callbacks
):
    done_on = timezone.localdate() - timedelta(days=200)
    content = HEADER + f"asha@example.org,IMH-ATT-01,{done_on.isoformat()},\n"
    result = run(setup["manager"], content, django_capture_on_commit_callbacks)
    assert result.status == StaffImport.Status.IMPORTED and result.counts["new"] == 1
    completion = Completion.objects.get(user=setup["person"])
    assert completion.source == Completion.Source.IMPORTED
    assert completion.completed_at.date() == done_on
    # The open enrolment from the role is closed by it: nothing left to do.
    enrolment = Enrolment.objects.get(user=setup["person"], course=setup["course"])
    assert enrolment.status == Enrolment.Status.COMPLETED and enrolment.is_current
    assert enrolment.completed_at == completion.completed_at
    assert TierStanding.objects.filter(user=setup["person"]).exists()
    entry = CoverageEntry.objects.get(user=setup["person"])
    assert entry.standing_until is not None
    assert not Certificate.objects.exists()


def test_reimporting_the_same_history_changes_nothing(setup, django_capture_on_commit_callbacks):
    content = HEADER + "asha@example.org,IMH-ATT-01,2025-03-01,\n"
    run(setup["manager"], content, django_capture_on_commit_callbacks)
    again = run(setup["manager"], content, django_capture_on_commit_callbacks)
    assert again.counts == again.counts | {"new": 0, "unchanged": 1}
    assert Completion.objects.count() == 1 and Enrolment.objects.count() == 1


def test_an_expired_record_is_history_and_does_not_close_the_open_enrolment(
    setup, django_capture_on_commit_callbacks
):
    content = HEADER + "asha@example.org,Attachment Essentials,2015-03-01,2018-03-01\n"
    run(setup["manager"], content, django_capture_on_commit_callbacks)
    completion = Completion.objects.get(user=setup["person"])
    assert completion.valid_until == date(2018, 2, 28)
    assert not completion.enrolment.is_current
    open_one = Enrolment.objects.get(user=setup["person"], is_current=True)
    assert open_one.status == Enrolment.Status.ACTIVE
    assert not TierStanding.objects.filter(user=setup["person"]).exists()


def test_rows_with_problems_are_reported_and_nothing_half_written(setup):
    StaffNumber.objects.create(organisation=setup["org"], number="E100", user=setup["person"])
    content = "staff_number,email,course,completed_on\n" + (
        "E100,,IMH-ATT-01,2025-01-01\n"
        ",nobody@example.org,IMH-ATT-01,2025-01-01\n"
        ",asha@example.org,UNKNOWN-9,2025-01-01\n"
        ",asha@example.org,IMH-ATT-01,2099-01-01\n"
        ",asha@example.org,IMH-ATT-01,not a date\n"
        "E100,,IMH-ATT-01,2025-01-01\n"
    )
    checked = history.history_import_check(
        uploaded_by=setup["manager"], filename="h.csv", content=content, organisation=setup["org"]
    )
    errors = {r["line"]: " ".join(r["errors"]) for r in checked.report["rows"] if r["errors"]}
    assert "No one here has this email" in errors[3]
    assert "No course is known as 'UNKNOWN-9'" in errors[4]
    assert "in the future" in errors[5]
    assert "is not a date" in errors[6]
    assert "Repeats line 2" in errors[7]
    assert checked.report["good"] == 1 and checked.report["counts"]["new"] == 1
    assert not Completion.objects.exists()


def test_the_history_upload_page_checks_then_shows_the_preview(client, setup):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(setup["manager"])
    upload = SimpleUploadedFile(
        "h.csv", (HEADER + "asha@example.org,IMH-ATT-01,2025-03-01,\n").encode("cp1252")
    )
    response = client.post(reverse("workforce:import_history"), {"file": upload})
    checked = StaffImport.objects.get()
    assert response.url == reverse("workforce:import_detail", args=[checked.pk])
    page = client.get(response.url).content.decode()
    assert "Training history import" in page and "Completions to record: <strong>1" in page
    assert not Completion.objects.exists()


def test_the_competence_export_lists_current_completions_by_staff_number(
    client, setup, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    CourseMapping.objects.filter(external_code="IMH-ATT-01").update(
        competence_name="NHS|IMH|Attachment Essentials|"
    )
    StaffNumber.objects.create(organisation=setup["org"], number="E100", user=setup["person"])
    done_on = timezone.localdate() - timedelta(days=30)
    run(
        setup["manager"],
        HEADER + f"asha@example.org,IMH-ATT-01,{done_on.isoformat()},\n",
        django_capture_on_commit_callbacks,
    )
    client.force_login(setup["manager"])
    url = reverse("reports:competence_export", args=[setup["org"].pk])
    response = client.get(url)
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Staff Number,Name,Email,Competence Name,Course,Achievement Date")
    assert lines[1].startswith(f"E100,{setup['person'].display_name},asha@example.org,")
    assert "NHS|IMH|Attachment Essentials|" in lines[1] and done_on.isoformat() in lines[1]
    assert lines[1].endswith(",Imported") and len(lines) == 2
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
