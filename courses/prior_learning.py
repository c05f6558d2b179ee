"""Prior and external learning: what a practitioner did elsewhere, the evidence for it, a claim
that it is equivalent to a catalogue course, and a verifier's decision.

Writes (``record``, ``decide``) and reads (``awaiting_decision``, ``hours_elsewhere``) and the
one rule of who may see or decide a record (``may_see``, ``may_decide``). An approved claim
becomes a completion through ``courses.services.record_external_completions`` (source:
recognised prior learning), so it counts in standing, coverage and the training record like any
completion, without a certificate from this system. Every record and decision is in the audit
log; the practitioner is emailed either way.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from lms.accounts.validators import name_problem
from lms.celery import enqueue_on_commit

from .models import Completion, PriorLearning

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# What the evidence's first bytes must be: the type is read from the content, never the name.
SIGNATURES = {
    b"%PDF-": ("application/pdf", "PDF"),
    b"\xff\xd8\xff": ("image/jpeg", "JPEG"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "PNG"),
}
MAX_HOURS = Decimal("500")
AUDIT_RECORD = "courses.prior_learning_record"
AUDIT_APPROVE = "courses.prior_learning_approve"
AUDIT_REJECT = "courses.prior_learning_reject"


def evidence_type(head: bytes) -> str | None:
    """The content type of an evidence file from its first bytes, or None if not allowed."""
    for signature, (content_type, _) in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def check_evidence(upload) -> str:
    """Validate an uploaded evidence file; returns its content type."""
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            f"The evidence file is {upload.size / 1024 / 1024:.1f} MB; the most is 10 MB."
        )
    upload.seek(0)
    content_type = evidence_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError(
            "The evidence must be a PDF, JPEG or PNG file (this one is none of these, whatever "
            "its name says)."
        )
    return content_type


def _is_trainer(user) -> bool:
    from content.groups import TRAINERS

    return user.groups.filter(name=TRAINERS).exists()


def may_decide(user, claim: PriorLearning) -> bool:
    """Verifiers: the person's managers (who see their records), trainers and administrators;
    never the person themselves."""
    from lms.workforce.selectors import manages_person

    if not (user and user.is_authenticated) or user.pk == claim.user_id:
        return False
    return user.is_superuser or _is_trainer(user) or manages_person(user, claim.user, records=True)


def may_see(user, claim: PriorLearning) -> bool:
    return bool(user and user.is_authenticated) and (
        user.pk == claim.user_id or may_decide(user, claim)
    )


def _audit(claim: PriorLearning, action: str, by, **extra) -> None:
    from wagtail.log_actions import log

    log(
        claim,
        action,
        user=by,
        data={
            "person_id": claim.user_id,
            "title": claim.title,
            "course_id": claim.course_id,
            "status": claim.status,
            **extra,
        },
    )


@transaction.atomic
def record(
    *,
    user,
    title: str,
    provider: str,
    completed_on: date,
    hours: Decimal,
    evidence=None,
    course=None,
) -> PriorLearning:
    """Record learning done elsewhere (a claim for ``course`` when given)."""
    errors = {}
    for name, value, limit in (("title", title, 200), ("provider", provider, 200)):
        value = (value or "").strip()
        if not value:
            errors[name] = "This is needed."
        elif len(value) > limit:
            errors[name] = f"At most {limit} characters."
        elif name_problem(value):
            errors[name] = name_problem(value)
    if completed_on > timezone.localdate():
        errors["completed_on"] = "The date is in the future."
    if not (Decimal("0") < hours <= MAX_HOURS):
        errors["hours"] = f"Give the hours it took, more than 0 and at most {MAX_HOURS}."
    content_type = ""
    if evidence is not None:
        try:
            content_type = check_evidence(evidence)
        except ValidationError as exc:
            errors["evidence"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    claim = PriorLearning(
        user=user,
        title=title.strip(),
        provider=provider.strip(),
        completed_on=completed_on,
        hours=hours,
        course=course,
        status=PriorLearning.Status.CLAIMED if course else PriorLearning.Status.RECORDED,
        evidence_type=content_type,
        evidence_name=(evidence.name[-255:] if evidence is not None else ""),
    )
    if evidence is not None:
        claim.evidence.save("evidence", evidence, save=False)
    claim.save()
    _audit(claim, AUDIT_RECORD, user)
    return claim


def decide(
    *,
    claim: PriorLearning,
    by,
    approve: bool,
    expires_on: date | None = None,
    reason: str = "",
) -> PriorLearning:
    """A verifier approves a claim (it counts as a completion of the course until
    ``expires_on``) or rejects it with a reason. Deciding twice changes nothing."""
    from lms.workforce.signals import send_people_changed

    from .services import ExternalRecord, record_external_completions

    with transaction.atomic():
        claim = PriorLearning.objects.select_for_update().select_related("user").get(pk=claim.pk)
        if not may_decide(by, claim):
            raise PermissionDenied
        if claim.status != PriorLearning.Status.CLAIMED:
            return claim  # already decided (a double submit, or a second verifier)
        reason = reason.strip()
        if approve:
            if expires_on is None or expires_on <= claim.completed_on:
                raise ValidationError(
                    {"expires_on": "Give the date the recognition ends, after the completion."}
                )
        elif not reason:
            raise ValidationError({"reason": "Say why, so that the practitioner knows."})
        claim.status = PriorLearning.Status.APPROVED if approve else PriorLearning.Status.REJECTED
        claim.decided_by, claim.decided_at = by, timezone.now()
        claim.expires_on, claim.reason = (expires_on if approve else None), reason
        claim.save(update_fields=["status", "decided_by", "decided_at", "expires_on", "reason"])
        if approve:
            people = record_external_completions(
                records=[
                    ExternalRecord(
                        user_id=claim.user_id,
                        course=claim.course,
                        completed_on=claim.completed_on,
                        expires_on=expires_on,
                        source=Completion.Source.PRIOR_LEARNING,
                        reference=f"prior:{claim.pk}",
                    )
                ]
            )
            send_people_changed(people)
        _audit(claim, AUDIT_APPROVE if approve else AUDIT_REJECT, by, reason=reason)
        from .tasks import send_prior_learning_decision

        enqueue_on_commit(send_prior_learning_decision, claim.pk)
    return claim


def awaiting_decision(user):
    """Claims waiting for a decision that ``user`` may decide, oldest first."""
    from lms.workforce.selectors import record_root_paths

    claims = PriorLearning.objects.filter(status=PriorLearning.Status.CLAIMED).select_related(
        "user", "course"
    )
    if not user.is_superuser and not _is_trainer(user):
        paths = record_root_paths(user)
        if not paths:
            return claims.none()
        from django.db.models import Q

        from lms.workforce.models import Membership

        scope = Q(pk__in=[])
        for path in paths:
            scope |= Q(unit__path__startswith=path)
        people = Membership.objects.active().filter(scope).values("user_id")
        claims = claims.filter(user_id__in=people)
    return claims.exclude(user=user).order_by("created_at")


def hours_elsewhere(user) -> Decimal:
    """CPD hours of learning recorded elsewhere that is not counted as a course completion here
    (an approved claim's hours are the course's)."""
    total = (
        PriorLearning.objects.filter(user=user)
        .exclude(status=PriorLearning.Status.APPROVED)
        .aggregate(h=Sum("hours"))["h"]
    )
    return total or Decimal("0")
