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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from lms.workforce.models import OrganisationUnit
from supervision.models import SessionAttendance, countable_q

from .facts import _as_date, _rows_sql
from .models import CoveragePeriod
from .permissions import Scope
from .selectors import (
    Filters,
    _fetch,
    _label_units,
    _role_filter,
    _row_of,
    default_focus,
    minutes_to_hours,
    percent,
    row_units,
    scope_unit_paths,
    tuned,
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


def _where(unit_ids: list[int], role_ids: list[int] | None) -> tuple[str, list]:
    if not unit_ids or role_ids == []:
        return "1 = 0", []
    sql = f"p.unit_id IN ({', '.join(['%s'] * len(unit_ids))})"
    params: list = list(unit_ids)
    if role_ids is not None:
        sql += f" AND p.job_role_id IN ({', '.join(['%s'] * len(role_ids))})"
        params += role_ids
    return sql, params


ACTIVE = "p.valid_from <= {d} AND (p.valid_to IS NULL OR p.valid_to >= {d})"


def _single_sql(days: list[date], where: str) -> tuple[str, list]:
    """People with one membership: per unit, for each day, how many are counted and how many
    do not hold the tier (one pass over the periods, a pair of sums per day)."""
    sums, params = [], []
    if len(days) == 1:  # the WHERE clause below already keeps the periods of that day
        sums = ["COUNT(*)", "SUM(CASE WHEN p.holds THEN 0 ELSE 1 END)"]
        days = []
    for day in days:
        active = ACTIVE.format(d="%s")
        sums.append(f"SUM(CASE WHEN {active} THEN 1 ELSE 0 END)")
        sums.append(f"SUM(CASE WHEN {active} AND NOT p.holds THEN 1 ELSE 0 END)")
        params += [day, day, day, day]
    sql = f"""
        SELECT p.unit_id, {", ".join(sums)}
        FROM {PERIOD} p
        WHERE p.single AND {where} AND p.valid_from <= %s
          AND (p.valid_to IS NULL OR p.valid_to >= %s)
        GROUP BY p.unit_id
    """  # noqa: S608 - table names and placeholders only
    return sql, params


def _multi_sql(where: str) -> str:
    """People with several memberships: per day, unit and person, whether they hold the tier
    of every membership of theirs there (a few rows per such person)."""
    return f"""
        WITH days (on_date) AS ({{days}})
        SELECT d.on_date, p.unit_id, p.user_id, MIN(CASE WHEN p.holds THEN 1 ELSE 0 END)
        FROM {PERIOD} p
        JOIN days d ON {ACTIVE.format(d="d.on_date")}
        WHERE NOT p.single AND {where}
        GROUP BY d.on_date, p.unit_id, p.user_id
    """  # noqa: S608 - table names and placeholders only


def _supervision_sql(quarters: list[tuple[date, date]], where: str, countable: str):
    """Countable minutes per quarter of the people counted at its end: summed per unit for
    people with one membership, per unit and person for the others. Each session falls in one
    quarter (a CASE, not a join), so the sessions are read once."""
    whens = " ".join("WHEN att.day >= %s AND att.day <= %s THEN %s" for _ in quarters)
    params = [x for end, since in quarters for x in (since, end, end)]
    sql = f"""
        WITH att (user_id, day, minutes) AS ({countable}),
        per_user AS (
          SELECT att.user_id, CASE {whens} END AS on_date, SUM(att.minutes) AS minutes
          FROM att
          WHERE att.user_id IN (SELECT p.user_id FROM {PERIOD} p WHERE {where})
          GROUP BY 1, 2
        )
        SELECT pu.on_date, p.unit_id, NULL, SUM(pu.minutes)
        FROM per_user pu
        JOIN {PERIOD} p ON p.user_id = pu.user_id AND {ACTIVE.format(d="pu.on_date")}
        WHERE p.single AND {where}
        GROUP BY pu.on_date, p.unit_id
        UNION ALL
        SELECT DISTINCT pu.on_date, p.unit_id, p.user_id, pu.minutes
        FROM per_user pu
        JOIN {PERIOD} p ON p.user_id = pu.user_id AND {ACTIVE.format(d="pu.on_date")}
        WHERE NOT p.single AND {where}
    """  # noqa: S608 - table names, compiled querysets and placeholders only
    return sql, params


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


def evaluations_by_quarter(scope: Scope, filters: Filters, days: list[date]):
    """Training evaluations completed in each quarter ending on ``days`` by the people who work
    or worked in the scope's units (with the filters): responses, usefulness and confidence
    before and after, for five responses or more (``courses.workshops.selectors``)."""
    from courses.workshops.selectors import evaluations_by_quarter as by_quarter
    from lms.workforce.models import Membership

    units = list(scope_unit_paths(scope, filters))
    people = Membership.objects.filter(unit_id__in=units).values("user_id")
    return by_quarter(people, [(quarter_start(d), d) for d in sorted(days)])


class _Tally:
    """Adds up people per (day, row) and in total per day, each person once."""

    def __init__(self):
        self.rows: dict[tuple[date, str], Cell] = {}
        self.total: dict[date, Cell] = {}

    def add(self, on: date, key: str, counted: int, holding: int) -> None:
        for cells, k in ((self.rows, (on, key)), (self.total, on)):
            cell = cells.setdefault(k, Cell(on=on))
            cell.total += counted
            cell.holding += holding

    def add_people(self, people: dict[tuple[date, int], dict[str, int]]) -> None:
        """``people``: (day, person) -> row key -> 1 if they hold the tier of every membership
        there, else 0. Each person once per row, and once in the total (holding only if they
        hold it in every row)."""
        for (on, _), by_row in people.items():
            for key, holds in by_row.items():
                self.add(on, key, 1, holds)
                self.total[on].total -= 1
                self.total[on].holding -= holds
            self.total[on].total += 1
            self.total[on].holding += min(by_row.values())


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
    with tuned():
        return _outcomes(scope, filters, days, supervision=supervision)


def _outcomes(scope: Scope, filters: Filters, days: list[date], *, supervision: bool):
    days = sorted(set(days))
    focus = filters.unit or default_focus(scope)
    rows = row_units(scope, focus)
    paths = scope_unit_paths(scope, filters)
    row_of = _row_of(paths, rows)
    role_ids = _role_filter(filters)
    where, where_params = _where(sorted(paths), role_ids)
    days_sql, days_params = _rows_sql([(d,) for d in days], 1, ("DATE",))
    tally = _Tally()
    if days:
        sql, params = _single_sql(days, where)
        for unit_id, *sums in _fetch(sql, [*params, *where_params, days[-1], days[0]]):
            for i, on in enumerate(days):
                counted, not_holding = int(sums[2 * i] or 0), int(sums[2 * i + 1] or 0)
                if counted:
                    tally.add(on, row_of[unit_id], counted, counted - not_holding)
        people: dict[tuple[date, int], dict[str, int]] = defaultdict(dict)
        sql = _multi_sql(where).replace("{days}", days_sql)
        for on, unit_id, user_id, holds in _fetch(sql, [*days_params, *where_params]):
            by_row = people[(_as_date(on), user_id)]
            key = row_of[unit_id]
            by_row[key] = min(by_row.get(key, 1), int(holds))
        tally.add_people(people)
    by_row, overall = tally.rows, tally.total
    minutes: dict[tuple[date, str], int] = defaultdict(int)
    overall_minutes: dict[date, int] = defaultdict(int)
    if supervision and days:
        quarters = [(d, quarter_start(d)) for d in days]
        countable, countable_params = _countable_sessions(quarters[0][1], days[-1])
        sql, q_params = _supervision_sql(quarters, where, countable)
        seen_rows, seen_people = set(), set()
        for on, unit_id, user_id, total in _fetch(
            sql, [*countable_params, *q_params, *where_params, *where_params, *where_params]
        ):
            on, key, total = _as_date(on), row_of[unit_id], int(total or 0)
            if user_id is None:
                minutes[(on, key)] += total
                overall_minutes[on] += total
                continue
            if (on, key, user_id) not in seen_rows:
                seen_rows.add((on, key, user_id))
                minutes[(on, key)] += total
            if (on, user_id) not in seen_people:
                seen_people.add((on, user_id))
                overall_minutes[on] += total

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
        cells=[overall.get(d) or Cell(on=d) for d in days],
        minutes=[overall_minutes.get(d, 0) for d in days],
    )
    return Outcomes(
        as_at=timezone.now(),
        days=days,
        focus=focus,
        units=units,
        total=total,
        supervision=supervision,
    )
