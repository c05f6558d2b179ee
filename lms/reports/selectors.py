"""Reads behind the reports: coverage by unit, job role and tier; course completion; supervision
hours against target; the people behind a figure; a person's training record; course analytics.

Everything aggregates in the database, over the read models of ``lms.reports.models`` (kept
current on every write, see ``lms.reports.facts``), so a figure is as fresh as the query that
produced it ("as at" = when the query ran) and the number of queries does not depend on the
number of staff.

**The coverage status of a membership** is defined once, here (``status_rules`` /
``with_coverage_status``), and used by the dashboard, the drill-down lists and the exports. The
unit of counting is an active membership with a job role; in order of precedence (each person
in exactly one):

1. *meets* ("Hold the required tier beyond 90 days"): holds the role's required tier
   (``TierStanding.valid_until``) beyond the next 90 days;
2. *expiring* ("Expiring within 90 days"): holds it, but it lapses within 90 days;
3. *overdue*: does not hold it and a current required enrolment is past due
   (``LearnerSummary.next_due_on < today``);
4. *never started*: does not hold it and has never started a course;
5. *in progress or below*: everything else.

**The headline figures** of the summary (``HEADLINES``: "Hold the required tier today" =
meets + expiring, each status, "Trained in the last 12 months") are defined once, in
``HEADLINES``; the dashboard's cards, the coverage exports' columns and the README read them
under the same names.

Someone with two roles counts once in each role's row. Unit, tier and total rows count people
(distinct users): a person's status there is the worst over their memberships in the row, which
is their status against the highest tier their roles there require.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left
from django.utils import timezone

from content.models import CoursePage, Tier
from courses.models import Completion, Enrolment, ModuleProgress, QuizAttempt
from lms.workforce.models import JobRole, OrganisationUnit
from supervision.models import SessionAttendance, SupervisionAgreement, SupervisionSession

from .facts import EXPIRING_DAYS, tally_rows, window_starts
from .models import CourseTally, CoverageEntry, CoverageTally
from .permissions import STEP, Scope

RECENT_MONTHS = 12
TENTH = Decimal("0.1")
# Each branch of an aggregate reads the entries itself: the full scan for the direct counts, the
# small partial index on ``multi`` for the people with several memberships.
NOT_MATERIALIZED = "NOT MATERIALIZED"


class Status:
    MEETS = "meets"
    EXPIRING = "expiring"
    OVERDUE = "overdue"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"

    ORDER = [MEETS, EXPIRING, OVERDUE, NOT_STARTED, IN_PROGRESS]
    # Not a status of its own: meets or expiring, i.e. holds the required tier today.
    HOLDING = "holding"
    LABELS = {
        MEETS: "Hold the required tier beyond 90 days",
        EXPIRING: "Expiring within 90 days",
        OVERDUE: "Overdue",
        NOT_STARTED: "Never started",
        IN_PROGRESS: "In progress or below",
    }
    SHORT = {
        MEETS: "Beyond 90 days",
        EXPIRING: "Expiring",
        OVERDUE: "Overdue",
        NOT_STARTED: "Never started",
        IN_PROGRESS: "In progress",
    }
    TAGS = {
        MEETS: "tag--ok",
        EXPIRING: "tag--warn",
        OVERDUE: "tag--bad",
        NOT_STARTED: "tag--bad",
        IN_PROGRESS: "tag--muted",
    }

    @classmethod
    def rank(cls, status: str) -> int:
        return cls.ORDER.index(status)

    @classmethod
    def at(cls, rank: int) -> str:
        return cls.ORDER[rank]


def recent_since(on: date | None = None) -> datetime:
    """Start of the first day of the 12 months up to ``on`` ("trained in the last 12 months"
    counts completions from then; whole days, so that the figure only changes at midnight)."""
    from courses.dates import add_months, start_of_day

    return start_of_day(add_months(on or timezone.localdate(), -RECENT_MONTHS))


def status_rules(on: date) -> list[tuple[str, Q]]:
    """(status, condition on a ``CoverageEntry``) in order of precedence; what matches none is
    "in progress or below". THE definition of a coverage status."""
    return [
        (Status.MEETS, Q(standing_until__gt=on + timedelta(days=EXPIRING_DAYS))),
        (Status.EXPIRING, Q(standing_until__gte=on)),
        (Status.OVERDUE, Q(next_due_on__lt=on)),
        (Status.NOT_STARTED, Q(started=False)),
    ]


def with_coverage_status(entries: QuerySet[CoverageEntry], on: date) -> QuerySet[CoverageEntry]:
    """Annotate entries with ``coverage_status`` and ``status_rank`` (its index in
    ``Status.ORDER``; the maximum over a person's entries is their worst status)."""
    rules = status_rules(on)
    return entries.annotate(
        coverage_status=Case(
            *[When(q, then=Value(s)) for s, q in rules], default=Value(Status.IN_PROGRESS)
        ),
        status_rank=Case(
            *[When(q, then=Value(Status.rank(s))) for s, q in rules],
            default=Value(Status.rank(Status.IN_PROGRESS)),
            output_field=IntegerField(),
        ),
    )


def active_on(on: date) -> Q:
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


# --- Filters and the rows of a report ------------------------------------------------------


@dataclass
class Filters:
    unit: OrganisationUnit | None = None
    job_role: JobRole | None = None
    tier: Tier | None = None
    course: CoursePage | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (for links and exports)."""
        return {
            name: str(obj.pk)
            for name, obj in (
                ("unit", self.unit),
                ("role", self.job_role),
                ("tier", self.tier),
                ("course", self.course),
            )
            if obj is not None
        }

    def describe(self) -> str:
        parts = [
            f"{label}: {obj}"
            for label, obj in (
                ("Unit", self.unit),
                ("Job role", self.job_role),
                ("Tier", self.tier),
                ("Course", self.course),
            )
            if obj is not None
        ]
        return "; ".join(parts) or "No filters"

    def as_data(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.as_query().items()}


def scope_units(scope: Scope) -> QuerySet[OrganisationUnit]:
    return OrganisationUnit.objects.filter(scope.unit_q())


def default_focus(scope: Scope) -> OrganisationUnit | None:
    if scope.everything:
        roots = list(OrganisationUnit.get_root_nodes()[:2])
        return roots[0] if len(roots) == 1 else None
    if len(scope.paths) == 1:
        return OrganisationUnit.objects.filter(path=scope.paths[0]).first()
    return None


def row_units(scope: Scope, focus: OrganisationUnit | None) -> list[OrganisationUnit]:
    """The units whose figures a report lists: the children of the focus unit (or the unit
    itself if it has none); without a focus, the tops of the person's scope."""
    if focus is None:
        if scope.everything:
            return list(OrganisationUnit.get_root_nodes())
        return list(OrganisationUnit.objects.filter(path__in=scope.paths).order_by("path"))
    children = list(
        OrganisationUnit.objects.filter(path__startswith=focus.path, depth=focus.depth + 1)
    )
    return sorted(children, key=lambda u: u.path) or [focus]


def roles_requiring(course: CoursePage) -> QuerySet[JobRole]:
    """Job roles that require ``course``: every role at or above the tier of a core course, and
    the roles an active enrolment rule adds it to (as ``required_courses_for_roles``)."""
    q = Q(enrolment_rules__course=course, enrolment_rules__is_active=True)
    if course.required_for_tier:
        q |= Q(required_tier__order__gte=course.tier.order)
    return JobRole.objects.filter(q).distinct()


def scope_units_of(scope: Scope, filters: Filters, *, named: bool = False):
    """The units inside the scope (only units whose people the person may see by name, with
    ``named``) and the unit filter."""
    units = OrganisationUnit.objects.filter(scope.named_q() if named else scope.unit_q())
    if filters.unit is not None:
        units = units.filter(path__startswith=filters.unit.path)
    return units


def scope_unit_paths(scope: Scope, filters: Filters, *, named: bool = False) -> dict[int, str]:
    """Unit id -> path for every unit of ``scope_units_of``. One query on the small unit table."""
    return dict(scope_units_of(scope, filters, named=named).values_list("pk", "path"))


def coverage_entries(
    scope: Scope,
    filters: Filters,
    on: date,
    *,
    named: bool = False,
    unit_ids=None,
) -> QuerySet[CoverageEntry]:
    """Entries active on ``on`` inside the scope (only units whose people the person may see by
    name, with ``named``) and the filters (``unit_ids``, a list or a subquery, when the caller
    has them). Unordered."""
    # Scoped by unit id, from the small unit table: a literal list lets the planner use the
    # (unit, job role) index for an organisation and a plain scan for a whole region.
    if unit_ids is None:
        unit_ids = list(scope_unit_paths(scope, filters, named=named))
    qs = CoverageEntry.objects.filter(active_on(on), unit_id__in=unit_ids)
    if filters.job_role is not None:
        qs = qs.filter(job_role=filters.job_role)
    if filters.tier is not None:
        qs = qs.filter(tier=filters.tier)
    if filters.course is not None:
        qs = qs.filter(job_role__in=roles_requiring(filters.course).values("pk"))
    return qs


def _role_filter(filters: Filters) -> list[int] | None:
    """Job role ids the role, tier and course filters leave (None: all)."""
    roles = None
    if filters.job_role is not None:
        roles = JobRole.objects.filter(pk=filters.job_role.pk)
    if filters.tier is not None:
        roles = (roles or JobRole.objects.all()).filter(required_tier=filters.tier)
    if filters.course is not None:
        requiring = roles_requiring(filters.course).values("pk")
        roles = (roles or JobRole.objects.all()).filter(pk__in=requiring)
    return None if roles is None else list(roles.values_list("pk", flat=True))


def _row_of(paths: dict[int, str], rows: list[OrganisationUnit]) -> dict[int, str]:
    """Unit id -> the path of the row its people are counted in (the listed unit it is in, or
    the unit itself when it sits above the listed rows)."""
    row_paths = sorted((u.path for u in rows), key=len, reverse=True)
    result = {}
    for unit_id, path in paths.items():
        result[unit_id] = next((p for p in row_paths if path.startswith(p)), path)
    return result


def _row_key(rows: list[OrganisationUnit]):
    """An expression giving, for an entry, the path of the row it is counted in."""
    depths = {u.depth for u in rows}
    if len(depths) == 1:
        return Left("unit__path", depths.pop() * STEP)
    return Case(
        *[When(unit__path__startswith=u.path, then=Value(u.path)) for u in rows],
        default=Left("unit__path", STEP),
    )


def _sql(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


@contextmanager
def tuned():
    """A transaction tuned for report aggregates (re-entrant). On PostgreSQL: enough memory to
    group 100,000 rows in memory rather than sort them on disk. (JIT compilation, which cost 1.3
    to 1.6 s of a 1.8 s run here, is off for every connection in the database settings.)"""
    if getattr(connection, "_reports_tuned", False) and connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '32MB'")
        connection._reports_tuned = True
        try:
            yield
        finally:
            connection._reports_tuned = False


def _fetch(sql: str, params: list) -> list[tuple]:
    with tuned(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def to_tenth(value) -> Decimal:
    """``value`` to one decimal place, halves rounded up (42.85 -> 42.9), as people round."""
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal:
    """``part`` as a percentage of ``whole`` to one decimal, halves rounded up (1 of 3: 33.3;
    9 of 21: 42.9). Each figure is rounded on its own, so the shares of a total may add up to
    a tenth or two more or less than 100%."""
    if not whole:
        return Decimal("0.0")
    return to_tenth(Decimal(part) * 100 / whole)


def _label_units(
    rows: list[OrganisationUnit], keys: set[str]
) -> list[tuple[str, OrganisationUnit, bool]]:
    """(key, unit, attached directly) for the listed rows and for any other key (people
    attached to the focus unit itself, above the listed rows)."""
    known = {u.path: u for u in rows}
    extra = sorted(k for k in keys if k and k not in known)
    if extra:
        known.update({u.path: u for u in OrganisationUnit.objects.filter(path__in=extra)})
    return [(path, known[path], path in extra) for path in sorted(known)]


# --- Supervision hours against target ------------------------------------------------------


def with_supervision(entries: QuerySet[CoverageEntry], on: date) -> QuerySet[CoverageEntry]:
    """Annotate ``window_since`` (first day of the person's target window), ``sup_minutes``
    (countable minutes in it, exact: recomputed live for the rare entries whose oldest counted
    session has left the window since the refresh) and ``at_target``."""
    starts = window_starts(on)
    since = Case(
        *[When(supervision_months=m, then=Value(d)) for m, d in starts],
        default=Value(on),
        output_field=DateField(),
    )
    live = (
        SessionAttendance.objects.filter(
            supervisee_id=OuterRef("user_id"),
            session__status=SupervisionSession.Status.SIGNED_OFF,
            session__date__gte=OuterRef("window_since"),
            session__date__lte=on,
        )
        .exclude(session__format=SupervisionAgreement.Format.PEER)
        .values("supervisee_id")
        .annotate(total=Sum("session__duration_minutes"))
        .values("total")
    )
    return entries.annotate(window_since=since).annotate(
        sup_minutes=Case(
            When(
                Q(supervision_oldest_on__isnull=True)
                | Q(supervision_oldest_on__gte=F("window_since")),
                then=F("supervision_minutes"),
            ),
            default=Coalesce(Subquery(live, output_field=IntegerField()), Value(0)),
            output_field=IntegerField(),
        ),
        at_target=Case(
            When(supervision_reached_on__gte=F("window_since"), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


@dataclass
class SupervisionRow:
    key: str
    label: str
    people: int = 0  # people whose required tier sets a supervision target
    at_target: int = 0
    minutes: int = 0
    target_minutes: int = 0
    unit: OrganisationUnit | None = None
    direct: bool = False

    def add(self, people, at_target, minutes, target) -> None:
        self.people += int(people or 0)
        self.at_target += int(at_target or 0)
        self.minutes += int(minutes or 0)
        self.target_minutes += int(target or 0)

    @property
    def below_target(self) -> int:
        return self.people - self.at_target

    @property
    def hours(self) -> Decimal:
        return minutes_to_hours(self.minutes)

    @property
    def target_hours(self) -> Decimal:
        return minutes_to_hours(self.target_minutes)

    @property
    def at_target_share(self) -> Decimal:
        return percent(self.at_target, self.people)

    @property
    def hours_share(self) -> Decimal:
        return percent(self.minutes, self.target_minutes)


@dataclass
class SupervisionCoverage:
    as_at: datetime
    total: SupervisionRow
    units: list[SupervisionRow]


def minutes_to_hours(minutes: int | None) -> Decimal:
    return to_tenth(Decimal(minutes or 0) / 60)


# --- Coverage ------------------------------------------------------------------------------


@dataclass
class Counts:
    meets: int = 0
    expiring: int = 0
    overdue: int = 0
    not_started: int = 0
    in_progress: int = 0
    trained_recently: int = 0

    @property
    def total(self) -> int:
        return sum(self.count(s) for s in Status.ORDER)

    def add(self, rank: int, n: int, recent: int) -> None:
        status = Status.at(rank)
        setattr(self, status, getattr(self, status) + n)
        self.trained_recently += recent

    def count(self, status: str) -> int:
        return getattr(self, status)

    def share(self, status: str) -> Decimal:
        return self.shares()[status]

    def shares(self) -> dict[str, Decimal]:
        """Each status's share of the total (``percent``: each rounded on its own)."""
        total = self.total
        return {s: percent(self.count(s), total) for s in Status.ORDER}

    @property
    def holding(self) -> int:
        """People who hold the required tier today (meets + expiring)."""
        return self.meets + self.expiring

    @property
    def trained_recently_share(self) -> Decimal:
        return percent(self.trained_recently, self.total)

    def segments(self) -> list[dict]:
        shares = self.shares()
        return [
            {
                "status": s,
                "label": Status.LABELS[s],
                "short": Status.SHORT[s],
                "tag": Status.TAGS[s],
                "count": self.count(s),
                "share": shares[s],
            }
            for s in Status.ORDER
        ]


@dataclass(frozen=True)
class Headline:
    """A headline figure of the coverage summary: a card on the dashboard, a pair of columns
    (count and %) in the coverage exports, and a line of the README, all under ``title``."""

    key: str
    title: str
    definition: str
    statuses: tuple[str, ...] = ()  # the statuses it adds up; none: trained recently
    drill: tuple[tuple[str, str], ...] = ()  # the people behind it, as drill parameters

    def count(self, counts: Counts) -> int:
        if not self.statuses:
            return counts.trained_recently
        return sum(counts.count(s) for s in self.statuses)

    def share(self, counts: Counts) -> Decimal:
        return percent(self.count(counts), counts.total)


HEADLINES: list[Headline] = [
    Headline(
        "holding",
        "Hold the required tier today",
        "Hold the tier their role requires on this day: the next two figures added together",
        (Status.MEETS, Status.EXPIRING),
        (("status", Status.HOLDING),),
    ),
    Headline(
        Status.MEETS,
        Status.LABELS[Status.MEETS],
        "Hold it and it stays valid for more than 90 days",
        (Status.MEETS,),
        (("status", Status.MEETS),),
    ),
    Headline(
        Status.EXPIRING,
        Status.LABELS[Status.EXPIRING],
        "Hold it today, but it lapses within 90 days unless they renew",
        (Status.EXPIRING,),
        (("status", Status.EXPIRING),),
    ),
    Headline(
        Status.OVERDUE,
        Status.LABELS[Status.OVERDUE],
        "Do not hold it and a required course is past its due date",
        (Status.OVERDUE,),
        (("status", Status.OVERDUE),),
    ),
    Headline(
        Status.NOT_STARTED,
        Status.LABELS[Status.NOT_STARTED],
        "Do not hold it and have never started a course",
        (Status.NOT_STARTED,),
        (("status", Status.NOT_STARTED),),
    ),
    Headline(
        Status.IN_PROGRESS,
        Status.LABELS[Status.IN_PROGRESS],
        "Do not hold it, have started and nothing is past due",
        (Status.IN_PROGRESS,),
        (("status", Status.IN_PROGRESS),),
    ),
    Headline(
        "recent",
        "Trained in the last 12 months",
        "Completed a course since this day last year (whatever their tier)",
        (),
        (("recent", "yes"),),
    ),
]


@dataclass
class Row:
    key: str
    label: str
    counts: Counts
    unit: OrganisationUnit | None = None
    job_role: JobRole | None = None
    tier: Tier | None = None
    direct: bool = False  # people attached to the focus unit itself

    def filters(self, base: Filters) -> Filters:
        """The filters that select the people behind this row."""
        return Filters(
            unit=self.unit or base.unit,
            job_role=self.job_role or base.job_role,
            tier=self.tier or base.tier,
            course=base.course,
        )


@dataclass
class Coverage:
    as_at: datetime
    on: date
    focus: OrganisationUnit | None
    total: Counts
    units: list[Row]
    roles: list[Row]
    tiers: list[Row]
    supervision: SupervisionCoverage


def coverage_groups(entries: QuerySet[CoverageEntry], on: date) -> list[dict]:
    """Per unit and job role, among ``entries`` of people with one membership: the count in each
    status (``n0``..``n4`` by rank), trained recently, supervision figures and the earliest dates
    on which time alone changes one of them (``t_*``, for ``CoverageTally.changes_on``). One
    query; the tallies store these rows and reads recompute them for overtaken units."""
    since = recent_since(on)
    soon = on + timedelta(days=EXPIRING_DAYS)
    qs = with_supervision(with_coverage_status(entries.filter(multi=False), on), on)
    has_target = Q(supervision_target__isnull=False)
    counts = {f"n{i}": Count("pk", filter=Q(status_rank=i)) for i in range(len(Status.ORDER))}
    return list(
        qs.values("unit_id", "job_role_id")
        .annotate(
            **counts,
            recent=Count("pk", filter=Q(last_completed_at__gte=since)),
            sup_people=Count("pk", filter=has_target),
            sup_ok=Count("pk", filter=has_target & Q(at_target=1)),
            sup_minutes=Sum("sup_minutes", filter=has_target),
            sup_target=Sum("supervision_target"),
            t_far=Min("standing_until", filter=Q(standing_until__gt=soon)),
            t_near=Min("standing_until", filter=Q(standing_until__gte=on)),
            t_due=Min("next_due_on", filter=Q(next_due_on__gte=on)),
            t_recent=Min("last_completed_at", filter=Q(last_completed_at__gte=since)),
            t_reached=Min(
                "supervision_reached_on",
                filter=Q(supervision_reached_on__gte=F("window_since")),
            ),
            t_oldest=Min(
                "supervision_oldest_on", filter=Q(supervision_oldest_on__gte=F("window_since"))
            ),
            t_live=Count("pk", filter=Q(supervision_oldest_on__lt=F("window_since"))),
            t_months=Min("supervision_months"),
            t_end=Min("end_date", filter=Q(end_date__gte=on)),
        )
        .order_by()
    )


GROUP_FIELDS = ["n0", "n1", "n2", "n3", "n4", "recent", "sup_people", "sup_ok", "sup_minutes",
                "sup_target"]  # fmt: skip


def _sum_groups(groups, key) -> dict:
    """Sum unit-and-role groups (tallies or live groups) by ``key(row_key, group)``."""
    sums: dict = defaultdict(lambda: [0] * len(GROUP_FIELDS))
    for row_key, group in groups:
        target = sums[key(row_key, group)]
        for i, name in enumerate(GROUP_FIELDS):
            target[i] += group[name] or 0
    return sums


def _counts_from(values: list[int]) -> tuple[Counts, list[int]]:
    return Counts(*values[:6]), values[6:]


def coverage(scope: Scope, filters: Filters, on: date | None = None) -> Coverage:
    """Coverage for the scope and filters (see ``_coverage``), in one tuned transaction."""
    with tuned():
        return _coverage(scope, filters, on)


def _coverage(scope: Scope, filters: Filters, on: date | None = None) -> Coverage:
    """Coverage for the scope and filters, overall, by unit, by job role and by tier, with the
    supervision figures by unit, in a constant number of queries whatever the number of staff.

    People with one membership come from the ``CoverageTally`` rows of the units in scope
    (recomputed live for units whose tallies time has overtaken); people with several are
    grouped person by person from their entries, so unit, tier and total rows count each person
    once."""
    on = on or timezone.localdate()
    focus = filters.unit or default_focus(scope)
    rows = row_units(scope, focus)
    units = scope_units_of(scope, filters)
    row_of = _row_of(dict(units.values_list("pk", "path")), rows)
    unit_ids = units.values("pk")
    role_ids = _role_filter(filters)

    # People with one membership: stored tallies, and live groups for overtaken units.
    tallies = CoverageTally.objects.filter(unit_id__in=unit_ids)
    if role_ids is not None:
        tallies = tallies.filter(job_role_id__in=role_ids)
    overtaken = Q(changes_on__lte=on) | Q(computed_on__gt=on)
    stale = sorted(set(tallies.filter(overtaken).values_list("unit_id", flat=True)))
    names = {f"n{i}": f for i, f in enumerate(Status.ORDER)}
    stored = (
        tallies.exclude(unit_id__in=stale)
        .annotate(row_key=_row_key(rows))
        .values("row_key", "job_role_id")
        .annotate(
            **{key: Sum(field) for key, field in names.items()},
            recent=Sum("trained_recently"),
            sup_people=Sum("supervision_people"),
            sup_ok=Sum("supervision_at_target"),
            sup_minutes=Sum("supervision_minutes"),
            sup_target=Sum("supervision_target"),
        )
        .order_by()
    )
    groups = [(g["row_key"], g) for g in stored]
    if stale:
        live = coverage_entries(scope, filters, on, unit_ids=stale)
        with tuned():
            groups += [(row_of[g["unit_id"]], g) for g in coverage_groups(live, on)]

    # People with several memberships, person by person.
    multi = with_supervision(
        with_coverage_status(
            coverage_entries(scope, filters, on, unit_ids=unit_ids).filter(multi=True), on
        ),
        on,
    ).annotate(
        row_key=_row_key(rows),
        recent=Case(
            When(last_completed_at__gte=recent_since(on), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        has_target=Case(
            When(supervision_target__isnull=False, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )
    multi_sql, multi_params = _sql(
        multi.values_list("row_key", "tier_id", "job_role_id", "user_id", "status_rank",
                          "recent", "has_target", "at_target", "sup_minutes",
                          "supervision_target")
    )  # fmt: skip
    sums = (
        "COUNT(*), SUM(recent), SUM(t), SUM(ok), SUM(CASE WHEN t = 1 THEN minutes ELSE 0 END), "
        "SUM(COALESCE(target, 0))"
    )
    person = (
        "SELECT {key} user_id, MAX(r) AS r, MAX(recent) AS recent, MAX(t) AS t, MAX(ok) AS ok, "
        "MAX(minutes) AS minutes, MAX(target) AS target FROM b GROUP BY {key} user_id"
    )
    aggregate = f"""
        WITH b (row_key, tier_id, role_id, user_id, r, recent, t, ok, minutes, target)
        AS ({multi_sql})
        SELECT 'role', NULL, role_id, r, COUNT(*), SUM(recent), 0, 0, 0, 0 FROM b
        GROUP BY role_id, r
        UNION ALL
        SELECT 'unit', row_key, NULL, r, {sums} FROM ({person.format(key="row_key,")}) x
        GROUP BY row_key, r
        UNION ALL
        SELECT 'tier', NULL, tier_id, r, {sums} FROM ({person.format(key="tier_id,")}) x
        GROUP BY tier_id, r
        UNION ALL
        SELECT 'all', NULL, NULL, r, {sums} FROM ({person.format(key="")}) x GROUP BY r
    """  # noqa: S608 - our own compiled SQL only
    result = _fetch(aggregate, multi_params)
    as_at = timezone.now()

    role_tier = dict(JobRole.objects.values_list("pk", "required_tier_id"))
    units: dict[str, Counts] = defaultdict(Counts)
    roles: dict[int, Counts] = defaultdict(Counts)
    tiers: dict[int, Counts] = defaultdict(Counts)
    total = Counts()
    sup_units: dict[str, SupervisionRow] = defaultdict(lambda: SupervisionRow("", ""))
    sup_total = SupervisionRow("", "Everyone in these figures")
    for key_of, target, sup_target in (
        (lambda row_key, g: row_key, units, sup_units),
        (lambda row_key, g: g["job_role_id"], roles, None),
        (lambda row_key, g: role_tier[g["job_role_id"]], tiers, None),
        (lambda row_key, g: "", None, None),
    ):
        for key, values in _sum_groups(groups, key_of).items():
            counts, sup = _counts_from(values)
            if target is None:
                total.__dict__.update(counts.__dict__)
                sup_total.add(*sup)
                continue
            target[key] = counts
            if sup_target is not None:
                sup_target[key].add(*sup)
    for kind, key, ref, rank, n, recent, *sup in result:
        recent = recent or 0
        if kind == "role":
            roles[ref].add(rank, n, recent)
        elif kind == "unit":
            units[key].add(rank, n, recent)
            sup_units[key].add(*sup)
        elif kind == "tier":
            tiers[ref].add(rank, n, recent)
        else:
            total.add(rank, n, recent)
            sup_total.add(*sup)
    roles = {k: v for k, v in roles.items() if v.total}
    tiers = {k: v for k, v in tiers.items() if v.total}

    unit_rows, sup_rows = [], []
    for path, unit, direct in _label_units(rows, set(units)):
        if direct and path not in units:
            continue
        label = f"{unit.name} (attached directly)" if direct else unit.name
        unit_rows.append(
            Row(key=path, label=label, counts=units.get(path, Counts()), unit=unit, direct=direct)
        )
        sup_row = sup_units.get(path) or SupervisionRow(path, "")
        sup_row.key, sup_row.label, sup_row.unit, sup_row.direct = path, label, unit, direct
        sup_rows.append(sup_row)
    role_objects = JobRole.objects.filter(pk__in=list(roles)).select_related("required_tier")
    role_rows = sorted(
        (
            Row(key=str(r.pk), label=r.name, counts=roles[r.pk], job_role=r,
                tier=r.required_tier)
            for r in role_objects
        ),
        key=lambda row: (row.tier.order, row.label),
    )  # fmt: skip
    tier_objects = {t.pk: t for t in Tier.objects.filter(pk__in=list(tiers))}
    tier_rows = sorted(
        (
            Row(key=str(pk), label=str(tier_objects[pk]), counts=c, tier=tier_objects[pk])
            for pk, c in tiers.items()
            if pk in tier_objects
        ),
        key=lambda row: row.tier.order,
    )
    return Coverage(
        as_at=as_at,
        on=on,
        focus=focus,
        total=total,
        units=unit_rows,
        roles=role_rows,
        tiers=tier_rows,
        supervision=SupervisionCoverage(as_at=as_at, total=sup_total, units=sup_rows),
    )


def supervision_coverage(
    scope: Scope, filters: Filters, on: date | None = None
) -> SupervisionCoverage:
    """Countable supervision hours (signed off, not peer) in each person's target window against
    their target, for the people whose highest required tier sets one, by unit and in total
    (each person once). *At target*: the hours in the window reach the target. Computed in the
    same aggregate as the coverage."""
    return coverage(scope, filters, on).supervision


# --- Course completion ---------------------------------------------------------------------


@dataclass
class CourseRow:
    course: CoursePage
    required: int = 0
    current: int = 0
    expiring: int = 0
    expired: int = 0

    @property
    def current_share(self) -> Decimal:
        return percent(self.current, self.required)

    @property
    def never(self) -> int:
        """Required, with no completion at all."""
        return self.required - self.current - self.expired

    @property
    def not_current(self) -> int:
        return self.required - self.current


@dataclass
class CourseCompletion:
    as_at: datetime
    rows: list[CourseRow]
    live_units: int = 0  # units computed live because time had overtaken their tallies


def course_completion(scope: Scope, filters: Filters, on: date | None = None) -> CourseCompletion:
    """Per required course, among the people in scope whose roles require it (each counted once,
    in their home unit: the unit of their highest-tier role): how many hold a current completion,
    how many of those expire within 90 days, how many hold only an expired one.

    Sums the stored tallies; units whose tallies time has overtaken are computed live (exact
    either way). A constant number of queries."""
    on = on or timezone.localdate()
    units = scope_units(scope)
    if filters.unit is not None:
        units = units.filter(path__startswith=filters.unit.path)
    tallies = CourseTally.objects.filter(unit_id__in=units.values("pk"))
    role_ids = _role_filter(filters)
    if role_ids is not None:
        tallies = tallies.filter(job_role_id__in=role_ids)
    if filters.course is not None:
        tallies = tallies.filter(course=filters.course)
    overtaken = Q(changes_on__lte=on) | Q(computed_on__gt=on)
    stale_units = sorted(set(tallies.filter(overtaken).values_list("unit_id", flat=True)))
    sums = (
        tallies.exclude(unit_id__in=stale_units)
        .values("course_id")
        .annotate(
            required_n=Sum("required"),
            current_n=Sum("current"),
            expiring_n=Sum("expiring"),
            expired_n=Sum("expired"),
        )
        .order_by()
    )
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in sums:
        totals[row["course_id"]] = [
            row["required_n"], row["current_n"], row["expiring_n"], row["expired_n"],
        ]  # fmt: skip
    if stale_units:
        for t in tally_rows(stale_units, on):
            if role_ids is not None and t.job_role_id not in role_ids:
                continue
            if filters.course is not None and t.course_id != filters.course.pk:
                continue
            for i, value in enumerate((t.required, t.current, t.expiring, t.expired)):
                totals[t.course_id][i] += value
    as_at = timezone.now()
    courses = CoursePage.objects.filter(pk__in=list(totals)).select_related("tier")
    rows = [CourseRow(course, *totals[course.pk]) for course in courses]
    rows.sort(key=lambda r: (r.course.tier.order, r.course.path))
    return CourseCompletion(as_at=as_at, rows=rows, live_units=len(stale_units))


# --- The people behind a figure ------------------------------------------------------------


class CourseState:
    CURRENT = "current"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NEVER = "never"
    NOT_CURRENT = "not_current"
    LABELS = {
        CURRENT: "Current completion",
        EXPIRING: "Completion expiring within 90 days",
        EXPIRED: "Only an expired completion",
        NEVER: "Never completed",
        NOT_CURRENT: "No current completion",
    }


DRILL_STATUSES = {*Status.ORDER, Status.HOLDING}


@dataclass
class Drill:
    """Which figure's people to list (besides the filters)."""

    status: str | None = None
    course_state: str | None = None
    supervision: str | None = None  # "below" or "at"
    recent: str | None = None  # "yes" or "no"

    def as_query(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("status", self.status),
                ("course_state", self.course_state),
                ("supervision", self.supervision),
                ("recent", self.recent),
            )
            if v
        }

    def describe(self) -> str:
        parts = []
        if self.status == Status.HOLDING:
            parts.append(HEADLINES[0].title)
        elif self.status:
            parts.append(Status.LABELS[self.status])
        if self.course_state:
            parts.append(CourseState.LABELS[self.course_state])
        if self.supervision:
            parts.append("Supervision below target" if self.supervision == "below" else "At target")
        if self.recent:
            parts.append(
                "Trained in the last 12 months"
                if self.recent == "yes"
                else "Not trained in the last 12 months"
            )
        return "; ".join(parts) or "Everyone"


def people(scope: Scope, filters: Filters, drill: Drill, on: date | None = None) -> QuerySet:
    """One row (a dict) per person behind a figure, in the units whose people ``scope`` may see
    by name: ``user_id``, ``name``, ``email``, ``rank`` (their worst status over the entries in
    the figure), ``tier_order``, ``standing_until``, ``next_due_on``, ``last_completed_at`` and,
    with a course, ``course_valid_until``. Counting matches the figures: unit and tier figures
    count people, role figures memberships (the role filter leaves one per person)."""
    on = on or timezone.localdate()
    entries = coverage_entries(scope, filters, on, named=True)
    if drill.course_state and filters.course is not None:
        # Course figures count people once, in their home unit.
        entries = entries.filter(is_home=True)
    if drill.supervision:
        entries = with_supervision(entries.filter(supervision_target__isnull=False), on)
    entries = with_coverage_status(entries, on)
    since = recent_since()
    qs = entries.values("user_id").annotate(
        name=Max("user__display_name"),
        email=Max("user__email"),
        rank=Max("status_rank"),
        tier_order=Max("tier_order"),
        standing_until=Min("standing_until"),
        next_due_on=Max("next_due_on"),
        last_completed_at=Max("last_completed_at"),
    )
    if drill.status == Status.HOLDING:
        qs = qs.filter(rank__lte=Status.rank(Status.EXPIRING))
    elif drill.status in DRILL_STATUSES:
        qs = qs.filter(rank=Status.rank(drill.status))
    if drill.recent == "yes":
        qs = qs.filter(last_completed_at__gte=since)
    elif drill.recent == "no":
        qs = qs.filter(Q(last_completed_at__lt=since) | Q(last_completed_at__isnull=True))
    if drill.supervision:
        qs = qs.annotate(
            supervision_ok=Max("at_target"),
            supervision_minutes=Max("sup_minutes"),
            supervision_target=Max("supervision_target"),
        )
        qs = qs.filter(supervision_ok=1 if drill.supervision == "at" else 0)
    if filters.course is not None:
        latest = (
            Completion.objects.filter(user_id=OuterRef("user_id"), course=filters.course)
            .values("user_id")
            .annotate(v=Max("valid_until"))
            .values("v")
        )
        qs = qs.annotate(course_valid_until=Subquery(latest, output_field=DateField()))
        soon = on + timedelta(days=EXPIRING_DAYS)
        state_q = {
            CourseState.CURRENT: Q(course_valid_until__gte=on),
            CourseState.EXPIRING: Q(course_valid_until__gte=on, course_valid_until__lte=soon),
            CourseState.EXPIRED: Q(course_valid_until__lt=on),
            CourseState.NEVER: Q(course_valid_until__isnull=True),
            CourseState.NOT_CURRENT: Q(course_valid_until__isnull=True)
            | Q(course_valid_until__lt=on),
        }.get(drill.course_state)
        if state_q is not None:
            qs = qs.filter(state_q)
    return qs.order_by("-rank", F("next_due_on").asc(nulls_last=True), "name", "user_id")


@dataclass
class PersonRow:
    user_id: int
    name: str
    email: str
    status: str
    tier_order: int
    standing_until: date | None
    next_due_on: date | None
    last_completed_at: datetime | None
    last_activity_at: datetime | None = None
    memberships: list = field(default_factory=list)  # (unit name, job role name, tier code)
    course_valid_until: date | None = None
    supervision_minutes: int | None = None
    supervision_target: int | None = None

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def status_tag(self) -> str:
        return Status.TAGS[self.status]

    @property
    def holds_required(self) -> bool:
        return self.status in (Status.MEETS, Status.EXPIRING)

    @property
    def supervision_hours(self) -> Decimal | None:
        if self.supervision_minutes is None:
            return None
        return minutes_to_hours(self.supervision_minutes)

    @property
    def supervision_target_hours(self) -> Decimal | None:
        if self.supervision_target is None:
            return None
        return minutes_to_hours(self.supervision_target)


def person_rows(rows: list[dict], on: date | None = None) -> list[PersonRow]:
    """``PersonRow`` objects for one page of ``people()``: two queries for the page (their
    memberships and their last activity), whatever its length."""
    from courses.models import LearnerSummary

    on = on or timezone.localdate()
    ids = [r["user_id"] for r in rows]
    memberships: dict[int, list] = defaultdict(list)
    for user_id, unit, role, tier in (
        CoverageEntry.objects.filter(active_on(on), user_id__in=ids)
        .order_by("unit__path", "job_role__name")
        .values_list("user_id", "unit__name", "job_role__name", "tier__code")
    ):
        memberships[user_id].append((unit, role, tier))
    activity = dict(
        LearnerSummary.objects.filter(user_id__in=ids).values_list("user_id", "last_activity_at")
    )
    return [
        PersonRow(
            user_id=r["user_id"],
            name=r["name"] or r["email"],
            email=r["email"],
            status=Status.at(r["rank"]),
            tier_order=r["tier_order"],
            standing_until=r["standing_until"],
            next_due_on=r["next_due_on"],
            last_completed_at=r["last_completed_at"],
            last_activity_at=activity.get(r["user_id"]),
            memberships=memberships.get(r["user_id"], []),
            course_valid_until=r.get("course_valid_until"),
            supervision_minutes=r.get("supervision_minutes"),
            supervision_target=r.get("supervision_target"),
        )
        for r in rows
    ]


# --- A person's training record ------------------------------------------------------------


@dataclass
class RecordCourse:
    course: CoursePage
    state: str
    enrolment: Enrolment | None
    valid_until: date | None
    due_on: date | None
    overdue: bool


@dataclass
class PersonRecord:
    person: object
    memberships: list
    required_tier: Tier | None
    held_tier: Tier | None
    held_until: date | None
    status: str
    courses: list[RecordCourse]
    supervision: object
    as_at: datetime
    reasons: object = None  # courses.selectors.TierExplanation: why below, or what ends it
    required_until: date | None = None


def person_record(person, on: date | None = None) -> PersonRecord:
    """What a manager sees of one person: required courses with status, due and expiry dates,
    the tier held against the tier required, and supervision hours and dates (never the content
    of sessions). A constant number of queries."""
    from courses import selectors as learning
    from lms.workforce.selectors import active_memberships
    from supervision.selectors import supervision_summary

    on = on or timezone.localdate()
    memberships = list(active_memberships(person, on).exclude(job_role=None))
    roles = [m.job_role for m in memberships]
    required_tier = learning.required_tier_of_roles(roles)
    tier = learning.tier_summary(person, required_tier, on)
    required = learning.required_courses_for_roles(roles)
    current = {
        e.course_id: e
        for e in Enrolment.objects.filter(user=person, is_current=True).select_related("course")
    }
    latest = dict(
        Completion.objects.filter(user=person)
        .values("course_id")
        .annotate(v=Max("valid_until"))
        .values_list("course_id", "v")
    )
    soon = on + timedelta(days=EXPIRING_DAYS)
    courses = []
    for course_id, requirement in required.items():
        enrolment = current.get(course_id)
        valid_until = latest.get(course_id)
        active = enrolment is not None and enrolment.status == Enrolment.Status.ACTIVE
        if valid_until and valid_until >= on:
            state = "Expiring within 90 days" if valid_until <= soon else "Current"
        elif active:
            state = "In progress" if enrolment.started_at else "Not started"
        elif valid_until:
            state = "Expired"
        else:
            state = "Not enrolled"
        due_on = enrolment.due_on if active else None
        courses.append(
            RecordCourse(
                course=requirement.course,
                state=state,
                enrolment=enrolment,
                valid_until=valid_until,
                due_on=due_on,
                overdue=bool(due_on and due_on < on and not (valid_until and valid_until >= on)),
            )
        )
    courses.sort(key=lambda c: (c.course.tier.order, c.course.title))
    status = {
        "meets": Status.MEETS,
        "expiring": Status.EXPIRING,
    }.get(tier.status)
    if status is None:
        entry = with_coverage_status(
            CoverageEntry.objects.filter(user=person).filter(active_on(on)), on
        ).aggregate(rank=Max("status_rank"))
        status = Status.at(entry["rank"]) if entry["rank"] is not None else Status.IN_PROGRESS
    return PersonRecord(
        person=person,
        memberships=memberships,
        required_tier=required_tier,
        held_tier=tier.held,
        held_until=tier.held_until,
        status=status,
        courses=courses,
        supervision=supervision_summary(person, on=on),
        as_at=timezone.now(),
        reasons=learning.explain_tier(person, required_tier, on),
        required_until=tier.required_valid_until,
    )


# --- Course analytics (trainers) -----------------------------------------------------------


@dataclass
class FunnelStep:
    label: str
    count: int
    share: Decimal


@dataclass
class QuestionStat:
    number: int
    question_id: str
    text: str
    wrong: int
    answers: int

    @property
    def wrong_share(self) -> Decimal:
        return percent(self.wrong, self.answers)


@dataclass
class CourseAnalytics:
    course: CoursePage
    as_at: datetime
    enrolled: int
    completed: int
    funnel: list[FunnelStep]
    average_score: Decimal | None
    average_completion_score: Decimal | None
    attempts: int
    pass_rate: Decimal
    first_attempt_pass_rate: Decimal
    questions: list[QuestionStat]
    # Older than ANALYTICS_MAX_AGE_SECONDS: newer figures have been asked for.
    stale: bool = False


def analytics_courses() -> QuerySet[CoursePage]:
    return CoursePage.objects.live().select_related("tier").order_by("tier__order", "path")


def compute_course_analytics(course: CoursePage) -> CourseAnalytics:
    """For trainers, worked out from the live tables: the completion funnel through the modules
    (current cycles), average scores and the questions most often answered wrongly. A constant
    number of queries, but each scans the course's enrolments, attempts and answers (about
    half a second for a course of the 100,000-staff population): the page reads the snapshot
    this is stored in (``course_analytics``), and only the background refresh calls this."""
    with tuned():
        return _course_analytics(course)


def analytics_snapshot(course: CoursePage):
    from .models import CourseAnalyticsSnapshot

    return CourseAnalyticsSnapshot.objects.filter(course=course).first()


def analytics_figures(data: CourseAnalytics) -> dict:
    """A course's analytics as plain JSON (numbers and texts; decimals as strings)."""

    def text(value):
        return None if value is None else str(value)

    return {
        "enrolled": data.enrolled,
        "completed": data.completed,
        "funnel": [[step.label, step.count, str(step.share)] for step in data.funnel],
        "average_score": text(data.average_score),
        "average_completion_score": text(data.average_completion_score),
        "attempts": data.attempts,
        "pass_rate": str(data.pass_rate),
        "first_attempt_pass_rate": str(data.first_attempt_pass_rate),
        "questions": [
            [q.number, q.question_id, q.text, q.wrong, q.answers] for q in data.questions
        ],
    }


def course_analytics(course: CoursePage, snapshot) -> CourseAnalytics:
    """A course's analytics as stored in ``snapshot`` (a ``CourseAnalyticsSnapshot``), marked
    stale once older than ``ANALYTICS_MAX_AGE_SECONDS``."""
    from django.conf import settings

    figures = snapshot.figures

    def number(value):
        return None if value is None else Decimal(value)

    age = (timezone.now() - snapshot.computed_at).total_seconds()
    return CourseAnalytics(
        course=course,
        as_at=snapshot.computed_at,
        enrolled=figures["enrolled"],
        completed=figures["completed"],
        funnel=[FunnelStep(label, n, Decimal(share)) for label, n, share in figures["funnel"]],
        average_score=number(figures["average_score"]),
        average_completion_score=number(figures["average_completion_score"]),
        attempts=figures["attempts"],
        pass_rate=Decimal(figures["pass_rate"]),
        first_attempt_pass_rate=Decimal(figures["first_attempt_pass_rate"]),
        questions=[QuestionStat(*row) for row in figures["questions"]],
        stale=age > settings.ANALYTICS_MAX_AGE_SECONDS,
    )


def _course_analytics(course: CoursePage) -> CourseAnalytics:
    from courses.selectors import question_difficulty

    current = Enrolment.objects.filter(course=course, is_current=True)
    counts = current.aggregate(
        enrolled=Count("pk"),
        completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
        started=Count("pk", filter=Q(started_at__isnull=False)),
    )
    modules = list(course.modules())
    done = dict(
        ModuleProgress.objects.filter(
            module_id__in=[m.pk for m in modules],
            enrolment__is_current=True,
            completed_at__isnull=False,
        )
        .values("module_id")
        .annotate(n=Count("pk"))
        .values_list("module_id", "n")
    )
    enrolled = counts["enrolled"]
    funnel = [FunnelStep("Enrolled", enrolled, percent(enrolled, enrolled))]
    funnel.append(FunnelStep("Started", counts["started"], percent(counts["started"], enrolled)))
    for number, module in enumerate(modules, start=1):
        n = done.get(module.pk, 0)
        funnel.append(
            FunnelStep(f"Completed module {number}: {module.title}", n, percent(n, enrolled))
        )
    funnel.append(
        FunnelStep(
            "Completed the course", counts["completed"], percent(counts["completed"], enrolled)
        )
    )
    attempts = QuizAttempt.objects.filter(enrolment__course=course).aggregate(
        n=Count("pk"),
        n_passed=Count("pk", filter=Q(passed=True)),
        first=Count("pk", filter=Q(number=1)),
        first_passed=Count("pk", filter=Q(number=1, passed=True)),
        average=Avg("score"),
    )
    completion_score = Completion.objects.filter(course=course, score__isnull=False).aggregate(
        average=Avg("score")
    )["average"]
    texts = {}
    for number, block in enumerate(course.questions(), start=1):
        texts[block.id] = (number, str(block.value.get("question", "")))
    questions = []
    for question_id, wrong, answers in question_difficulty(course)[:10]:
        number, text = texts.get(question_id, (0, "A question no longer in the course"))
        questions.append(QuestionStat(number, question_id, text, wrong, answers))

    def dec(value):
        return None if value is None else to_tenth(value)

    return CourseAnalytics(
        course=course,
        as_at=timezone.now(),
        enrolled=enrolled,
        completed=counts["completed"],
        funnel=funnel,
        average_score=dec(attempts["average"]),
        average_completion_score=dec(completion_score),
        attempts=attempts["n"],
        pass_rate=percent(attempts["n_passed"], attempts["n"]),
        first_attempt_pass_rate=percent(attempts["first_passed"], attempts["first"]),
        questions=questions,
    )


def analytics_overview() -> list[dict]:
    """Per live course: current enrolments, completions and average score (one query each)."""
    courses = list(analytics_courses())
    stats = {
        row["course_id"]: row
        for row in Enrolment.objects.filter(is_current=True, course__in=courses)
        .values("course_id")
        .annotate(
            enrolled=Count("pk"),
            completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
        )
        .order_by()
    }
    scores = dict(
        QuizAttempt.objects.filter(enrolment__course__in=courses)
        .values("enrolment__course_id")
        .annotate(a=Avg("score"))
        .values_list("enrolment__course_id", "a")
    )
    result = []
    for course in courses:
        row = stats.get(course.pk, {"enrolled": 0, "completed": 0})
        average = scores.get(course.pk)
        result.append(
            {
                "course": course,
                "enrolled": row["enrolled"],
                "completed": row["completed"],
                "completed_share": percent(row["completed"], row["enrolled"]),
                "average_score": None if average is None else to_tenth(average),
            }
        )
    return result


# --- Reminders -----------------------------------------------------------------------------


def reminders_sent_to(user) -> QuerySet:
    from .models import SentReminder

    return SentReminder.objects.filter(user=user).order_by("-sent_at", "-pk")
