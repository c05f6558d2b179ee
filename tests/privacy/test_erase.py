"""Erasure: the person's personal data is gone from the whole database (the audit log alone
keeps their name, on purpose), their files are deleted, they cannot sign in, certificates still
verify without naming them, coverage figures do not move, and erasing twice does nothing."""

import io
import json
import os
from collections import Counter
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certificates import selectors as certificate_selectors
from certificates import services as certificate_services
from certificates.models import Certificate, TrainingRecord
from courses.models import CompetencyAssessment, Completion, Enrolment, Reflection, TierStanding
from lms import privacy
from lms.personal_data import ERASED_HOLDER, ERASED_NAME, REMOVED_TEXT
from lms.reports import facts
from lms.reports.selectors import Filters, course_completion, coverage
from lms.workforce.models import Invitation, Membership, StaffImport
from supervision import selectors as supervision_selectors
from supervision.models import SessionAttendance, SessionCorrection, SupervisionSession
from supervision.signals import session_signed_off
from tests.factories import PASSWORD
from tests.supervision.factories import make_agreement, make_session

from .conftest import (
    GINA_SUPERVISION_REFLECTION,
    PRIYA_EMAIL,
    PRIYA_NAME,
    PRIYA_OTHER_EMAIL,
    PRIYA_REFLECTION,
    PRIYA_SUPERVISION_REFLECTION,
    TOTP_SECRET,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def erase(django_capture_on_commit_callbacks):
    """Erase as the service does in production: files go once the transaction commits."""

    def run(person, by, reason="Erasure request DP-1"):
        with django_capture_on_commit_callbacks(execute=True):
            return privacy.erase_person(person=person, by=by, reason=reason)

    return run


def dump() -> list[dict]:
    out = io.StringIO()
    call_command("dumpdata", format="json", stdout=out)
    return json.loads(out.getvalue())


def rows_mentioning(objects: list[dict], *needles: str) -> Counter:
    found = Counter()
    for obj in objects:
        text = json.dumps(obj, ensure_ascii=False).lower()
        if any(n.lower() in text for n in needles):
            found[obj["model"]] += 1
    return found


# --- Personal data ------------------------------------------------------------------------


def test_nothing_identifies_the_person_in_the_database_except_the_audit_log(world, erase, client):
    # Reading the session writes an audit entry that names her (as every entry about her does).
    client.force_login(world.supervisor)
    assert client.get(reverse("supervision:session", args=[world.session.pk])).status_code == 200
    before = rows_mentioning(dump(), PRIYA_EMAIL, PRIYA_NAME)
    assert {"accounts.user", "account.emailaddress", "workforce.invitation"} <= set(before)
    assert {
        "workforce.staffimport",
        "certificates.certificate",
        "supervision.supervisionsession",
    } <= set(before)

    erase(world.priya, world.admin)

    objects = dump()
    after = rows_mentioning(objects, PRIYA_EMAIL, PRIYA_OTHER_EMAIL, PRIYA_NAME)
    # Only audit entries keep her name (label) or address: the accountability record, kept on
    # purpose (docs/data-protection.md).
    assert set(after) == {"wagtailcore.modellogentry"}
    for private in (PRIYA_REFLECTION, PRIYA_SUPERVISION_REFLECTION, TOTP_SECRET):
        assert not rows_mentioning(objects, private)
    # Other people's records are untouched.
    assert rows_mentioning(objects, GINA_SUPERVISION_REFLECTION)
    assert rows_mentioning(objects, "keep.me@example.org")


def test_the_account_is_anonymised_and_can_no_longer_sign_in(world, erase, client):
    client.force_login(world.priya)
    assert client.get(reverse("account_profile")).status_code == 200
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()

    erase(world.priya, world.admin)

    priya = User.objects.get(pk=world.priya.pk)
    assert priya.email == f"erased-{priya.pk}@erased.invalid"
    assert priya.display_name == ERASED_NAME == str(priya)
    assert not priya.is_active and not priya.has_usable_password()
    assert not (priya.is_staff or priya.is_superuser) and priya.erased_at is not None
    assert not EmailAddress.objects.filter(user=priya).exists()
    assert not Authenticator.objects.filter(user=priya).exists()
    # Signed out everywhere: her open session is gone...
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("account_profile")).status_code == 302
    # ...and neither address nor password lets her back in.
    for address in (PRIYA_EMAIL, priya.email):
        response = client.post(reverse("account_login"), {"login": address, "password": PASSWORD})
        assert "_auth_user_id" not in client.session, response


def test_private_text_is_removed_and_shared_text_no_longer_names_her(world, erase):
    erase(world.priya, world.admin)

    assert not Reflection.objects.filter(user=world.priya).exists()
    assert not TrainingRecord.objects.filter(user=world.priya).exists()
    assert not Invitation.objects.filter(email=PRIYA_OTHER_EMAIL).exists()
    assessment = CompetencyAssessment.objects.get(user=world.priya)
    assert assessment.evidence == REMOVED_TEXT and assessment.status == "achieved"

    mine = SessionAttendance.objects.get(session=world.session, supervisee=world.priya)
    assert mine.reflection == REMOVED_TEXT
    ginas = SessionAttendance.objects.get(session=world.session, supervisee=world.gina)
    assert ginas.reflection == GINA_SUPERVISION_REFLECTION
    session = SupervisionSession.objects.get(pk=world.session.pk)
    assert session.discussion == "We talked about how [name removed] handled the home visit."
    assert session.case_references == "Family B (baby 3 months)"
    correction = SessionCorrection.objects.get(session=session)
    assert correction.text == "The visit was on Tuesday; [name removed] confirmed."

    staff_import = StaffImport.objects.get(pk=world.staff_import.pk)
    assert PRIYA_EMAIL not in staff_import.content and "Kim Keep" in staff_import.content
    rows = {r["email"]: r for r in staff_import.report["rows"]}
    assert rows[f"erased-{world.priya.pk}@erased.invalid"]["name"] == ERASED_NAME
    assert "keep.me@example.org" in rows


def test_learning_records_stay_with_the_anonymised_account(world, erase):
    counts = {
        model: model.objects.filter(user=world.priya).count()
        for model in (Membership, Enrolment, Completion, TierStanding, Certificate)
    }
    erase(world.priya, world.admin)
    assert {m: m.objects.filter(user=world.priya).count() for m in counts} == counts
    assert all(counts.values())


# --- Certificates ---------------------------------------------------------------------------


def test_certificates_still_verify_but_name_nobody_and_lose_their_pdf(world, erase, client):
    certificate = world.certificate
    pdf_path = os.path.join(settings.MEDIA_ROOT, "private", certificate.pdf.name)
    record_path = os.path.join(settings.MEDIA_ROOT, "private", world.training_record.file.name)
    assert os.path.exists(pdf_path) and os.path.exists(record_path)

    erase(world.priya, world.admin)

    certificate.refresh_from_db()
    assert certificate.holder_name == ERASED_HOLDER
    assert not certificate.pdf and certificate.number and certificate.code
    assert certificate.status == Certificate.Status.VALID  # status unchanged
    assert not os.path.exists(pdf_path) and not os.path.exists(record_path)

    page = client.get(certificate.verify_path())
    assert page.status_code == 200
    html = page.content.decode()
    assert ERASED_HOLDER in html and "personal data has been erased" in html
    assert "Valid" in html and PRIYA_NAME not in html

    client.force_login(world.admin)
    assert client.get(reverse("certificates:pdf", args=[certificate.number])).status_code == 404


def test_the_sweep_does_not_render_an_erased_persons_certificate_again(world, erase):
    erase(world.priya, world.admin)
    later = timezone.now() + timedelta(days=1)
    unfinished = certificate_selectors.certificates_unfinished(
        before=later, email_since=later - timedelta(days=7), limit=100
    )
    assert world.completion.pk not in unfinished
    # Even a task queued before the erasure renders nothing.
    result = certificate_services.issue_certificate(completion_id=world.completion.pk)
    assert not result.rendered and not Certificate.objects.get(pk=world.certificate.pk).pdf
    with pytest.raises(ValidationError):
        certificate_services.reissue_certificate(
            certificate=world.certificate, by=world.admin, reason="Name corrected"
        )


# --- Coverage -------------------------------------------------------------------------------


def figures(scope) -> dict:
    """Every figure a manager or lead sees, without the time they were computed at."""
    cov = coverage(scope, Filters())
    return {
        "total": cov.total,
        "units": [(r.label, r.counts) for r in cov.units],
        "roles": [(r.label, r.counts) for r in cov.roles],
        "tiers": [(r.label, r.counts) for r in cov.tiers],
        "supervision": (cov.supervision.total, cov.supervision.units),
        "courses": [
            (r.course.pk, r.required, r.current, r.expiring, r.expired)
            for r in course_completion(scope, Filters()).rows
        ],
    }


def test_coverage_figures_are_identical_before_and_after(population, erase, user_factory):
    people = population.people
    # Supervision too: person 2 supervises person 1 (countable hours for both views).
    agreement = make_agreement(people[2], [people[1]])
    make_session(agreement, on=timezone.localdate() - timedelta(days=3), minutes=120)
    session_signed_off.send(sender=None, supervisees=[people[1]])
    viewers = (population.region_lead, population.trust_manager, population.team_manager)
    before = {v.pk: figures(population.scope(v)) for v in viewers}
    assert before[population.trust_manager.pk]["total"].total == 9
    hours_before = supervision_selectors.hours_by_user([people[1].pk])

    admin = user_factory(is_superuser=True, is_staff=True)
    for n in (1, 2, 8):  # meets; expiring and a supervisor; moved team
        erase(people[n], admin)

    after = {v.pk: figures(population.scope(v)) for v in viewers}
    assert after == before
    assert supervision_selectors.hours_by_user([people[1].pk]) == hours_before
    assert facts.drift() == []  # the read models still match the live tables


def test_an_erased_supervisor_is_shown_as_erased_and_the_record_stays(world, erase, client):
    erase(world.supervisor, world.admin)

    client.force_login(world.priya)
    page = client.get(reverse("supervision:session", args=[world.session.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert ERASED_NAME in html and "Sam Supervisor" not in html
    assert PRIYA_SUPERVISION_REFLECTION in html  # her own reflection is hers, and stays
    assert SupervisionSession.objects.filter(agreement=world.agreement).count() == 1


# --- Rules ----------------------------------------------------------------------------------


def test_erasing_twice_changes_nothing_the_second_time(world, erase):
    first = erase(world.priya, world.admin)
    erased_at = User.objects.get(pk=world.priya.pk).erased_at
    second = erase(world.priya, world.admin)

    assert first.erased and not second.erased
    assert User.objects.get(pk=world.priya.pk).erased_at == erased_at
    assert ModelLogEntry.objects.filter(action=privacy.AUDIT_ERASE).count() == 1


def test_nobody_erases_themselves_or_the_last_administrator(world, erase):
    with pytest.raises(ValidationError, match="your own account"):
        erase(world.admin, world.admin)
    with pytest.raises(ValidationError, match="last administrator"):
        erase(world.admin, None)
    assert User.objects.get(pk=world.admin.pk).erased_at is None
    with pytest.raises(PermissionDenied):
        erase(world.priya, world.manager)  # managers manage staff, but do not erase them
    with pytest.raises(ValidationError):
        erase(world.priya, world.admin, reason="  ")
    assert User.objects.get(pk=world.priya.pk).erased_at is None


def test_erasure_is_logged_with_who_why_and_what(world, erase):
    result = erase(world.priya, world.admin, reason="Erasure request DP-42")

    entry = ModelLogEntry.objects.get(action=privacy.AUDIT_ERASE)
    assert entry.user_id == world.admin.pk and entry.object_id == str(world.priya.pk)
    assert entry.label == ERASED_NAME  # the entry itself does not name her
    assert entry.data["reason"] == "Erasure request DP-42"
    summary = entry.data["summary"]
    assert summary == result.summary
    assert summary["learning"]["reflections_deleted"] == 1
    assert summary["certificates"]["certificate_pdfs_deleted"] == 1
    assert summary["supervision"]["own_reflections_removed"] == 1
    assert summary["account"]["email_addresses_deleted"] == 2


def test_a_failure_part_way_rolls_everything_back(world, monkeypatch):
    from lms.accounts import privacy as accounts_privacy

    def broken(user):
        raise RuntimeError("database went away")

    # The account is anonymised last, after every other app has erased its part.
    monkeypatch.setattr(accounts_privacy, "erase", broken)
    pdf = world.certificate.pdf
    with pytest.raises(RuntimeError):
        privacy.erase_person(person=world.priya, by=world.admin, reason="DP-1")

    assert Reflection.objects.filter(user=world.priya, text=PRIYA_REFLECTION).exists()
    assert Certificate.objects.get(pk=world.certificate.pk).holder_name == PRIYA_NAME
    assert pdf.storage.exists(pdf.name)  # files are deleted only once the erasure commits
    assert User.objects.get(pk=world.priya.pk).erased_at is None
    assert not ModelLogEntry.objects.filter(action=privacy.AUDIT_ERASE).exists()
