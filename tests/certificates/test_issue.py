"""Issue: one certificate per completion, whatever happens to the task or the broker."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from certificates import services, tasks
from certificates.models import Certificate, CertificateSettings
from certificates.pdf import sha256
from tests.certificates.factories import complete_via_service, make_completion, make_course

pytestmark = pytest.mark.django_db


def local(*args):
    return timezone.make_aware(datetime(*args))


def test_completing_a_course_issues_a_certificate_with_its_pdf_and_emails_the_learner(
    holder, framework_tiers, django_capture_on_commit_callbacks
):
    course = make_course(title="Attachment Essentials", tier=framework_tiers["T1"], modules=1)
    with django_capture_on_commit_callbacks(execute=True):
        completion = complete_via_service(holder, course)
    assert completion is not None

    certificate = Certificate.objects.get(completion=completion)
    year = timezone.localdate(completion.completed_at).year
    assert certificate.number == f"IMH-{year}-000001"
    assert certificate.user == holder
    assert certificate.holder_name == "Siobhán O’Connor"
    assert certificate.course_title == "Attachment Essentials"
    assert certificate.tier_code == "T1" and certificate.tier_name == "Informed"
    assert certificate.issued_at == completion.completed_at
    assert certificate.expires_at == completion.expires_at
    assert certificate.valid_until == completion.valid_until
    assert certificate.status == Certificate.Status.VALID
    with certificate.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-")
    assert certificate.pdf_sha256 == sha256(data)
    assert certificate.emailed_at is not None
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["siobhan@example.org"]
    assert "Attachment Essentials" in email.subject
    assert certificate.display_code in email.body
    assert certificate.verify_url() in email.body


def test_running_the_task_twice_gives_one_certificate_one_file_and_one_email(holder, course):
    completion = make_completion(holder, course)
    first = tasks.issue_certificate.apply(args=[completion.pk]).get()
    second = tasks.issue_certificate.apply(args=[completion.pk]).get()

    assert first == second
    certificate = Certificate.objects.get()
    assert certificate.number == first
    assert certificate.render_count == 1
    assert len(mail.outbox) == 1


def test_a_second_issue_changes_nothing(holder, course):
    completion = make_completion(holder, course)
    first = services.issue_certificate(completion_id=completion.pk)
    second = services.issue_certificate(completion_id=completion.pk)
    assert first.created and first.rendered and first.emailed
    assert not (second.created or second.rendered or second.emailed)
    assert second.certificate.pk == first.certificate.pk
    assert second.certificate.pdf.name == first.certificate.pdf.name


def test_the_receiver_enqueues_only_on_commit_and_only_for_courses_that_issue_certificates(
    holder, framework_tiers, django_capture_on_commit_callbacks
):
    issuing = make_course(tier=framework_tiers["T1"])
    silent = make_course(tier=framework_tiers["T1"], issues_certificate=False)
    with django_capture_on_commit_callbacks() as callbacks:
        make_completion(holder, issuing, signal=True)
        make_completion(holder, silent, signal=True)
    assert len(callbacks) == 1
    assert not Certificate.objects.exists()  # nothing before the commit
    callbacks[0]()
    assert Certificate.objects.get().course == issuing


def test_a_course_that_does_not_issue_certificates_gets_none(holder, framework_tiers):
    course = make_course(tier=framework_tiers["T1"], issues_certificate=False)
    completion = make_completion(holder, course)
    assert services.issue_certificate(completion_id=completion.pk) is None
    assert not Certificate.objects.exists()


def test_numbers_are_sequential_within_the_year_of_issue(issue, other):
    first = issue(completed_at=local(2026, 3, 1, 10))
    second = issue(user=other, completed_at=local(2026, 12, 31, 23, 30))
    next_year = issue(completed_at=local(2027, 1, 1, 0, 30))
    assert [first.number, second.number, next_year.number] == [
        "IMH-2026-000001",
        "IMH-2026-000002",
        "IMH-2027-000001",
    ]


def test_the_number_prefix_comes_from_the_settings(issue):
    settings = CertificateSettings.load()
    settings.number_prefix = "NIIMH"
    settings.save()
    assert issue(completed_at=local(2026, 5, 1, 9)).number == "NIIMH-2026-000001"


def test_codes_are_unique_per_certificate(issue, other):
    assert issue().code != issue(user=other).code


def test_broker_outage_at_completion_delays_the_certificate_until_the_sweep(
    holder, course, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.issue_certificate, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        completion = make_completion(
            holder, course, completed_at=timezone.now() - timedelta(minutes=5), signal=True
        )
    assert "picked up by its sweep" in caplog.text
    assert not Certificate.objects.exists()

    monkeypatch.undo()
    assert tasks.sweep.apply().get()["missing"] == 1
    certificate = Certificate.objects.get()
    assert certificate.completion == completion
    assert certificate.pdf and certificate.emailed_at


def test_the_sweep_leaves_very_recent_completions_to_their_own_task(holder, course):
    make_completion(holder, course)  # just now: its message may still be on its way
    assert tasks.sweep.apply().get()["missing"] == 0
    assert not Certificate.objects.exists()


def test_a_failed_render_leaves_the_certificate_for_a_retry_or_the_sweep(
    holder, course, monkeypatch
):
    from certificates import documents

    completion = make_completion(holder, course, completed_at=timezone.now() - timedelta(hours=1))

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(documents, "render_certificate", broken)
    with pytest.raises(RuntimeError):
        services.issue_certificate(completion_id=completion.pk)
    certificate = Certificate.objects.get()
    assert not certificate.pdf and certificate.emailed_at is None
    assert not mail.outbox

    monkeypatch.undo()
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.sweep.apply().get()["unfinished"] == 1
    certificate.refresh_from_db()
    assert certificate.pdf and certificate.pdf_sha256 and certificate.emailed_at
    assert Certificate.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_failed_email_is_sent_by_the_next_run(holder, course, monkeypatch):
    from certificates import services as certificate_services

    completion = make_completion(holder, course)

    def smtp_down(**kwargs):
        raise ConnectionError("SMTP unavailable")

    monkeypatch.setattr(certificate_services, "send_templated_email", smtp_down)
    with pytest.raises(ConnectionError):
        services.issue_certificate(completion_id=completion.pk)
    certificate = Certificate.objects.get()
    assert certificate.pdf and certificate.emailed_at is None

    monkeypatch.undo()
    result = services.issue_certificate(completion_id=completion.pk)
    assert result.emailed and not result.created and not result.rendered
    assert len(mail.outbox) == 1


def test_status_follows_the_expiry_date_and_revocation_wins(certificate, admin_user):
    assert certificate.status_at(certificate.expires_at - timedelta(seconds=1)) == "valid"
    assert certificate.status_at(certificate.expires_at) == "expired"
    services.revoke_certificate(certificate=certificate, by=admin_user, reason="Issued in error")
    certificate.refresh_from_db()
    assert certificate.status_at(certificate.expires_at - timedelta(days=1)) == "revoked"
    assert certificate.status_at(certificate.expires_at + timedelta(days=1)) == "revoked"
    assert Certificate.objects.revoked().get() == certificate
    assert not Certificate.objects.valid().exists()


def test_a_renewal_gets_a_new_certificate_linked_to_the_previous_one(issue):
    old = issue(completed_at=timezone.now() - timedelta(days=365 * 3 + 10))
    new = issue()
    assert old.status == "expired"
    assert new.status == "valid"
    assert new.previous == old
    assert new.number != old.number and new.code != old.code
    assert list(old.renewals.all()) == [new]


def test_revoking_needs_a_reason_and_is_logged(certificate, admin_user):
    from django.core.exceptions import ValidationError
    from wagtail.models import ModelLogEntry

    with pytest.raises(ValidationError):
        services.revoke_certificate(certificate=certificate, by=admin_user, reason="  ")
    services.revoke_certificate(certificate=certificate, by=admin_user, reason="Fraud")
    certificate.refresh_from_db()
    assert certificate.revoked_by == admin_user and certificate.revoked_reason == "Fraud"
    entry = ModelLogEntry.objects.get(action="certificates.revoke")
    assert entry.user == admin_user
    assert entry.data["reason"] == "Fraud"
    assert entry.object_id == str(certificate.pk)
    with pytest.raises(ValidationError):
        services.revoke_certificate(certificate=certificate, by=admin_user, reason="Again")


def test_reissue_keeps_number_and_code_and_prints_the_corrected_name(
    certificate, holder, admin_user, django_capture_on_commit_callbacks
):
    number, code, old_file, old_sha = (
        certificate.number,
        certificate.code,
        certificate.pdf.name,
        certificate.pdf_sha256,
    )
    holder.display_name = "Siobhán O’Connor-Whitfield"
    holder.save()

    with django_capture_on_commit_callbacks(execute=True):
        reissued = services.reissue_certificate(
            certificate=certificate, by=admin_user, reason="Name corrected"
        )
    assert (reissued.number, reissued.code) == (number, code)
    assert reissued.holder_name == "Siobhán O’Connor-Whitfield"
    assert reissued.pdf.name != old_file
    assert reissued.pdf_sha256 != old_sha
    assert reissued.render_count == 2
    assert not reissued.pdf.storage.exists(old_file)
    from wagtail.models import ModelLogEntry

    entry = ModelLogEntry.objects.get(action="certificates.reissue")
    assert entry.data["reason"] == "Name corrected"
    assert entry.data["previous_sha256"] == old_sha


def test_a_revoked_certificate_is_reinstated_before_it_can_be_reissued(certificate, admin_user):
    from django.core.exceptions import ValidationError

    services.revoke_certificate(certificate=certificate, by=admin_user, reason="Mistake?")
    with pytest.raises(ValidationError, match="Reinstate it first"):
        services.reissue_certificate(certificate=certificate, by=admin_user, reason="x")
    services.reinstate_certificate(certificate=certificate, by=admin_user, reason="Was right")
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert services.reissue_certificate(certificate=certificate, by=admin_user, reason="ok")


def test_deleting_a_persons_account_deletes_their_certificates_and_files(
    certificate, holder, django_capture_on_commit_callbacks
):
    storage, name = certificate.pdf.storage, certificate.pdf.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        holder.delete()
    assert not Certificate.objects.exists()
    assert not storage.exists(name)


def test_a_completion_with_a_certificate_cannot_be_deleted_on_its_own(certificate):
    from django.db.models import RestrictedError

    with pytest.raises(RestrictedError):
        certificate.completion.delete()
