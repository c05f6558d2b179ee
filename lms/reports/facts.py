"""Keeping the read models (``CoverageEntry``, ``CourseTally``, ``CoveragePeriod``) current.

``refresh_people(user_ids)`` recomputes the entries of some people and the course tallies of
their home units, set-based (a handful of statements whatever the number of people); the
receivers call it in the same transaction as every change that can move a figure.
``rebuild()`` recomputes everything (after a bulk load, or to repair); ``drift()`` lists the
differences between the entries and the live tables (tests and ``rebuild_coverage --check``).

The SQL is plain enough to run on PostgreSQL and on SQLite (the embedded default): common table
expressions, window functions, ``INSERT ... ON CONFLICT DO UPDATE``; no date arithmetic in SQL
(dates are compared with parameters computed here).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from content.models import CoursePage, Tier
from courses.models import (
    Completion,
    Enrolment,
    EnrolmentRule,
    LearnerSummary,
    ModuleProgress,
    TierStanding,
)
from lms.workforce.models import JobRole, Membership
from supervision.models import SessionAttendance, SupervisionSession, SupervisionTarget

from .models import CourseTally, CoverageEntry, CoveragePeriod, CoverageTally
from .periods import rebuild_periods, write_periods

logger = logging.getLogger(__name__)

EXPIRING_DAYS = 90
CHUNK = 500

ENTRY = CoverageEntry._meta.db_table
MEMBERSHIP = Membership._meta.db_table
JOB_ROLE = JobRole._meta.db_table
TIER = Tier._meta.db_table
STANDING = TierStanding._meta.db_table
SUMMARY = LearnerSummary._meta.db_table
TARGET = SupervisionTarget._meta.db_table
ATTENDANCE = SessionAttendance._meta.db_table
SESSION = SupervisionSession._meta.db_table
COMPLETION = Completion._meta.db_table
PROGRESS = ModuleProgress._meta.db_table
ENROLMENT = Enrolment._meta.db_table

ENTRY_COLUMNS = [
    "membership_id", "user_id", "unit_id", "job_role_id", "tier_id", "tier_order", "start_date",
    "end_date", "standing_until", "next_due_on", "started", "last_completed_at", "multi",
    "is_home", "supervision_target", "supervision_months", "supervision_minutes",
    "supervision_oldest_on", "supervision_reached_on", "refreshed_at",
]  # fmt: skip


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _rows_sql(rows: list[tuple], width: int, types: tuple[str, ...]) -> tuple[str, list]:
    """A small table of literal rows for a CTE (typed and empty when there are none)."""
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {t})" for t in types)
        return f"SELECT {nulls} WHERE 1 = 0", []
    row = "(" + ", ".join(["%s"] * width) + ")"
    return "VALUES " + ", ".join([row] * len(rows)), [x for r in rows for x in r]


def window_starts(on: date) -> list[tuple[int, date]]:
    """(window months, first day of the window ending on ``on``) for every target (supervision
    creates its default targets on first use)."""
    from supervision.selectors import targets_by_tier_id, window_start

    months = sorted({t.window_months for t in targets_by_tier_id().values()})
    return [(m, window_start(on, m)) for m in months]


# --- Coverage entries ----------------------------------------------------------------------


def _write_entries(user_ids: list[int] | None, on: date) -> None:
    """Upsert the entries of ``user_ids`` (everyone when None) from the live tables and delete
    the ones whose membership ended or lost its job role."""
    now = timezone.now()
    who, who_params = "", []
    if user_ids is not None:
        who = f"AND m.user_id IN ({_placeholders(user_ids)})"
        who_params = list(user_ids)
    windows_sql, windows_params = _rows_sql(window_starts(on), 2, ("INTEGER", "DATE"))
    columns = ", ".join(ENTRY_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in ENTRY_COLUMNS if c != "membership_id")
    sql = f"""
        WITH m AS (
          SELECT m.id, m.user_id, m.unit_id, m.job_role_id, r.required_tier_id AS tier_id,
                 t."order" AS tier_order, m.start_date, m.end_date
          FROM {MEMBERSHIP} m
          JOIN {JOB_ROLE} r ON r.id = m.job_role_id
          JOIN {TIER} t ON t.id = r.required_tier_id
          WHERE m.job_role_id IS NOT NULL AND (m.end_date IS NULL OR m.end_date >= %s) {who}
        ),
        ranked AS (
          SELECT m.*, COUNT(*) OVER (PARTITION BY m.user_id) AS n,
                 ROW_NUMBER() OVER (PARTITION BY m.user_id ORDER BY m.tier_order DESC, m.id)
                   AS pos
          FROM m
        ),
        windows (months, since) AS ({windows_sql}),
        tgt AS (
          SELECT r.user_id, CAST(st.hours * 60 AS INTEGER) AS minutes, st.window_months AS months,
                 w.since
          FROM ranked r
          JOIN {TARGET} st ON st.tier_id = r.tier_id
          JOIN windows w ON w.months = st.window_months
          WHERE r.pos = 1
        ),
        att AS (
          SELECT a.supervisee_id AS user_id, s.id, s.date, s.duration_minutes
          FROM {ATTENDANCE} a
          JOIN {SESSION} s ON s.id = a.session_id
          JOIN tgt ON tgt.user_id = a.supervisee_id
          WHERE s.status = 'signed_off' AND s.format <> 'peer'
            AND s.date >= tgt.since AND s.date <= %s
        ),
        sup AS (
          SELECT user_id, SUM(duration_minutes) AS minutes, MIN(date) AS oldest
          FROM att GROUP BY user_id
        ),
        running AS (
          SELECT user_id, date, SUM(duration_minutes) OVER (
                   PARTITION BY user_id ORDER BY date DESC, id DESC ROWS UNBOUNDED PRECEDING
                 ) AS total
          FROM att
        ),
        reach AS (
          SELECT running.user_id, MAX(running.date) AS reached
          FROM running JOIN tgt ON tgt.user_id = running.user_id
          WHERE running.total >= tgt.minutes
          GROUP BY running.user_id
        )
        INSERT INTO {ENTRY} ({columns})
        SELECT r.id, r.user_id, r.unit_id, r.job_role_id, r.tier_id, r.tier_order, r.start_date,
               r.end_date, ts.valid_until, ls.next_due_on,
               (ls.first_started_at IS NOT NULL OR EXISTS (
                  SELECT 1 FROM {PROGRESS} mp JOIN {ENROLMENT} en ON en.id = mp.enrolment_id
                  WHERE en.user_id = r.user_id)),
               ls.last_completed_at, (r.n > 1), (r.pos = 1), tgt.minutes,
               tgt.months, COALESCE(sup.minutes, 0), sup.oldest, reach.reached, %s
        FROM ranked r
        LEFT JOIN {STANDING} ts ON ts.user_id = r.user_id AND ts.tier_id = r.tier_id
        LEFT JOIN {SUMMARY} ls ON ls.user_id = r.user_id
        LEFT JOIN tgt ON tgt.user_id = r.user_id
        LEFT JOIN sup ON sup.user_id = r.user_id
        LEFT JOIN reach ON reach.user_id = r.user_id
        WHERE 1 = 1
        ON CONFLICT (membership_id) DO UPDATE SET {updates}
    """  # noqa: S608 - table names and placeholders only
    params = [on, *who_params, *windows_params, on, now]
    # An anti-join (NOT EXISTS on the membership's primary key), never ``NOT IN (subquery)``:
    # PostgreSQL hashes a NOT IN list only while it fits in work_mem and otherwise rescans it
    # for every entry (more than 8 minutes at 400,000 staff); NOT EXISTS stays one linear pass.
    delete = f"""
        DELETE FROM {ENTRY}
        WHERE NOT EXISTS (
          SELECT 1 FROM {MEMBERSHIP} m
          WHERE m.id = {ENTRY}.membership_id AND m.job_role_id IS NOT NULL
            AND (m.end_date IS NULL OR m.end_date >= %s)
        )
    """  # noqa: S608 - table names and placeholders only
    delete_params: list = [on]
    if user_ids is not None:
        delete += f" AND user_id IN ({_placeholders(user_ids)})"
        delete_params += list(user_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(delete, delete_params)


# --- Course tallies ------------------------------------------------------------------------


def _course_tables() -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(core course id, tier order) and (job role id, course id) of the live requirements."""
    core = list(
        CoursePage.objects.live()
        .filter(required_for_tier=True)
        .values_list("pk", "tier__order")
        .order_by("pk")
    )
    rules = list(
        EnrolmentRule.objects.filter(is_active=True, course__live=True)
        .values_list("job_role_id", "course_id")
        .order_by("pk")
    )
    return core, rules


def tally_rows(unit_ids: list[int] | None, on: date) -> list[CourseTally]:
    """Course tallies computed live from the entries and completions, for the people whose home
    entry is in ``unit_ids`` (everyone when None). Unsaved objects."""
    core, rules = _course_tables()
    if not core and not rules:
        return []
    core_sql, core_params = _rows_sql(core, 2, ("INTEGER", "INTEGER"))
    rules_sql, rules_params = _rows_sql(rules, 2, ("INTEGER", "INTEGER"))
    soon = on + timedelta(days=EXPIRING_DAYS)
    where_units, unit_params = "", []
    if unit_ids is not None:
        if not unit_ids:
            return []
        where_units = f"AND e.unit_id IN ({_placeholders(unit_ids)})"
        unit_params = list(unit_ids)
    active = "e.start_date <= %s AND (e.end_date IS NULL OR e.end_date >= %s)"
    sql = f"""
        WITH home AS (
          SELECT e.user_id, e.unit_id, e.job_role_id FROM {ENTRY} e
          WHERE e.is_home AND {active} {where_units}
        ),
        active AS (
          SELECT e.user_id, e.job_role_id, e.tier_order FROM {ENTRY} e
          WHERE {active} AND e.user_id IN (SELECT user_id FROM home)
        ),
        people AS (SELECT user_id, MAX(tier_order) AS o FROM active GROUP BY user_id),
        core (course_id, tier_order) AS ({core_sql}),
        rules (role_id, course_id) AS ({rules_sql}),
        required AS (
          SELECT people.user_id, core.course_id FROM people
          JOIN core ON core.tier_order <= people.o
          UNION
          SELECT active.user_id, rules.course_id FROM active
          JOIN rules ON rules.role_id = active.job_role_id
        ),
        latest AS (
          SELECT c.user_id, c.course_id, MAX(c.valid_until) AS v FROM {COMPLETION} c
          WHERE c.user_id IN (SELECT user_id FROM home)
          GROUP BY c.user_id, c.course_id
        )
        SELECT h.unit_id, h.job_role_id, q.course_id, COUNT(*),
               SUM(CASE WHEN l.v >= %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN l.v >= %s AND l.v <= %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN l.v < %s THEN 1 ELSE 0 END),
               MIN(CASE WHEN l.v > %s THEN l.v END),
               MIN(CASE WHEN l.v >= %s AND l.v <= %s THEN l.v END)
        FROM home h
        JOIN required q ON q.user_id = h.user_id
        LEFT JOIN latest l ON l.user_id = q.user_id AND l.course_id = q.course_id
        GROUP BY h.unit_id, h.job_role_id, q.course_id
    """  # noqa: S608
    params = [
        on, on, *unit_params, on, on, *core_params, *rules_params,
        on, on, soon, on, soon, on, soon,
    ]  # fmt: skip
    # Days on which a membership starts or ends change who is counted, too.
    dates_sql = f"""
        SELECT h.unit_id, MIN(CASE WHEN e.start_date > %s THEN e.start_date END),
               MIN(CASE WHEN e.end_date >= %s THEN e.end_date END)
        FROM {ENTRY} e JOIN {ENTRY} h ON h.user_id = e.user_id AND h.is_home
        WHERE 1 = 1 {where_units.replace("e.unit_id", "h.unit_id")}
        GROUP BY h.unit_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        result = cursor.fetchall()
        cursor.execute(dates_sql, [on, on, *unit_params])
        unit_dates = {}
        for unit_id, starts, ends in cursor.fetchall():
            candidates = [_as_date(starts), _as_date(ends) and _as_date(ends) + timedelta(1)]
            unit_dates[unit_id] = min((d for d in candidates if d), default=None)
    tallies = []
    for unit_id, role_id, course_id, required, current, expiring, expired, later, soonest in result:
        candidates = [unit_dates.get(unit_id)]
        if later:
            candidates.append(_as_date(later) - timedelta(days=EXPIRING_DAYS))
        if soonest:
            candidates.append(_as_date(soonest) + timedelta(days=1))
        tallies.append(
            CourseTally(
                unit_id=unit_id,
                job_role_id=role_id,
                course_id=course_id,
                required=required,
                current=current or 0,
                expiring=expiring or 0,
                expired=expired or 0,
                computed_on=on,
                changes_on=min((d for d in candidates if d), default=None),
            )
        )
    return tallies


def _as_date(value) -> date | None:
    """SQLite returns dates computed by aggregates as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def coverage_tally_rows(unit_ids: list[int] | None, on: date) -> list[CoverageTally]:
    """Coverage tallies computed live from the entries (people with one membership), for
    ``unit_ids`` (everyone when None). Unsaved objects."""
    from courses.dates import add_months

    from .selectors import active_on, coverage_groups

    entries = CoverageEntry.objects.filter(active_on(on))
    future = CoverageEntry.objects.filter(multi=False, start_date__gt=on)
    if unit_ids is not None:
        entries = entries.filter(unit_id__in=unit_ids)
        future = future.filter(unit_id__in=unit_ids)
    starts = {
        (row["unit_id"], row["job_role_id"]): row["first"]
        for row in future.values("unit_id", "job_role_id").annotate(first=Min("start_date"))
    }
    from .selectors import tuned

    with tuned():
        groups = coverage_groups(entries, on)
    tallies = []
    for g in groups:
        key = (g["unit_id"], g["job_role_id"])
        months = g["t_months"] or 12
        candidates = [
            starts.get(key),
            g["t_far"] and g["t_far"] - timedelta(days=EXPIRING_DAYS),
            g["t_near"] and g["t_near"] + timedelta(days=1),
            g["t_due"] and g["t_due"] + timedelta(days=1),
            g["t_recent"] and add_months(timezone.localdate(g["t_recent"]), 12) + timedelta(days=1),
            g["t_reached"] and add_months(g["t_reached"], months),
            g["t_oldest"] and add_months(g["t_oldest"], months),
            g["t_live"] and on + timedelta(days=1),
            g["t_end"] and g["t_end"] + timedelta(days=1),
        ]
        tallies.append(
            CoverageTally(
                unit_id=g["unit_id"],
                job_role_id=g["job_role_id"],
                meets=g["n0"],
                expiring=g["n1"],
                overdue=g["n2"],
                not_started=g["n3"],
                in_progress=g["n4"],
                trained_recently=g["recent"],
                supervision_people=g["sup_people"],
                supervision_at_target=g["sup_ok"],
                supervision_minutes=g["sup_minutes"] or 0,
                supervision_target=g["sup_target"] or 0,
                computed_on=on,
                changes_on=min((_as_date(d) for d in candidates if d), default=None),
            )
        )
    for key, first in starts.items():  # units and roles with only future starters
        if not any((t.unit_id, t.job_role_id) == key for t in tallies):
            tallies.append(
                CoverageTally(unit_id=key[0], job_role_id=key[1], computed_on=on, changes_on=first)
            )
    return tallies


def _store(model, rows: list, unique: list[str], fields: list[str], ids, now) -> None:
    """Upsert ``rows`` and delete the unit's other rows (keys nobody is counted under now)."""
    for row in rows:
        row.refreshed_at = now
    # Sorted, so that concurrent refreshes lock rows in the same order.
    rows.sort(key=lambda t: tuple(getattr(t, f"{name}_id") for name in unique))
    model.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=unique,
        update_fields=[*fields, "computed_on", "changes_on", "refreshed_at"],
    )
    obsolete = model.objects.exclude(refreshed_at=now)
    if ids is not None:
        obsolete = obsolete.filter(unit_id__in=ids)
    obsolete.delete()


COVERAGE_FIELDS = [
    "meets", "expiring", "overdue", "not_started", "in_progress", "trained_recently",
    "supervision_people", "supervision_at_target", "supervision_minutes", "supervision_target",
]  # fmt: skip


def refresh_tallies(unit_ids: Iterable[int] | None, on: date | None = None) -> int:
    """Recompute and store the coverage and course tallies of ``unit_ids`` (all when None)."""
    on = on or timezone.localdate()
    ids = None if unit_ids is None else sorted(set(unit_ids))
    if ids is not None and not ids:
        return 0
    now = timezone.now()
    coverage = coverage_tally_rows(ids, on)
    _store(CoverageTally, coverage, ["unit", "job_role"], COVERAGE_FIELDS, ids, now)
    courses = tally_rows(ids, on)
    _store(
        CourseTally,
        courses,
        ["unit", "job_role", "course"],
        ["required", "current", "expiring", "expired"],
        ids,
        now,
    )
    return len(coverage) + len(courses)


# --- Entry points --------------------------------------------------------------------------


def refresh_people(
    user_ids: Iterable[int], on: date | None = None, *, tallies: bool = True
) -> set[int]:
    """Recompute the entries of these people and the tallies of their home units (before and
    after). Call inside the transaction of the change. Returns the units concerned; with
    ``tallies=False`` their tallies are left for the caller to refresh once (``refresh_tallies``)
    after many calls, as a bulk import does."""
    ids = sorted({int(i) for i in user_ids if i is not None})
    touched: set[int] = set()
    if not ids:
        return touched
    on = on or timezone.localdate()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            units = set(
                CoverageEntry.objects.filter(user_id__in=chunk).values_list("unit_id", flat=True)
            )
            _write_entries(chunk, on)
            write_periods(chunk, on)
            units |= set(
                CoverageEntry.objects.filter(user_id__in=chunk).values_list("unit_id", flat=True)
            )
            if tallies:
                refresh_tallies(units, on)
            touched |= units
    return touched


@transaction.atomic
def rebuild(on: date | None = None) -> dict[str, int]:
    """Recompute every entry and tally from the live tables."""
    on = on or timezone.localdate()
    _write_entries(None, on)
    periods = rebuild_periods(on)
    CourseTally.objects.all().delete()
    CoverageTally.objects.all().delete()
    tallies = refresh_tallies(None, on)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics for the planner
            for model in (CoverageEntry, CoverageTally, CourseTally, CoveragePeriod):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {"entries": CoverageEntry.objects.count(), "tallies": tallies, "periods": periods}


def refresh_stale(on: date | None = None) -> dict[str, int]:
    """Renew what time has overtaken (for speed only: reads are exact without it): tallies past
    their ``changes_on``, entries whose supervision figures or membership dates moved, and
    entries of memberships that have ended."""
    on = on or timezone.localdate()
    starts = dict(window_starts(on))
    stale_people = set(
        CoverageEntry.objects.filter(end_date__lt=on).values_list("user_id", flat=True)
    )
    for months, since in starts.items():
        stale_people |= set(
            CoverageEntry.objects.filter(supervision_months=months)
            .filter(supervision_oldest_on__lt=since)
            .values_list("user_id", flat=True)
        )
    refresh_people(stale_people, on)
    units = set(
        CourseTally.objects.filter(changes_on__lte=on).values_list("unit_id", flat=True)
    ) | set(CoverageTally.objects.filter(changes_on__lte=on).values_list("unit_id", flat=True))
    with transaction.atomic():
        refresh_tallies(units, on)
    return {"people": len(stale_people), "units": len(units)}


def drift(on: date | None = None, limit: int = 20) -> list[str]:
    """Differences between the stored read models and the same rows computed now from the live
    tables (empty when they are current). Rolls its own computation back."""
    on = on or timezone.localdate()
    fields = [c for c in ENTRY_COLUMNS if c != "refreshed_at"]
    stored = {e["membership_id"]: e for e in CoverageEntry.objects.values(*fields)}

    def tallies(model, key, values):
        fresh, overtaken = {}, set()
        for t in model.objects.all():
            k = key(t)
            if (t.changes_on is not None and t.changes_on <= on) or t.computed_on > on:
                overtaken.add(k)  # reads compute these live
            else:
                fresh[k] = values(t)
        return fresh, overtaken

    def course_key(t):
        return ("course", t.unit_id, t.job_role_id, t.course_id)

    def course_values(t):
        return (t.required, t.current, t.expiring, t.expired)

    def coverage_key(t):
        return ("coverage", t.unit_id, t.job_role_id)

    def coverage_values(t):
        return tuple(getattr(t, f) for f in COVERAGE_FIELDS)

    stored_courses, overtaken = tallies(CourseTally, course_key, course_values)
    stored_coverage, overtaken_coverage = tallies(CoverageTally, coverage_key, coverage_values)
    stored_tallies = {**stored_courses, **stored_coverage}
    overtaken |= overtaken_coverage
    with transaction.atomic():
        _write_entries(None, on)
        fresh = {e["membership_id"]: e for e in CoverageEntry.objects.values(*fields)}
        live = {course_key(t): course_values(t) for t in tally_rows(None, on)}
        live.update({coverage_key(t): coverage_values(t) for t in coverage_tally_rows(None, on)})
        transaction.set_rollback(True)
    problems = []
    for key in sorted(set(stored) | set(fresh)):
        if stored.get(key) != fresh.get(key):
            problems.append(f"entry {key}: stored {stored.get(key)} != live {fresh.get(key)}")
    for key in sorted(set(stored_tallies) | set(live)):
        if key in overtaken:
            continue
        if stored_tallies.get(key) != live.get(key):
            problems.append(
                f"tally {key}: stored {stored_tallies.get(key)} != live {live.get(key)}"
            )
    return problems[:limit]
