"""Reads about supervision that other apps and several views use: hours against targets, the
status of a person's supervision and the learning needs named in their sessions.

Hours count only *countable* sessions: signed off and not peer supervision. Every supervisee
at a group session is credited with its full duration. A session on day ``d`` counts in a
rolling window of ``W`` months up to and including ``add_months(d, W) - 1 day``; the windows
below are computed so that ``supervision_valid_until`` and the hours totals always agree.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from content.models import CompetencyArea

from .models import (
    SessionAttendance,
    SupervisionAgreement,
    SupervisionSession,
    SupervisionTarget,
    countable_q,
)

ROLLING_MONTHS = 12
HUNDREDTH = Decimal("0.01")


class Status:
    ON_TRACK = "on_track"
    BEHIND = "behind"
    OVERDUE = "overdue"
    NO_TARGET = "no_target"

    LABELS = {
        ON_TRACK: "On track",
        BEHIND: "Behind",
        OVERDUE: "Overdue",
        NO_TARGET: "No target",
    }
    TAGS = {ON_TRACK: "tag--ok", BEHIND: "tag--warn", OVERDUE: "tag--bad", NO_TARGET: "tag--muted"}


# --- Dates ----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of shorter months."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(on: date, months: int = ROLLING_MONTHS) -> date:
    """The first day of the rolling window of ``months`` months that ends on ``on``: the
    earliest session date ``d`` with ``add_months(d, months) - 1 day >= on``."""
    start = add_months(on, -months)
    while add_months(start, months) > on:
        start -= timedelta(days=1)
    while add_months(start, months) <= on:
        start += timedelta(days=1)
    return start


def valid_until_for(session_date: date, months: int) -> date:
    """The last day on which a session held on ``session_date`` is inside the window."""
    return add_months(session_date, months) - timedelta(days=1)


def minutes_to_hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(HUNDREDTH)


# --- Targets --------------------------------------------------------------------------------


def target_for_tier(tier) -> SupervisionTarget | None:
    if tier is None:
        return None
    return targets_by_tier_id().get(tier.pk)


def has_supervision_target(tier) -> bool:
    """Whether ``tier`` sets a supervision target at all (T1 does not, by default)."""
    return target_for_tier(tier) is not None


TARGETS_CACHE_KEY = "supervision:targets"


def targets_by_tier_id() -> dict[int, SupervisionTarget]:
    """Tier id -> target; the default targets are created on first use. Kept in the cache until
    a target or a tier changes (``forget_targets``): every supervision page asks."""
    from django.core.cache import cache

    targets = cache.get(TARGETS_CACHE_KEY)
    if targets is None:
        targets = {t.tier_id: t for t in SupervisionTarget.objects.select_related("tier")}
        if not targets:
            from .services import ensure_default_targets

            ensure_default_targets()
            targets = {t.tier_id: t for t in SupervisionTarget.objects.select_related("tier")}
        cache.set(TARGETS_CACHE_KEY, targets, 300)
    return targets


def forget_targets(**kwargs) -> None:
    from django.core.cache import cache

    cache.delete(TARGETS_CACHE_KEY)


# --- Hours ----------------------------------------------------------------------------------


def countable_attendances(user) -> QuerySet[SessionAttendance]:
    """The person's attendances at countable sessions (see ``models.countable_q``)."""
    return SessionAttendance.objects.filter(countable_q("session__"), supervisee=user)


def _minutes_between(user, start: date | None, end: date) -> int:
    qs = countable_attendances(user).filter(session__date__lte=end)
    if start is not None:
        qs = qs.filter(session__date__gte=start)
    return qs.aggregate(total=Sum("session__duration_minutes"))["total"] or 0


def hours_in_window(user, *, months: int = ROLLING_MONTHS, on: date | None = None) -> Decimal:
    on = on or timezone.localdate()
    return minutes_to_hours(_minutes_between(user, window_start(on, months), on))


def hours_since(user, since: date, *, on: date | None = None) -> Decimal:
    """Signed-off countable hours from ``since`` (inclusive) to ``on`` (default today)."""
    on = on or timezone.localdate()
    return minutes_to_hours(_minutes_between(user, since, on))


def hours_by_user(user_ids: Iterable[int], *, on: date | None = None) -> dict[int, Decimal]:
    """Signed-off countable hours in the rolling 12 months for many people, in one query.
    Everyone asked about is in the answer (with 0 when they have no hours)."""
    on = on or timezone.localdate()
    ids = list({int(i) for i in user_ids})
    result = dict.fromkeys(ids, Decimal("0.00"))
    if not ids:
        return result
    rows = (
        SessionAttendance.objects.filter(
            countable_q("session__"),
            supervisee_id__in=ids,
            session__date__gte=window_start(on, ROLLING_MONTHS),
            session__date__lte=on,
        )
        .values("supervisee_id")
        .annotate(total=Sum("session__duration_minutes"))
        .order_by()
    )
    for row in rows:
        result[row["supervisee_id"]] = minutes_to_hours(row["total"])
    return result


def supervision_valid_until(user, tier) -> date | None:
    """The last day on which ``user`` meets the supervision target for ``tier``, given the
    signed-off, countable (non-peer) sessions so far; None if the target is not met today or if
    ``tier`` has no supervision target (see ``target_progress``)."""
    target = target_for_tier(tier)
    if target is None:
        return None
    return target_progress(user, target)[0]


def target_progress(user, target: SupervisionTarget, on: date | None = None, *, sessions=None):
    """``(valid_until, minutes)`` for ``target``: the last day on which ``user`` meets it (None
    if not met on ``on``) and the countable minutes in its window ending on ``on``. One query,
    none with ``sessions``: the person's countable sessions as ``(date, session id, minutes)``,
    when the caller has read them already (any order, any dates).

    Walks the sessions in the window newest first, adding up minutes; the session that brings
    the sum to the target has date ``d``, and the target stays met until ``d + window - 1 day``
    (as older sessions drop out first, the newest ones that reach the target are the last to
    keep it met).
    """
    on = on or timezone.localdate()
    needed = target.target_minutes
    since = window_start(on, target.window_months)
    if sessions is None:
        rows = (
            countable_attendances(user)
            .filter(session__date__gte=since, session__date__lte=on)
            .order_by("-session__date", "-session_id")
            .values_list("session__date", "session__duration_minutes")
        )
    else:
        rows = [
            (day, minutes)
            for day, _, minutes in sorted(sessions, key=lambda s: (s[0], s[1]), reverse=True)
            if since <= day <= on
        ]
    total, valid_until = 0, None
    for session_date, minutes in rows:
        total += minutes
        if valid_until is None and total >= needed:
            valid_until = valid_until_for(session_date, target.window_months)
    return valid_until, total


def countable_sessions_by_user(
    user_ids: Iterable[int], *, since: date, on: date
) -> dict[int, list[tuple[date, int, int]]]:
    """Each person's countable sessions from ``since`` to ``on`` as ``(date, session id,
    minutes)`` (``target_progress``'s ``sessions``), for many people in one query; everyone
    asked about is in the answer."""
    ids = list({int(i) for i in user_ids})
    found: dict[int, list[tuple[date, int, int]]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = SessionAttendance.objects.filter(
        countable_q("session__"),
        supervisee_id__in=ids,
        session__date__gte=since,
        session__date__lte=on,
    ).values_list("supervisee_id", "session__date", "session_id", "session__duration_minutes")
    for user_id, session_date, session_id, minutes in rows:
        found[user_id].append((session_date, session_id, minutes))
    return found


# --- Status ---------------------------------------------------------------------------------


@dataclass
class SupervisionSummary:
    """Where a person stands against their supervision target on ``on``."""

    user: object
    on: date
    hours_12m: Decimal
    target: SupervisionTarget | None
    status: str
    last_session_on: date | None
    next_session_on: date | None
    hours_in_target_window: Decimal = Decimal("0.00")
    expected_hours: Decimal = Decimal("0.00")
    overdue_since: date | None = None
    in_post_since: date | None = None
    _hours_since_cache: dict = field(default_factory=dict, repr=False)

    @property
    def reason(self) -> str:
        """Why the status is what it is, in words: the hours in the target's window, the hours
        expected by today (pro rata for someone who started in post during the window) and the
        target; for *overdue*, when a session was due."""
        if self.target is None:
            return "no supervision target for the tier this role requires"
        target = f"target {self.target.describe()}"
        if self.status == Status.OVERDUE:
            last = (
                f"last counted session {_day(self.last_session_on)}"
                if self.last_session_on
                else "no counted session yet"
            )
            return f"{last}; one was due by {_day(self.overdue_since)} ({target})"
        expected = f"{_hours(self.expected_hours)} expected by today"
        start = window_start(self.on, self.target.window_months)
        if self.in_post_since and self.in_post_since > start:
            expected += f", pro rata from starting in post on {_day(self.in_post_since)}"
        return (
            f"{_hours(self.hours_in_target_window)} hours in the last "
            f"{self.target.window_months} months; {expected} ({target})"
        )

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def status_tag(self) -> str:
        return Status.TAGS[self.status]

    @property
    def percent_of_target(self) -> int:
        if not self.target or not self.target.hours:
            return 0
        return min(100, int(self.hours_in_target_window * 100 / self.target.hours))

    def hours_since(self, since: date) -> Decimal:
        """Signed-off countable hours from ``since`` to the summary's date."""
        if since not in self._hours_since_cache:
            self._hours_since_cache[since] = hours_since(self.user, since, on=self.on)
        return self._hours_since_cache[since]


def _hours(value: Decimal) -> str:
    """3.00 -> "3", 2.50 -> "2.5"."""
    return f"{Decimal(value).normalize():f}"


def _day(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else ""


def _in_post_since(memberships, on: date) -> date | None:
    starts = [m.start_date for m in memberships if m.job_role_id and m.start_date <= on]
    return min(starts, default=None)


def compute_status(
    *,
    target: SupervisionTarget | None,
    minutes_in_window: int,
    last_session_on: date | None,
    in_post_since: date | None,
    on: date,
) -> tuple[str, Decimal, date | None]:
    """``(status, expected_hours, overdue_since)`` for one person.

    - *overdue*: no countable session for longer than the target's ``max_gap_days`` (or the
      whole window when it has none), counting from when the person started in post if they
      have had no session since;
    - *behind*: fewer hours than expected by now: the full target for someone in post for the
      whole window, a pro-rata share (rounded down to whole hours) for someone who started
      during it;
    - *on track*: otherwise.
    """
    if target is None:
        return Status.NO_TARGET, Decimal("0.00"), None
    start = window_start(on, target.window_months)
    window_days = (on - start).days + 1
    counted_from = max(start, in_post_since) if in_post_since else start
    elapsed_days = (on - counted_from).days + 1
    if elapsed_days >= window_days:
        expected_minutes = target.target_minutes
    else:
        # Pro rata, in whole hours: nobody is behind before a whole session is due.
        expected_minutes = 60 * int(target.target_minutes * elapsed_days / window_days // 60)
    expected = minutes_to_hours(expected_minutes)

    gap_days = target.max_gap_days or window_days
    reference = last_session_on
    if reference is None or (in_post_since and reference < in_post_since):
        reference = in_post_since or start
    # A gap of N days allowed: the next session is due N days after the last one.
    due = reference + timedelta(days=gap_days)
    if on > due:
        return Status.OVERDUE, expected, due
    if minutes_in_window < expected_minutes:
        return Status.BEHIND, expected, None
    return Status.ON_TRACK, expected, None


def supervision_summary(user, *, on: date | None = None) -> SupervisionSummary:
    """Hours in the rolling 12 months, the target for the person's required tier, their status
    ('on_track' | 'behind' | 'overdue' | 'no_target') and their last and next session dates."""
    from lms.workforce.selectors import active_memberships, todays_memberships

    on = on or timezone.localdate()
    if on == timezone.localdate():
        memberships = todays_memberships(user)  # read once per request for every part
    else:
        memberships = list(active_memberships(user, on))
    required = [m.job_role.required_tier for m in memberships if m.job_role_id]
    target = target_for_tier(max(required, key=lambda t: t.order, default=None))
    attendances = countable_attendances(user).filter(session__date__lte=on)
    months = target.window_months if target else ROLLING_MONTHS
    # The hours, the last session and the next planned one, as one query.
    per_person = attendances.order_by().values("supervisee")

    def total(expression, **filters):
        return Subquery(per_person.filter(**filters).annotate(v=expression).values("v")[:1])

    totals = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            m12=total(
                Sum("session__duration_minutes"),
                session__date__gte=window_start(on, ROLLING_MONTHS),
            ),
            mwin=total(
                Sum("session__duration_minutes"), session__date__gte=window_start(on, months)
            ),
            last=total(Max("session__date")),
            next_on=Subquery(
                SessionAttendance.objects.filter(supervisee=user, session__next_session_on__gte=on)
                .order_by("-session__date", "-session_id")
                .values("session__next_session_on")[:1]
            ),
        )
        .values("m12", "mwin", "last", "next_on")
        .get()
    )
    next_on = totals["next_on"]
    in_post_since = _in_post_since(memberships, on)
    status, expected, overdue_since = compute_status(
        target=target,
        minutes_in_window=totals["mwin"] or 0,
        last_session_on=totals["last"],
        in_post_since=in_post_since,
        on=on,
    )
    return SupervisionSummary(
        user=user,
        on=on,
        hours_12m=minutes_to_hours(totals["m12"]),
        target=target,
        status=status,
        last_session_on=totals["last"],
        next_session_on=next_on,
        hours_in_target_window=minutes_to_hours(totals["mwin"]),
        expected_hours=expected,
        overdue_since=overdue_since,
        in_post_since=in_post_since,
    )


def summaries_for_memberships(memberships, *, on: date | None = None) -> dict:
    """``{user_id: SupervisionSummary}`` for the people of many memberships (e.g. a manager's
    staff), in a constant number of queries. ``memberships`` need ``job_role__required_tier``
    loaded (``staff_in_scope`` does that)."""
    on = on or timezone.localdate()
    targets = targets_by_tier_id()
    people: dict[int, dict] = {}
    for m in memberships:
        entry = people.setdefault(m.user_id, {"user": m.user, "memberships": [], "tier": None})
        entry["memberships"].append(m)
        tier = m.job_role.required_tier if m.job_role_id else None
        if tier and (entry["tier"] is None or tier.order > entry["tier"].order):
            entry["tier"] = tier
    if not people:
        return {}
    windows = {ROLLING_MONTHS} | {t.window_months for t in targets.values()}
    filters = {
        f"m{w}": Sum("session__duration_minutes", filter=Q(session__date__gte=window_start(on, w)))
        for w in windows
    }
    rows = (
        SessionAttendance.objects.filter(
            countable_q("session__"), supervisee_id__in=list(people), session__date__lte=on
        )
        .values("supervisee_id")
        .annotate(last=Max("session__date"), **filters)
        .order_by()
    )
    by_user = {row["supervisee_id"]: row for row in rows}
    result = {}
    for user_id, entry in people.items():
        target = targets.get(entry["tier"].pk) if entry["tier"] else None
        row = by_user.get(user_id, {})
        months = target.window_months if target else ROLLING_MONTHS
        in_post_since = _in_post_since(entry["memberships"], on)
        status, expected, overdue_since = compute_status(
            target=target,
            minutes_in_window=row.get(f"m{months}") or 0,
            last_session_on=row.get("last"),
            in_post_since=in_post_since,
            on=on,
        )
        result[user_id] = SupervisionSummary(
            user=entry["user"],
            on=on,
            hours_12m=minutes_to_hours(row.get(f"m{ROLLING_MONTHS}")),
            target=target,
            status=status,
            last_session_on=row.get("last"),
            next_session_on=None,
            hours_in_target_window=minutes_to_hours(row.get(f"m{months}")),
            expected_hours=expected,
            overdue_since=overdue_since,
            in_post_since=in_post_since,
        )
    return result


# --- Learning needs -------------------------------------------------------------------------


def learning_needs(user) -> QuerySet[CompetencyArea]:
    """Competency areas named as learning needs in the person's recent (signed-off, last 12
    months) sessions; the learner's dashboard suggests courses in these areas."""
    today = timezone.localdate()
    session_ids = SessionAttendance.objects.filter(
        supervisee=user,
        session__status=SupervisionSession.Status.SIGNED_OFF,
        session__date__gte=window_start(today, ROLLING_MONTHS),
        session__date__lte=today,
    ).values("session_id")
    return CompetencyArea.objects.filter(supervision_sessions_as_need__in=session_ids).distinct()


# --- Pages ----------------------------------------------------------------------------------


def agreements_as_supervisee(user) -> list:
    """The person's places in agreements that are not ended or declined, with supervisors."""
    from .models import AgreementParty

    return list(
        AgreementParty.objects.filter(
            supervisee=user, declined_at__isnull=True, agreement__ended_on__isnull=True
        )
        .select_related("agreement__supervisor")
        .order_by("-agreement__start_date", "-agreement_id")
    )


def agreements_as_supervisor(user) -> list[SupervisionAgreement]:
    return list(
        SupervisionAgreement.objects.filter(supervisor=user, ended_on__isnull=True)
        .prefetch_related("parties__supervisee")
        .order_by("-start_date", "-pk")
    )


def sessions_attended(user, *, limit: int | None = None) -> QuerySet[SupervisionSession]:
    qs = (
        SupervisionSession.objects.filter(attendances__supervisee=user)
        .select_related("agreement__supervisor")
        .order_by("-date", "-pk")
    )
    return qs[:limit] if limit else qs


def open_actions_for(user) -> list:
    """Open actions from sessions the person attended or led, oldest due first."""
    from .models import SessionAction

    attended = SessionAttendance.objects.filter(supervisee=user).values("session_id")
    return list(
        SessionAction.objects.filter(status=SessionAction.Status.OPEN)
        .filter(Q(session__in=attended) | Q(session__agreement__supervisor=user))
        .select_related("owner", "session")
        .order_by(models_nulls_last("due_date"), "pk")
    )


def models_nulls_last(name: str):
    from django.db.models import F

    return F(name).asc(nulls_last=True)


def awaiting_reflection_from(user) -> list:
    """Draft sessions in which the person has not yet added their reflection."""
    return list(
        SessionAttendance.objects.filter(
            supervisee=user,
            session__status=SupervisionSession.Status.DRAFT,
            reflection_submitted_at__isnull=True,
        )
        .select_related("session__agreement__supervisor")
        .order_by("-session__date")
    )


def drafts_led_by(user) -> tuple[list, list]:
    """The supervisor's draft sessions: ``(awaiting_sign_off, waiting_for_reflections)``.

    A draft awaits sign-off once every attendee has added their reflection."""
    drafts = list(
        SupervisionSession.objects.filter(
            agreement__supervisor=user, status=SupervisionSession.Status.DRAFT
        )
        .prefetch_related("attendances__supervisee")
        .order_by("-date", "-pk")
    )
    ready, waiting = [], []
    for session in drafts:
        attendances = list(session.attendances.all())
        session.missing_reflections = [
            a.supervisee for a in attendances if a.reflection_submitted_at is None
        ]
        (waiting if session.missing_reflections else ready).append(session)
    return ready, waiting


def carried_forward_actions(agreement, *, before=None) -> list:
    """Open actions from the agreement's earlier sessions (those before ``before``, a session,
    if given): shown on the next session until someone marks them done."""
    from .models import SessionAction

    qs = SessionAction.objects.filter(
        session__agreement=agreement, status=SessionAction.Status.OPEN
    ).select_related("owner", "session")
    if before is not None:
        qs = qs.filter(
            Q(session__date__lt=before.date)
            | Q(session__date=before.date, session_id__lt=before.pk)
        )
    return list(qs.order_by("session__date", "pk"))


def supervisee_summaries(user, agreements) -> list:
    """For a supervisor: each current supervisee once, with their summary (constant queries)."""
    from lms.workforce.models import Membership

    people = {}
    for agreement in agreements:
        for party in agreement.parties.all():
            if party.accepted_at:
                people.setdefault(party.supervisee_id, party.supervisee)
    if not people:
        return []
    memberships = (
        Membership.objects.active()
        .filter(user_id__in=list(people))
        .select_related("user", "job_role__required_tier")
    )
    summaries = summaries_for_memberships(memberships)
    missing = [user_id for user_id in people if user_id not in summaries]
    hours = hours_by_user(missing) if missing else {}
    today = timezone.localdate()
    rows = []
    for user_id, person in sorted(people.items(), key=lambda p: str(p[1]).lower()):
        summary = summaries.get(user_id) or SupervisionSummary(
            user=person,
            on=today,
            hours_12m=hours[user_id],
            target=None,
            status=Status.NO_TARGET,
            last_session_on=None,
            next_session_on=None,
        )
        rows.append(summary)
    return rows


def planned_sessions_missed(agreements) -> list:
    """Agreements whose latest session planned a next date that has passed with no session
    since: ``[(agreement, planned_date)]``."""
    ids = [a.pk for a in agreements]
    if not ids:
        return []
    today = timezone.localdate()
    latest: dict[int, tuple] = {}
    for agreement_id, session_date, next_on in (
        SupervisionSession.objects.filter(agreement_id__in=ids)
        .order_by("agreement_id", "date", "pk")
        .values_list("agreement_id", "date", "next_session_on")
    ):
        latest[agreement_id] = (session_date, next_on)
    by_id = {a.pk: a for a in agreements}
    return [
        (by_id[agreement_id], next_on)
        for agreement_id, (_, next_on) in latest.items()
        if next_on and next_on < today
    ]
