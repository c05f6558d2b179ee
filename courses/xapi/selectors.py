"""Reads: the outbox's figures for the admin page."""

from dataclasses import dataclass

from django.db.models import Count, Min, Q

from .models import Statement


@dataclass
class OutboxCounts:
    pending: int
    retrying: int  # pending after at least one failed attempt
    sent: int
    rejected: int
    oldest_pending_at: object
    last_error: str


def outbox_counts() -> OutboxCounts:
    pending = Q(status=Statement.Status.PENDING)
    figures = Statement.objects.aggregate(
        pending=Count("pk", filter=pending),
        retrying=Count("pk", filter=pending & Q(attempts__gt=0)),
        sent=Count("pk", filter=Q(status=Statement.Status.SENT)),
        rejected=Count("pk", filter=Q(status=Statement.Status.REJECTED)),
        oldest=Min("created_at", filter=pending),
    )
    last_error = (
        Statement.objects.filter(pending, attempts__gt=0)
        .order_by("-next_attempt_at")
        .values_list("last_error", flat=True)
        .first()
    )
    return OutboxCounts(
        pending=figures["pending"],
        retrying=figures["retrying"],
        sent=figures["sent"],
        rejected=figures["rejected"],
        oldest_pending_at=figures["oldest"],
        last_error=last_error or "",
    )
