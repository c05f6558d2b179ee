"""Writes about certificates: issue (number, code, PDF, email), revoke, reinstate, reissue, and
the practitioner's training record.

Issuing is three idempotent steps, each safe to repeat and to run concurrently:

1. ``ensure_certificate``: in one short transaction, with the completion row locked, create the
   certificate (the unique constraint on ``completion`` is the final guard) and take the next
   number of its year from a locked sequence row;
2. ``render_pdf``: render outside any transaction (WeasyPrint takes tens of milliseconds), store
   the file, then record it and its SHA-256 with one conditional update (a PDF that lost a race
   is deleted);
3. ``notify_holder``: claim ``emailed_at`` with a conditional update (on a first issue, in the
   same update that records the PDF), then send the email (the claim is released if sending
   fails, so a retry sends it).

A failure at any step leaves a state the next run (a Celery retry or the periodic sweep)
finishes; a certificate without a PDF is found by the sweep and rendered.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from content.models import Tier
from courses.models import Completion
from lms.celery import enqueue_on_commit
from lms.emails import send_templated_email
from lms.site_url import site_url

from . import documents, pdf, selectors
from .codes import format_number, new_code
from .models import (
    Certificate,
    CertificateSequence,
    CertificateSettings,
    TrainingRecord,
    certificate_upload_to,
    training_record_upload_to,
)

logger = logging.getLogger(__name__)

AUDIT_REVOKE = "certificates.revoke"
AUDIT_REINSTATE = "certificates.reinstate"
AUDIT_REISSUE = "certificates.reissue"

REASON_MAX_LENGTH = 1000


# --- Issue ----------------------------------------------------------------------------------


def holder_name_of(user) -> str:
    """The name printed on certificates: the person's display name (never their email)."""
    return (user.display_name or "").strip() or "Name not recorded"


def _take_number(prefix: str, year: int) -> str:
    """The next number of ``prefix`` and ``year``; the caller's transaction holds the lock on
    the sequence row until it commits, so concurrent issues queue here briefly."""
    sequence, _ = CertificateSequence.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    sequence.last_serial += 1
    sequence.save(update_fields=["last_serial"])
    return format_number(prefix, year, sequence.last_serial)


def _tier_name(code: str, course) -> str:
    if course.tier.code == code:
        return course.tier.name
    return Tier.objects.filter(code=code).values_list("name", flat=True).first() or ""


@transaction.atomic
def ensure_certificate(*, completion_id: int) -> tuple[Certificate | None, bool]:
    """The certificate of a completion, created if the course issues certificates and there is
    none yet. Returns ``(certificate or None, created)``; safe to call any number of times."""
    completion = (
        Completion.objects.select_for_update(of=("self",))
        .select_related("course", "course__tier", "user")
        .filter(pk=completion_id)
        .first()
    )
    if completion is None:
        return None, False
    existing = Certificate.objects.filter(completion=completion).select_related("user").first()
    if existing is not None:
        return existing, False
    course = completion.course
    if not course.issues_certificate or not completion.issues_certificate:
        # Imported records and recognised prior learning were certified elsewhere.
        return None, False
    prefix = CertificateSettings.load().number_prefix
    issued_on = timezone.localdate(completion.completed_at)
    previous = (
        Certificate.objects.filter(
            user_id=completion.user_id,
            course_id=completion.course_id,
            issued_at__lt=completion.completed_at,
        )
        .order_by("-issued_at")
        .first()
    )
    # No savepoint: the completion row is locked, so a concurrent issue of the same completion
    # waits above and then finds this certificate. Any IntegrityError (a code collision, one in
    # 2**80) rolls the whole issue back and the task retries.
    certificate = Certificate.objects.create(
        completion=completion,
        user=completion.user,
        course=course,
        previous=previous,
        number=_take_number(prefix, issued_on.year),
        code=new_code(),
        holder_name=holder_name_of(completion.user),
        course_title=completion.course_title,
        tier_code=completion.tier_code,
        tier_name=_tier_name(completion.tier_code, course),
        cpd_hours=course.cpd_hours,
        issued_at=completion.completed_at,
        expires_at=completion.expires_at,
        valid_until=completion.valid_until,
    )
    from courses.xapi import services as xapi

    xapi.record_certificate_issued(certificate=certificate, completion=completion)
    return certificate, True


def render_pdf(
    *,
    certificate: Certificate,
    force: bool = False,
    updates: dict | None = None,
    claim_email: bool = False,
) -> tuple[Certificate, bool]:
    """Render and store the certificate's PDF if it has none (or always, with ``force``),
    applying ``updates`` (field -> value) to what is printed and saved. Returns
    ``(certificate, rendered)``.

    The render happens outside any transaction. Recording the file is one conditional update
    ("where there is no PDF yet"), so of two concurrent runs exactly one records its file and
    the other deletes its own. With ``claim_email`` the same update claims the "certificate
    ready" email (see ``notify_holder``), saving a round trip and a commit per certificate."""
    if certificate.pdf and not force:
        return certificate, False
    updates = updates or {}
    for name, value in updates.items():
        setattr(certificate, name, value)
    data = documents.render_certificate(certificate)
    storage = certificate.pdf.storage
    stored = storage.save(
        certificate_upload_to(certificate, f"{certificate.number}-{secrets.token_hex(8)}.pdf"),
        ContentFile(data),
    )
    now = timezone.now()
    fields = {
        **updates,
        "pdf": stored,
        "pdf_sha256": pdf.sha256(data),
        "rendered_at": now,
        "render_count": F("render_count") + 1,
    }
    if claim_email and not force:
        fields["emailed_at"] = now
    rows = Certificate.objects.filter(pk=certificate.pk)
    try:
        if force:
            with transaction.atomic():
                replaced = rows.select_for_update().values_list("pdf", flat=True).get()
                rows.update(**fields)
                if replaced and replaced != stored:
                    transaction.on_commit(lambda: storage.delete(replaced))
        elif not rows.filter(pdf="").update(**fields):
            storage.delete(stored)  # a concurrent run recorded its file first
            certificate.refresh_from_db()
            return certificate, False
    except BaseException:
        storage.delete(stored)
        raise
    certificate.pdf.name = stored
    certificate.pdf_sha256 = fields["pdf_sha256"]
    certificate.rendered_at = now
    certificate.render_count += 1
    if "emailed_at" in fields:
        certificate.emailed_at = now
    return certificate, True


def notify_holder(*, certificate: Certificate) -> bool:
    """Email the holder that their certificate is ready, once: ``emailed_at`` is claimed with a
    conditional update first. Returns whether an email was sent now."""
    now = timezone.now()
    claimed = (
        Certificate.objects.filter(pk=certificate.pk, emailed_at__isnull=True)
        .exclude(pdf="")
        .update(emailed_at=now)
    )
    if not claimed:
        return False
    certificate.emailed_at = now
    return _send_ready_email(certificate)


def _send_ready_email(certificate: Certificate) -> bool:
    """Send the "certificate ready" email whose claim (``emailed_at``) the caller holds; the
    claim is released if sending fails, so a retry sends it. People no longer active are not
    emailed (the notice counts as handled)."""
    user = certificate.user
    if not user.is_active or certificate.is_revoked or not user.email:
        return False
    try:
        send_templated_email(
            to=[user.email],
            template_prefix="certificates/email/certificate_ready",
            context={
                "certificate": certificate,
                "user": user,
                "mine_url": f"{site_url()}{reverse('certificates:mine')}",
                "verify_url": certificate.verify_url(),
            },
        )
    except Exception:
        Certificate.objects.filter(pk=certificate.pk, emailed_at=certificate.emailed_at).update(
            emailed_at=None
        )
        certificate.emailed_at = None
        raise
    return True


@dataclass
class IssueResult:
    certificate: Certificate
    created: bool
    rendered: bool
    emailed: bool


def issue_certificate(*, completion_id: int) -> IssueResult | None:
    """Everything a completion's certificate still needs: create it, render its PDF, email the
    holder. Idempotent; None when the completion does not get a certificate.

    Not one transaction on purpose: the render stays outside the row locks, and each step is
    committed so that a retry resumes where the last run stopped."""
    certificate, created = ensure_certificate(completion_id=completion_id)
    if certificate is None:
        return None
    if certificate.holder_erased:
        # Erased (lms.privacy) after the task was queued: no PDF, no email.
        return IssueResult(certificate, created, rendered=False, emailed=False)
    certificate, rendered = render_pdf(certificate=certificate, claim_email=True)
    if rendered and certificate.emailed_at is not None:
        emailed = _send_ready_email(certificate)  # claimed together with the PDF
    else:
        emailed = notify_holder(certificate=certificate)
    if created:
        logger.info("Issued certificate %s for completion %s", certificate, completion_id)
    return IssueResult(certificate, created, rendered, emailed)


# --- Revoke, reinstate, reissue -------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason, so the audit log explains it."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"Keep the reason to {REASON_MAX_LENGTH:,} characters or fewer."}
        )
    return reason


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Revoke a certificate: the verification page shows it as revoked from now on, and the
    holder can no longer download it. Logged with the reason."""
    reason = _clean_reason(reason)
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.is_revoked:
        raise ValidationError("This certificate is already revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.revoked_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    log(locked, AUDIT_REVOKE, user=by, data={"reason": reason, "number": locked.number})
    return locked


@transaction.atomic
def reinstate_certificate(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Undo a revocation (e.g. one made in error). Logged with the reason and the revocation
    it undoes."""
    reason = _clean_reason(reason)
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not locked.is_revoked:
        raise ValidationError("This certificate is not revoked.")
    revoked_reason = locked.revoked_reason
    locked.revoked_at = None
    locked.revoked_by = None
    locked.revoked_reason = ""
    locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    log(
        locked,
        AUDIT_REINSTATE,
        user=by,
        data={"reason": reason, "number": locked.number, "revoked_reason": revoked_reason},
    )
    return locked


def reissue_certificate(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Render the PDF again, e.g. after the holder's name was corrected: same number, same code,
    the holder's current name, a new file and SHA-256. Logged with the reason. A revoked
    certificate must be reinstated first."""
    reason = _clean_reason(reason)
    current = Certificate.objects.select_related("user").get(pk=certificate.pk)
    if current.holder_erased:
        raise ValidationError(
            "The holder's record has been erased, so this certificate has no PDF any more and "
            "cannot be reissued. Its number still verifies."
        )
    if current.is_revoked:
        raise ValidationError(
            "A revoked certificate cannot be reissued. Reinstate it first if the revocation "
            "was a mistake."
        )
    previous_sha = current.pdf_sha256
    updated, _ = render_pdf(
        certificate=current, force=True, updates={"holder_name": holder_name_of(current.user)}
    )
    log(
        updated,
        AUDIT_REISSUE,
        user=by,
        data={
            "reason": reason,
            "number": updated.number,
            "holder_name": updated.holder_name,
            "previous_sha256": previous_sha,
            "sha256": updated.pdf_sha256,
        },
    )
    return updated


# --- Training record ------------------------------------------------------------------------

IN_PROGRESS = (TrainingRecord.Status.QUEUED, TrainingRecord.Status.RUNNING)


@transaction.atomic
def request_training_record(*, user) -> tuple[TrainingRecord, bool]:
    """Ask for a fresh PDF of the person's training record, built in the background. A request
    already waiting or running is returned instead of a second one."""
    from . import tasks

    existing = TrainingRecord.objects.filter(user=user, status__in=IN_PROGRESS).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record = TrainingRecord.objects.create(user=user)
    except IntegrityError:
        return TrainingRecord.objects.get(user=user, status__in=IN_PROGRESS), False
    enqueue_on_commit(tasks.build_training_record, record.pk)
    return record, True


def _set_progress(record: TrainingRecord, **fields) -> int:
    for name, value in fields.items():
        setattr(record, name, value)
    return TrainingRecord.objects.filter(pk=record.pk).update(**fields)


def build_training_record(*, record_id: int, on: date | None = None) -> TrainingRecord | None:
    """Build the PDF of a training-record request, reporting progress as it goes. A request
    already built is left alone, so a redelivered task does nothing."""
    record = TrainingRecord.objects.select_related("user").filter(pk=record_id).first()
    if record is None or record.status == TrainingRecord.Status.READY:
        return record
    _set_progress(
        record,
        status=TrainingRecord.Status.RUNNING,
        progress=10,
        started_at=timezone.now(),
        error="",
    )
    context = selectors.training_record_context(record.user, on=on)
    _set_progress(record, progress=40)
    data = documents.render_training_record(context)
    _set_progress(record, progress=85)
    storage = record.file.storage
    stored = storage.save(
        training_record_upload_to(record, f"{record.user_id}-{secrets.token_hex(12)}.pdf"),
        ContentFile(data),
    )
    replaced = record.file.name
    record.file.name = stored
    saved = _set_progress(
        record,
        file=stored,
        sha256=pdf.sha256(data),
        status=TrainingRecord.Status.READY,
        progress=100,
        finished_at=timezone.now(),
    )
    if not saved:
        # The request was deleted while the PDF was being made (purged, or the person erased).
        storage.delete(stored)
        return None
    if replaced and replaced != stored:
        storage.delete(replaced)
    return record


def fail_training_record(*, record_id: int, error: str) -> None:
    """Give up on a request (after the task's last retry): the page says so, and a new request
    can be made."""
    TrainingRecord.objects.filter(pk=record_id).exclude(status=TrainingRecord.Status.READY).update(
        status=TrainingRecord.Status.FAILED, error=error[:255], finished_at=timezone.now()
    )


def purge_training_records(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete training-record files and requests older than ``older_than``: they hold personal
    data and can be made again in seconds. Returns the number deleted."""
    cutoff = timezone.now() - older_than
    count = 0
    for record in TrainingRecord.objects.filter(requested_at__lt=cutoff).exclude(
        status__in=IN_PROGRESS
    ):
        if record.file:
            record.file.delete(save=False)
        record.delete()
        count += 1
    return count
