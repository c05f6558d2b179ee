"""Prior and external learning: recorded by the practitioner with evidence checked by its
content, decided by a verifier, counted as a completion when recognised; private to the person,
their managers and verifiers; every decision audited and told."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certificates.models import Certificate
from courses import prior_learning
from courses.models import Completion, Enrolment, PriorLearning, TierStanding
from courses.services import enrol_required_courses
from lms.reports.models import CoverageEntry
from lms.workforce.models import Membership
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(org_tree, make_member, framework_tiers):
    t1 = framework_tiers["T1"]
    course = make_course(title="Attachment Essentials", tier=t1)
    role = JobRoleFactory(code="support", name="Family support worker", required_tier=t1)
    person = UserFactory(display_name="Priya Shah")
    Membership.objects.create(
        user=person, unit=org_tree["hv_team"], job_role=role, start_date=date(2024, 1, 1)
    )
    enrol_required_courses(user=person)
    manager = make_member(org_tree["trust"], is_manager=True, job_role=None).user
    stranger = make_member(org_tree["council"], is_manager=True, job_role=None).user
    return {"course": course, "person": person, "manager": manager, "stranger": stranger}


def claim_for(world, **extra):
    return prior_learning.record(
        user=world["person"],
        title="Infant mental health foundations",
        provider="County training hub",
        completed_on=timezone.localdate() - timedelta(days=60),
        hours=Decimal("6"),
        course=world["course"],
        evidence=SimpleUploadedFile("certificate.pdf", PDF),
        **extra,
    )


def test_a_practitioner_records_and_claims_through_the_page(client, world):
    client.force_login(world["person"])
    response = client.post(
        reverse("courses:prior_learning"),
        {
            "title": "Infant mental health foundations",
            "provider": "County training hub",
            "completed_on": "2025-06-01",
            "hours": "6",
            "course": world["course"].pk,
            "evidence": SimpleUploadedFile("certificate.pdf", PDF),
        },
    )
    assert response.status_code == 302
    claim = PriorLearning.objects.get()
    assert claim.status == PriorLearning.Status.CLAIMED and claim.evidence_type == "application/pdf"
    page = client.get(reverse("courses:prior_learning")).content.decode()
    assert "Waiting for a decision" in page
    assert ModelLogEntry.objects.filter(action=prior_learning.AUDIT_RECORD).exists()


def test_evidence_is_checked_by_its_content_and_the_form_keeps_what_was_typed(client, world):
    client.force_login(world["person"])
    response = client.post(
        reverse("courses:prior_learning"),
        {
            "title": "Newborn behaviour day",
            "provider": "Hospital education centre",
            "completed_on": "2025-06-01",
            "hours": "7",
            "evidence": SimpleUploadedFile("certificate.pdf", b"MZ\x90\x00not a pdf"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "must be a PDF, JPEG or PNG" in page
    assert 'value="Newborn behaviour day"' in page and 'value="Hospital education centre"' in page
    assert not PriorLearning.objects.exists()


def test_an_oversized_evidence_file_is_refused(world, monkeypatch):
    monkeypatch.setattr(prior_learning, "EVIDENCE_MAX_BYTES", 10)
    with pytest.raises(Exception, match="the most is 10 MB"):
        claim_for(world)


def test_approval_counts_as_a_completion_of_the_course_without_a_certificate(
    world, django_capture_on_commit_callbacks
):
    claim = claim_for(world)
    expires = timezone.localdate() + timedelta(days=365)
    with django_capture_on_commit_callbacks(execute=True):
        prior_learning.decide(claim=claim, by=world["manager"], approve=True, expires_on=expires)
    completion = Completion.objects.get(user=world["person"])
    assert completion.source == Completion.Source.PRIOR_LEARNING
    assert completion.valid_until == expires - timedelta(days=1)
    enrolment = Enrolment.objects.get(user=world["person"], course=world["course"])
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert TierStanding.objects.filter(user=world["person"]).exists()
    assert CoverageEntry.objects.get(user=world["person"]).standing_until is not None
    assert not Certificate.objects.exists()
    assert [m.to for m in mail.outbox] == [[world["person"].email]]
    assert "recognised" in mail.outbox[0].subject
    assert ModelLogEntry.objects.filter(action=prior_learning.AUDIT_APPROVE).exists()
    # A second verifier's click changes nothing.
    prior_learning.decide(claim=claim, by=world["manager"], approve=True, expires_on=expires)
    assert Completion.objects.count() == 1


def test_a_rejection_needs_a_reason_and_tells_the_practitioner(
    client, world, django_capture_on_commit_callbacks
):
    claim = claim_for(world)
    client.force_login(world["manager"])
    url = reverse("courses:prior_learning_decide", args=[claim.pk])
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "reject", "reason": "The course covered feeding only."})
    claim.refresh_from_db()
    assert claim.status == PriorLearning.Status.REJECTED
    assert not Completion.objects.exists()
    assert "not recognised" in mail.outbox[0].subject
    assert "covered feeding only" in mail.outbox[0].body
    assert ModelLogEntry.objects.filter(action=prior_learning.AUDIT_REJECT).exists()


def test_an_approval_keeps_the_typed_reason_when_the_date_is_missing(client, world):
    claim = claim_for(world)
    client.force_login(world["manager"])
    response = client.post(
        reverse("courses:prior_learning_decide", args=[claim.pk]),
        {"decision": "approve", "reason": "Matches our module 2"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Give the date the recognition ends" in page
    assert "Matches our module 2</textarea>" in page


def test_evidence_and_decisions_are_private(client, world):
    claim = claim_for(world)
    evidence = reverse("courses:prior_learning_evidence", args=[claim.pk])
    decide = reverse("courses:prior_learning_decide", args=[claim.pk])
    client.force_login(world["person"])
    response = client.get(evidence)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert (
        client.post(decide, {"decision": "approve", "expires_on": "2030-01-01"}).status_code == 404
    )
    client.force_login(world["manager"])
    assert client.get(evidence).status_code == 200
    assert (
        "Infant mental health foundations"
        in client.get(reverse("courses:prior_learning_review")).content.decode()
    )
    client.force_login(world["stranger"])
    assert client.get(evidence).status_code == 404
    assert client.post(decide, {"decision": "reject", "reason": "x"}).status_code == 404
    assert (
        "Infant mental health foundations"
        not in client.get(reverse("courses:prior_learning_review")).content.decode()
    )
    client.force_login(UserFactory())
    assert client.get(reverse("courses:prior_learning_review")).status_code == 404


def test_recorded_hours_count_toward_cpd_on_the_training_record(world):
    from certificates.selectors import training_record_context

    prior_learning.record(
        user=world["person"],
        title="Perinatal mental health conference",
        provider="Regional network",
        completed_on=date(2025, 3, 1),
        hours=Decimal("5.5"),
    )
    record = training_record_context(world["person"])["record"]
    assert record.total_cpd_hours == Decimal("5.5")
    assert [p.title for p in record.elsewhere] == ["Perinatal mental health conference"]
