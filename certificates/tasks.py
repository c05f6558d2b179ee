"""Celery tasks: thin wrappers that load by id and call a service. Safe to run twice."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lms.celery import idempotent_task

from . import selectors, services

logger = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000
EMAIL_RETRY_DAYS = 7


@idempotent_task(name="certificates.issue_certificate")
def issue_certificate(completion_id: int) -> str | None:
    """Create, render and announce the certificate of a completion (whatever is still missing).
    Returns the certificate number, or None if the completion gets no certificate."""
    result = services.issue_certificate(completion_id=completion_id)
    return result.certificate.number if result else None


@idempotent_task(name="certificates.sweep")
def sweep() -> dict:
    """Every few minutes (beat): issue what a lost message left undone: completions without a
    certificate, certificates without a PDF or an email, training records never started."""
    now = timezone.now()
    before = now - SWEEP_GRACE
    missing = selectors.completions_missing_certificates(before=before, limit=SWEEP_BATCH)
    unfinished = selectors.certificates_unfinished(
        before=before, email_since=now - timedelta(days=EMAIL_RETRY_DAYS), limit=SWEEP_BATCH
    )
    for completion_id in dict.fromkeys([*missing, *unfinished]):
        issue_certificate.delay(completion_id)
    stale = selectors.stale_training_records(queued_before=before)
    for record_id in stale:
        build_training_record.delay(record_id)
    for record_id in selectors.stuck_training_records(started_before=now - timedelta(minutes=15)):
        services.fail_training_record(
            record_id=record_id, error="It took too long. Ask for your record again."
        )
    if missing or unfinished or stale:
        logger.warning(
            "Certificate sweep: %s missing, %s unfinished, %s training records re-queued",
            len(missing),
            len(unfinished),
            len(stale),
        )
    return {"missing": len(missing), "unfinished": len(unfinished), "records": len(stale)}


@idempotent_task(name="certificates.build_training_record", bind=True, max_retries=3)
def build_training_record(self, record_id: int) -> str | None:
    """Build a practitioner's training-record PDF; after the last retry the request is marked
    failed so the page can say so."""
    try:
        record = services.build_training_record(record_id=record_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            services.fail_training_record(
                record_id=record_id,
                error="Something went wrong while preparing it. Please ask for it again.",
            )
        raise exc
    return record.status if record else None


@idempotent_task(name="certificates.purge_training_records")
def purge_training_records() -> int:
    """Daily: delete training-record PDFs older than ``TRAINING_RECORD_RETENTION_DAYS`` (a week
    by default; they can be made again)."""
    days = settings.TRAINING_RECORD_RETENTION_DAYS
    return services.purge_training_records(older_than=timedelta(days=days))
