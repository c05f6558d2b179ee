"""Reads about certificates: a person's certificates, lookups by number or verification code,
what the periodic sweep has to finish, and the content of a practitioner's training record.

List reads take a constant number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from courses.models import Completion, TierStanding
from lms.lookups import as_id

from .codes import normalise_code
from .models import Certificate, TrainingRecord
from .permissions import may_download

# --- Certificates ---------------------------------------------------------------------------


def certificates_of(user) -> QuerySet[Certificate]:
    """A person's certificates, newest first, with the certificate each one renews."""
    return (
        Certificate.objects.filter(user=user)
        .select_related("previous")
        .order_by("-issued_at", "-pk")
    )


def by_code(typed: str) -> Certificate | None:
    """The certificate with a verification code, however it was typed; None if there is none."""
    code = normalise_code(typed)
    if code is None:
        return None
    return Certificate.objects.filter(code=code).select_related("user").first()


def certificate_for_download(user, ref: str) -> Certificate | None:
    """The certificate ``ref`` (its number, or its id) if ``user`` may download it and its PDF
    exists; None otherwise (the view answers 404 either way, so nothing leaks)."""
    ref = (ref or "").strip().upper()
    query = Q(number=ref)
    if (pk := as_id(ref)) is not None:
        query |= Q(pk=pk)
    certificate = Certificate.objects.filter(query).first()
    if certificate is None or not certificate.pdf or not may_download(user, certificate):
        return None
    return certificate


def certificate_of_completion(user, completion_id: int) -> Certificate | None:
    """The certificate of ``user``'s own completion ``completion_id``, or None."""
    return Certificate.objects.filter(completion_id=completion_id, user=user).first()


# --- What the sweep finishes ----------------------------------------------------------------


def completions_missing_certificates(*, before: datetime, limit: int) -> list[int]:
    """Completions of courses that issue certificates, recorded before ``before``, with no
    certificate: their issue task was lost (e.g. the broker was down)."""
    return list(
        Completion.objects.filter(
            course__issues_certificate=True,
            source=Completion.Source.COURSE,
            certificate__isnull=True,
            completed_at__lt=before,
            # Nothing new is made for a person whose record was erased (lms.privacy).
            user__erased_at__isnull=True,
        )
        .order_by("completed_at")
        .values_list("pk", flat=True)[:limit]
    )


def certificates_unfinished(*, before: datetime, email_since: datetime, limit: int) -> list[int]:
    """Completion ids of certificates created before ``before`` that still lack their PDF, or
    whose holder has not been emailed (for certificates created since ``email_since``).
    Certificates of erased people have no PDF on purpose and are left alone."""
    return list(
        Certificate.objects.filter(created_at__lt=before, user__erased_at__isnull=True)
        .filter(
            Q(pdf="")
            | Q(emailed_at__isnull=True, revoked_at__isnull=True, created_at__gte=email_since)
        )
        .order_by("created_at")
        .values_list("completion_id", flat=True)[:limit]
    )


def stale_training_records(*, queued_before: datetime) -> list[int]:
    """Training-record requests still waiting since before ``queued_before`` (their task was
    lost)."""
    return list(
        TrainingRecord.objects.filter(
            status=TrainingRecord.Status.QUEUED, requested_at__lt=queued_before
        ).values_list("pk", flat=True)
    )


def stuck_training_records(*, started_before: datetime) -> list[int]:
    """Requests that started building before ``started_before`` and never finished."""
    return list(
        TrainingRecord.objects.filter(
            status=TrainingRecord.Status.RUNNING, started_at__lt=started_before
        ).values_list("pk", flat=True)
    )


# --- Training records -----------------------------------------------------------------------


def training_records_of(user, limit: int = 5) -> list[TrainingRecord]:
    return list(TrainingRecord.objects.filter(user=user).order_by("-requested_at", "-pk")[:limit])


def training_record_for(user, pk: int) -> TrainingRecord | None:
    if not (user and user.is_authenticated):
        return None
    return TrainingRecord.objects.filter(pk=pk, user=user).first()


@dataclass
class RecordRow:
    completion: Completion
    certificate: Certificate | None
    current: bool

    @property
    def cpd_hours(self) -> Decimal:
        if self.certificate is not None:
            return self.certificate.cpd_hours
        return self.completion.course.cpd_hours

    @property
    def cpd_hours_label(self) -> str:
        from .documents import format_hours

        return format_hours(self.cpd_hours)


@dataclass
class RoleRow:
    unit: str
    job_role: str
    required_tier: str
    since: date


@dataclass
class TrainingRecordContent:
    person: object
    generated_at: datetime
    on: date
    roles: list[RoleRow]
    required_tier: object
    tier_summary: object
    standings: list[TierStanding]
    completions: list[RecordRow]
    certificates: list[Certificate]
    supervision: object | None
    total_cpd_hours: Decimal = Decimal("0")
    current_count: int = 0
    # Training done elsewhere that is not a completion here (recorded, claimed or not
    # recognised): its hours count toward CPD all the same.
    elsewhere: list = dataclass_field(default_factory=list)

    @property
    def total_cpd_hours_label(self) -> str:
        from .documents import format_hours

        return format_hours(self.total_cpd_hours)


def _supervision_summary(user, on: date):
    """The person's supervision hours against their target, if the supervision app provides
    them (it is optional to this record)."""
    try:
        from supervision.selectors import supervision_summary
    except ImportError:
        return None
    return supervision_summary(user, on=on)


def training_record_context(user, *, on: date | None = None) -> dict:
    """Everything the training-record PDF shows, for one person: who they are and where they
    work, the tiers they hold against the tier their roles require, every completion with its
    certificate, and their supervision hours. About ten queries, whatever the length of the
    record."""
    from courses.selectors import tier_summary
    from lms.workforce.selectors import active_memberships

    on = on or timezone.localdate()
    memberships = list(
        active_memberships(user, on).select_related("unit", "job_role", "job_role__required_tier")
    )
    roles = [
        RoleRow(
            unit=m.unit.label,
            job_role=m.job_role.name if m.job_role else "No job role (manager)",
            required_tier=str(m.job_role.required_tier) if m.job_role else "",
            since=m.start_date,
        )
        for m in memberships
    ]
    role_tiers = [m.job_role.required_tier for m in memberships if m.job_role]
    required = max(role_tiers, key=lambda t: t.order, default=None)
    standings = list(
        TierStanding.objects.filter(user=user, valid_until__gte=on)
        .select_related("tier")
        .order_by("tier__order")
    )
    certificates = {
        c.completion_id: c for c in Certificate.objects.filter(user=user).select_related("previous")
    }
    completions = list(
        Completion.objects.filter(user=user)
        .select_related("course")
        .order_by("-completed_at", "-pk")
    )
    rows = [RecordRow(c, certificates.get(c.pk), c.valid_until >= on) for c in completions]
    from courses.models import PriorLearning

    elsewhere = list(
        PriorLearning.objects.filter(user=user).exclude(status=PriorLearning.Status.APPROVED)
    )
    hours = sum((row.cpd_hours for row in rows), start=Decimal("0"))
    hours += sum((p.hours for p in elsewhere), start=Decimal("0"))
    content = TrainingRecordContent(
        person=user,
        generated_at=timezone.now(),
        on=on,
        roles=roles,
        required_tier=required,
        tier_summary=tier_summary(user, required, on),
        standings=standings,
        completions=rows,
        certificates=sorted(certificates.values(), key=lambda c: c.issued_at, reverse=True),
        supervision=_supervision_summary(user, on),
        total_cpd_hours=hours,
        current_count=sum(1 for row in rows if row.current),
        elsewhere=elsewhere,
    )
    return {"record": content}
