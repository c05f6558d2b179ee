"""Writes: recording learning events in the outbox, and sending the outbox to the LRS.

The ``record_*`` functions are called by the learning record's services inside the transaction
that records the event, so a statement exists exactly when its event does. They write nothing
when no LRS is configured.
"""

import base64
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import statements
from .models import Actor, Statement
from .statements import Activity, Event

logger = logging.getLogger(__name__)

# How long a batch being sent is kept from other senders (longer than a request can take).
LEASE = timedelta(minutes=2)
MAX_BACKOFF_SECONDS = 3600


def enabled() -> bool:
    return bool(settings.XAPI_LRS_ENDPOINT)


# --- Recording events -----------------------------------------------------------------------


def _actors(user_ids: set[int]) -> dict[int, dict]:
    """The actor of each learner, set-based: one opaque name per learner, created on first use
    (or their email, when the administrator chose ``mbox``)."""
    from django.contrib.auth import get_user_model

    if settings.XAPI_ACTOR_IDENTIFIER == "mbox":
        emails = get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "email")
        return {pk: statements.actor(email=email) for pk, email in emails}
    Actor.objects.bulk_create([Actor(user_id=pk) for pk in user_ids], ignore_conflicts=True)
    names = Actor.objects.filter(user_id__in=user_ids).values_list("user_id", "name")
    return {pk: statements.actor(name=str(name)) for pk, name in names}


def record(events: list[Event]) -> int:
    """Write a statement for each event into the outbox (set-based, in the caller's transaction)
    and send them once it commits. An event already recorded is skipped. Returns how many
    events were given (0 when no LRS is configured)."""
    if not events or not enabled():
        return 0
    actors = _actors({e.user_id for e in events})
    Statement.objects.bulk_create(
        [
            Statement(
                statement_id=statements.statement_id(e.key),
                user_id=e.user_id,
                verb=e.verb,
                payload=statements.build(e, actor=actors[e.user_id]),
            )
            for e in events
            if e.user_id in actors
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    from lms.celery import enqueue_on_commit

    from . import tasks

    enqueue_on_commit(tasks.send_statements)
    return len(events)


def _course(course) -> Activity:
    return Activity("course", course.pk, course.title)


def record_module_launched(*, progress, module, enrolment) -> None:
    if not enabled():
        return
    course = enrolment.course
    record(
        [
            Event(
                key=f"module-launched:{progress.pk}",
                user_id=enrolment.user_id,
                verb="launched",
                activity=Activity("module", module.pk, module.title),
                course=_course(course),
                enrolment_id=enrolment.pk,
                timestamp=progress.started_at,
            )
        ]
    )


def record_module_completed(*, progress, module, enrolment) -> None:
    if not enabled():
        return
    course = enrolment.course
    record(
        [
            Event(
                key=f"module-completed:{progress.pk}",
                user_id=enrolment.user_id,
                verb="completed",
                activity=Activity("module", module.pk, module.title),
                course=_course(course),
                enrolment_id=enrolment.pk,
                timestamp=progress.completed_at,
                result={"completion": True},
            )
        ]
    )


def record_quiz_attempt(*, attempt, course) -> None:
    if not enabled():
        return
    record(
        [
            Event(
                key=f"quiz-attempt:{attempt.idempotency_key}",
                user_id=attempt.enrolment.user_id,
                verb="passed" if attempt.passed else "failed",
                activity=Activity("assessment", course.pk, f"Knowledge check: {course.title}"),
                course=_course(course),
                enrolment_id=attempt.enrolment_id,
                timestamp=attempt.submitted_at,
                result={
                    **statements.score(attempt.score),
                    "success": attempt.passed,
                    "completion": True,
                },
            )
        ]
    )


def record_sco_completed(*, sco_record, module, enrolment) -> None:
    """A SCORM item (SCO) of a module's package was completed (and passed, if it is scored)."""
    if not enabled():
        return
    from courses.scorm import score_percent

    course = enrolment.course
    result = {"completion": True, **statements.score(score_percent(sco_record))}
    if sco_record.success_status in {"passed", "failed"}:
        result["success"] = sco_record.success_status == "passed"
    record(
        [
            Event(
                key=f"sco-completed:{sco_record.pk}:{sco_record.package_id}",
                user_id=enrolment.user_id,
                verb="completed",
                activity=Activity(
                    "sco",
                    module.pk,
                    f"{module.title}: {sco_record.sco}",
                    f"/{quote(sco_record.sco)}",
                ),
                course=_course(course),
                enrolment_id=enrolment.pk,
                timestamp=sco_record.completed_at,
                result=result,
            )
        ]
    )


def record_course_completions(completions) -> None:
    """Courses completed (one, or many at once): set-based."""
    if not enabled():
        return
    if not enabled():
        return
    record(
        [
            Event(
                key=f"course-completed:{c.pk}",
                user_id=c.user_id,
                verb="completed",
                activity=Activity("course", c.course_id, c.course_title),
                enrolment_id=c.enrolment_id,
                timestamp=c.completed_at,
                result={
                    "completion": True,
                    "success": True,
                    **statements.score(c.score),
                },
            )
            for c in completions
        ]
    )


def record_certificate_issued(*, certificate, completion) -> None:
    """A certificate was issued for a course completion (the activity is the course's
    certificate; its number and code stay in the product)."""
    if not enabled():
        return
    record(
        [
            Event(
                key=f"certificate-issued:{certificate.pk}",
                user_id=certificate.user_id,
                verb="earned",
                activity=Activity(
                    "certificate", completion.course_id, f"Certificate: {completion.course_title}"
                ),
                course=Activity("course", completion.course_id, completion.course_title),
                enrolment_id=completion.enrolment_id,
                timestamp=certificate.issued_at,
                result={"completion": True},
            )
        ]
    )


def record_supervision_signed_off(sender=None, session=None, supervisees=(), **kwargs) -> None:
    """A supervision session was signed off: each supervisee attended a reflective supervision
    session of its length (hours only; never what was discussed, who else attended or the
    supervisor). Answers ``supervision.signals.session_signed_off``, in its transaction (a
    signal sent without a session records nothing)."""
    if session is None or not enabled():
        return
    when = timezone.make_aware(datetime.combine(session.date, time(12)))
    record(
        [
            Event(
                key=f"supervision-attended:{session.pk}:{person.pk}",
                user_id=person.pk,
                verb="attended",
                activity=Activity("supervision", session.pk, "Reflective supervision session"),
                timestamp=when,
                result={
                    "completion": True,
                    "duration": statements.duration(session.duration_minutes),
                },
            )
            for person in supervisees
        ]
    )


# --- Sending --------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    rejected: int = 0
    failed: int = 0  # left pending, to be retried later
    error: str = ""


class LRSUnavailable(Exception):
    """The LRS did not take the request (down, refused the credentials, or a server error)."""


def _request(method: str, url: str, body) -> int:
    if not url.startswith(("http://", "https://")):
        raise LRSUnavailable("XAPI_LRS_ENDPOINT must be an http(s) address")
    token = base64.b64encode(
        f"{settings.XAPI_LRS_KEY}:{settings.XAPI_LRS_SECRET}".encode()
    ).decode()
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Basic {token}",
            "Content-Type": "application/json",
            "X-Experience-API-Version": statements.VERSION,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.XAPI_LRS_TIMEOUT) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        if error.code in {400, 409}:
            return error.code
        raise LRSUnavailable(f"the LRS answered {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise LRSUnavailable(f"the LRS could not be reached: {error}") from error


def _statements_url() -> str:
    return settings.XAPI_LRS_ENDPOINT.rstrip("/") + "/statements"


def _claim(now, batch_size: int) -> list[Statement]:
    """Take the next due batch, keeping it from other senders for ``LEASE``."""
    with transaction.atomic():
        ids = list(
            Statement.objects.select_for_update(skip_locked=True)
            .filter(status=Statement.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        Statement.objects.filter(id__in=ids).update(next_attempt_at=now + LEASE)
    return list(Statement.objects.filter(id__in=ids).order_by("id"))


def _mark(rows, status: str, now, note: str = "") -> None:
    Statement.objects.filter(id__in=[r.id for r in rows]).update(
        status=status, sent_at=now, last_error=note[:500]
    )


def _postpone(rows, now, error: str) -> None:
    attempts = max(r.attempts for r in rows) + 1
    delay = min(5 * 2**attempts, MAX_BACKOFF_SECONDS)
    Statement.objects.filter(id__in=[r.id for r in rows]).update(
        attempts=F("attempts") + 1,
        next_attempt_at=now + timedelta(seconds=delay),
        last_error=error[:500],
    )


def _send_one_by_one(rows, now) -> SendResult:
    """After the LRS refused a batch (a statement it holds already, or one it finds invalid):
    each statement on its own, so that one does not hold the others back."""
    result = SendResult()
    url = _statements_url()
    for row in rows:
        status = _request("PUT", f"{url}?statementId={row.statement_id}", row.payload)
        if status == 400:
            _mark([row], Statement.Status.REJECTED, now, "The LRS refused it as invalid.")
            result.rejected += 1
        else:  # 2xx; or 409: the LRS already holds a statement with this event's id
            _mark([row], Statement.Status.SENT, now)
            result.sent += 1
    return result


def send_pending(*, now=None, batch_size: int | None = None, max_batches: int = 20) -> SendResult:
    """Send due pending statements to the LRS, a batch per request, until none is due, the LRS
    fails, or ``max_batches`` were sent. A batch the LRS does not take stays pending, retried
    after a backoff that doubles with each failure (up to an hour); nothing is lost, and a
    statement sent twice is one statement in the LRS (its id is the event's)."""
    result = SendResult()
    if not enabled():
        return result
    now = now or timezone.now()
    batch_size = batch_size or settings.XAPI_BATCH_SIZE
    for _ in range(max_batches):
        rows = _claim(now, batch_size)
        if not rows:
            break
        try:
            status = _request("POST", _statements_url(), [r.payload for r in rows])
            if status in {400, 409}:
                one_by_one = _send_one_by_one(rows, now)
                result.sent += one_by_one.sent
                result.rejected += one_by_one.rejected
            else:
                _mark(rows, Statement.Status.SENT, now)
                result.sent += len(rows)
        except LRSUnavailable as error:
            unsent = list(
                Statement.objects.filter(
                    id__in=[r.id for r in rows], status=Statement.Status.PENDING
                )
            )
            if unsent:
                _postpone(unsent, now, str(error))
            result.failed += len(unsent)
            result.error = str(error)
            logger.warning("xAPI: %d statements left pending: %s", len(unsent), error)
            break
    return result
