"""Reads behind the outcomes page: coverage on any past day and quarter by quarter, with the
supervision hours of the same quarters.

**Coverage on a day ``D``** is the dashboard's first headline figure, "Hold the required tier
today" (``selectors.HEADLINES``), as the dashboard would have shown it on ``D``: among the
people with a membership with a job role active on ``D`` (in the scope and filters), how many
held the tier their roles require. It is counted from ``CoveragePeriod`` (each membership's
dated history, kept by ``lms.reports.periods`` with the tier rules of
``courses.services.compute_standing``), with the dashboard's rules of counting: in a unit's row
each person once, holding only if they hold the tier of every role they have there (the highest
tier their roles there require); the total counts each person once over all rows.

A day's figures are one indexed range query per grouping (rows, total); eight quarters are the
same two queries over eight days. The number of queries does not depend on the number of staff
or of days.

**Supervision hours in a quarter** are the countable minutes (``supervision.models.countable_q``)
of sessions dated in the quarter, attended by the people counted in the row at its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from lms.workforce.models import OrganisationUnit
from supervision.models import SessionAttendance, countable_q

from .facts import _as_date, _rows_sql
from .models import CoveragePeriod
from .permissions import STEP, Scope
from .selectors import (
    Filters,
    _fetch,
    _label_units,
    _role_filter,
    default_focus,
    minutes_to_hours,
    percent,
    row_units,
    scope_unit_paths,
)

QUARTERS = 8
PERIOD = CoveragePeriod._meta.db_table
UNIT = OrganisationUnit._meta.db_table
HOLDING_TITLE = "Hold the required tier"


def quarter_ends(today: date | None = None, count: int = QUARTERS) -> list[date]:
    """The last ``count`` quarter ends (31 March, 30 June, 30 September, 31 December) on or
    before ``today``, oldest first."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    # The end of the quarter before the one today is in, unless today is itself a quarter end.
    quarter_end_month = ((month - 1) // 3) * 3
    ends = []
    if month % 3 == 0 and (today + timedelta(days=1)).month != month:
        ends.append(today)
    while len(ends) < count:
        if quarter_end_month == 0:
            year, quarter_end_month = year - 1, 12
        ends.append(_last_day(year, quarter_end_month))
        quarter_end_month -= 3
    return sorted(ends[:count])


def _last_day(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def quarter_start(end: date) -> date:
    """The first day of the quarter that ends on ``end``."""
    return date(end.year, end.month - 2, 1)


def quarter_label(end: date) -> str:
    return f"Q{(end.month - 1) // 3 + 1} {end.year}"


@dataclass
class Cell:
    """Coverage on one day: people counted, and how many held the required tier."""

    on: date
    total: int = 0
    holding: int = 0

    @property
    def share(self) -> Decimal:
        return percent(self.holding, self.total)


@dataclass
class OutcomeRow:
    key: str
    label: str
    unit: OrganisationUnit | None = None
    direct: bool = False
    cells: list[Cell] = field(default_factory=list)
    minutes: list[int] = field(default_factory=list)  # supervision, per quarter

    @property
    def hours(self) -> list[Decimal]:
        return [minutes_to_hours(m) for m in self.minutes]


@dataclass
class Outcomes:
    as_at: datetime
    days: list[date]
    focus: OrganisationUnit | None
    units: list[OutcomeRow]
    total: OutcomeRow
    supervision: bool

    @property
    def rows(self) -> list[OutcomeRow]:
        return [*self.units, self.total]


def _row_key_sql(rows: list[OrganisationUnit]) -> tuple[str, list]:
    """SQL giving, for a period joined to its unit ``u``, the path of the row it counts in (as
    ``selectors._row_key``)."""
    depths = {u.depth for u in rows}
    if len(depths) == 1:
        return f"SUBSTR(u.path, 1, {int(depths.pop()) * STEP})", []
    whens = " ".join("WHEN u.path LIKE %s THEN %s" for _ in rows)
    params = [x for u in rows for x in (u.path + "%", u.path)]
    return f"CASE {whens} ELSE SUBSTR(u.path, 1, {STEP}) END", params


def _where(unit_ids: list[int], role_ids: list[int] | None) -> tuple[str, list]:
    if not unit_ids or role_ids == []:
        return "1 = 0", []
    sql = f"p.unit_id IN ({', '.join(['%s'] * len(unit_ids))})"
    params: list = list(unit_ids)
    if role_ids is not None:
        sql += f" AND p.job_role_id IN ({', '.join(['%s'] * len(role_ids))})"
        params += role_ids
    return sql, params


def _coverage_sql(key_sql: str, where: str) -> str:
    return f"""
        WITH days (on_date) AS ({{days}})
        SELECT d.on_date, {key_sql} AS row_key, COUNT(DISTINCT p.user_id),
               COUNT(DISTINCT CASE WHEN p.holds THEN NULL ELSE p.user_id END)
        FROM {PERIOD} p
        JOIN days d ON p.valid_from <= d.on_date
                   AND (p.valid_to IS NULL OR p.valid_to >= d.on_date)
        JOIN {UNIT} u ON u.id = p.unit_id
        WHERE {where}
        GROUP BY d.on_date, {key_sql}
    """  # noqa: S608 - table names and placeholders only


def _supervision_sql(key_sql: str, where: str, countable: str) -> str:
    return f"""
        WITH days (on_date, since) AS ({{days}}),
        people AS (
          SELECT DISTINCT d.on_date, d.since, {key_sql} AS row_key, p.user_id
          FROM {PERIOD} p
          JOIN days d ON p.valid_from <= d.on_date
                     AND (p.valid_to IS NULL OR p.valid_to >= d.on_date)
          JOIN {UNIT} u ON u.id = p.unit_id
          WHERE {where}
        ),
        att (user_id, day, minutes) AS ({countable})
        SELECT people.on_date, people.row_key, SUM(att.minutes)
        FROM people
        JOIN att ON att.user_id = people.user_id
                AND att.day >= people.since AND att.day <= people.on_date
        GROUP BY people.on_date, people.row_key
    """  # noqa: S608 - table names, compiled querysets and placeholders only


def _countable_sessions(first: date, last: date) -> tuple[str, list]:
    queryset = (
        SessionAttendance.objects.filter(
            countable_q("session__"), session__date__gte=first, session__date__lte=last
        )
        .values_list("supervisee_id", "session__date", "session__duration_minutes")
        .order_by()
    )
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def outcomes(
    scope: Scope,
    filters: Filters,
    days: list[date],
    *,
    supervision: bool = False,
) -> Outcomes:
    """Coverage on each of ``days`` for the scope and filters, by unit (the dashboard's rows)
    and in total; with ``supervision``, also the supervision hours of the quarters that end on
    ``days``. Four queries for the figures (two without supervision), whatever the number of
    staff or days."""
    days = sorted(set(days))
    focus = filters.unit or default_focus(scope)
    rows = row_units(scope, focus)
    paths = scope_unit_paths(scope, filters)
    role_ids = _role_filter(filters)
    where, where_params = _where(sorted(paths), role_ids)
    key_sql, key_params = _row_key_sql(rows)
    days_sql, days_params = _rows_sql([(d,) for d in days], 1, ("DATE",))

    def coverage_rows(key: str, params: list) -> dict[tuple[date, str], Cell]:
        sql = _coverage_sql(key, where).replace("{days}", days_sql)
        found = {}
        for on, row_key, total, not_holding in _fetch(
            sql, [*days_params, *params, *where_params, *params]
        ):
            on = _as_date(on)
            found[(on, row_key)] = Cell(on=on, total=total, holding=total - not_holding)
        return found

    by_row = coverage_rows(key_sql, key_params)
    overall = coverage_rows("''", [])
    minutes: dict[tuple[date, str], int] = {}
    overall_minutes: dict[tuple[date, str], int] = {}
    if supervision and days:
        quarters = [(d, quarter_start(d)) for d in days]
        countable, countable_params = _countable_sessions(quarters[0][1], days[-1])
        q_sql, q_params = _rows_sql(quarters, 2, ("DATE", "DATE"))
        for target, key, params in ((minutes, key_sql, key_params), (overall_minutes, "''", [])):
            sql = _supervision_sql(key, where, countable).replace("{days}", q_sql)
            for on, row_key, total in _fetch(
                sql, [*q_params, *params, *where_params, *countable_params]
            ):
                target[(_as_date(on), row_key)] = int(total or 0)

    keys = {k for _, k in by_row}  # the listed rows, and people attached above them
    units = []
    for key, unit, direct in _label_units(rows, keys):
        label = f"{unit.name} (attached directly)" if direct else unit.name
        units.append(
            OutcomeRow(
                key=key,
                label=label,
                unit=unit,
                direct=direct,
                cells=[by_row.get((d, key)) or Cell(on=d) for d in days],
                minutes=[minutes.get((d, key), 0) for d in days],
            )
        )
    total = OutcomeRow(
        key="",
        label="Total (each person once)",
        cells=[overall.get((d, "")) or Cell(on=d) for d in days],
        minutes=[overall_minutes.get((d, ""), 0) for d in days],
    )
    return Outcomes(
        as_at=timezone.now(),
        days=days,
        focus=focus,
        units=units,
        total=total,
        supervision=supervision,
    )
