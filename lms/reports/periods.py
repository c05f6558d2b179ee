"""Writing ``CoveragePeriod``: each membership's dated history of holding, or not holding, the
tier its job role requires (the read model behind coverage on a past day, ``outcomes``).

For a batch of people it reads their memberships, completions, countable supervision sessions
and assessments in four queries, works out each person's tier history with
``courses.services.standing_periods`` (the same rules as their ``TierStanding`` today, applied
to the records as they stood on each day one was added), cuts each membership's life into
holding and not-holding periods, and replaces the batch's rows: a constant number of statements
whatever the batch's size. ``facts.refresh_people`` calls it with the entries, in the same
transaction as the change; ``facts.rebuild`` for everyone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from courses.models import CompetencyAssessment, Completion
from lms.workforce.models import Membership
from supervision.models import SessionAttendance, countable_q

from .models import CoveragePeriod

BATCH = 2000  # people per batch (tests make it smaller)


@dataclass(frozen=True)
class _Completion:
    course_id: int
    completed_on: date
    valid_until: date


def _memberships(user_ids: list[int]) -> list[dict]:
    return list(
        Membership.objects.filter(
            user_id__in=user_ids,
            job_role__isnull=False,
            job_role__required_tier__isnull=False,
        ).values(
            "id",
            "user_id",
            "unit_id",
            "job_role_id",
            "job_role__required_tier_id",
            "start_date",
            "end_date",
        )
    )


def _records(user_ids: list[int]):
    """Per person: completions, countable sessions and assessments (newest first)."""
    completions, sessions, assessments = defaultdict(list), defaultdict(list), defaultdict(list)
    for user_id, course_id, completed_at, valid_until in Completion.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "course_id", "completed_at", "valid_until"):
        completions[user_id].append(
            _Completion(course_id, timezone.localdate(completed_at), valid_until)
        )
    for user_id, day, session_id, minutes in (
        SessionAttendance.objects.filter(countable_q("session__"), supervisee_id__in=user_ids)
        .values_list("supervisee_id", "session__date", "session_id", "session__duration_minutes")
        .order_by()
    ):
        sessions[user_id].append((day, session_id, minutes))
    for assessment in CompetencyAssessment.objects.filter(user_id__in=user_ids).select_related(
        "tier"
    ):
        assessments[assessment.user_id].append(assessment)
    return completions, sessions, assessments


def membership_periods(
    start: date, end: date | None, holding: list[tuple[date, date]]
) -> list[tuple[bool, date, date | None]]:
    """``(holds, first day, last day or None)`` covering ``start``..``end`` (None: open) without
    gaps, from the stretches in which the tier is held (sorted, not overlapping)."""
    periods: list[tuple[bool, date, date | None]] = []
    cursor = start
    for first, last in holding:
        if last < cursor:
            continue
        if end is not None and first > end:
            break
        if first > cursor:
            periods.append((False, cursor, first - timedelta(days=1)))
            cursor = first
        stop = last if end is None else min(last, end)
        periods.append((True, cursor, stop))
        cursor = stop + timedelta(days=1)
        if end is not None and cursor > end:
            return periods
    periods.append((False, cursor, end))
    return periods


def _overlap(a: dict, b: dict) -> bool:
    """Whether two memberships share a day (a mover's old and new teams do not)."""
    return (a["end_date"] is None or a["end_date"] >= b["start_date"]) and (
        b["end_date"] is None or b["end_date"] >= a["start_date"]
    )


def _rows(user_ids: list[int], today: date) -> list[CoveragePeriod]:
    from courses.selectors import tier_framework
    from courses.services import standing_periods

    framework = tier_framework()
    memberships = _memberships(user_ids)
    people = sorted({m["user_id"] for m in memberships})
    completions, sessions, assessments = _records(people)
    rows = []
    by_user = defaultdict(list)
    for m in memberships:
        by_user[m["user_id"]].append(m)
    for user_id in people:
        history = defaultdict(list)
        for tier_id, first, last in standing_periods(
            user_id,
            completions=completions[user_id],
            sessions=sessions[user_id],
            assessments=assessments[user_id],
            until=today,
            framework=framework,
        ):
            history[tier_id].append((first, last))
        for m in by_user[user_id]:
            single = not any(_overlap(m, other) for other in by_user[user_id] if other is not m)
            tier_id = m["job_role__required_tier_id"]
            for holds, first, last in membership_periods(
                m["start_date"], m["end_date"], sorted(history[tier_id])
            ):
                rows.append(
                    CoveragePeriod(
                        membership_id=m["id"],
                        user_id=user_id,
                        unit_id=m["unit_id"],
                        job_role_id=m["job_role_id"],
                        tier_id=tier_id,
                        holds=holds,
                        single=single,
                        valid_from=first,
                        valid_to=last,
                    )
                )
    return rows


def write_periods(user_ids: list[int], today: date | None = None) -> int:
    """Replace the periods of these people. Call inside the transaction of the change."""
    today = today or timezone.localdate()
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    rows = _rows(ids, today)
    CoveragePeriod.objects.filter(user_id__in=ids).delete()
    CoveragePeriod.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def rebuild_periods(today: date | None = None) -> int:
    """Recompute every period, in batches of people."""
    today = today or timezone.localdate()
    CoveragePeriod.objects.all().delete()
    # A set: with the model's default ordering, DISTINCT would keep a person once per
    # membership, and a person split over two batches would be written twice.
    ids = sorted(
        set(
            Membership.objects.filter(Q(job_role__isnull=False))
            .order_by()
            .values_list("user_id", flat=True)
            .distinct()
        )
    )
    written = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows = _rows(batch, today)
        CoveragePeriod.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written
