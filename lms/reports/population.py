"""A realistic generated region for benchmarks: ``manage.py generate_population``.

PostgreSQL only. Rows are generated in Python from one seeded random generator (the same seed and
the same day give the same data) and written with ``COPY`` one organisation at a time, so memory
stays bounded. Ids are allocated here (after the highest existing id) and the sequences are moved
past them at the end.

What it builds, for ``staff`` people with a job role:

- one region with ``organisations`` organisations of varied size (NHS trusts, councils, charities,
  independent providers; one of about 5,000 staff for the benchmark) and about ``teams`` teams;
- memberships: team types decide the job roles (the default roles of ``load_job_roles``); a few %
  of people hold two roles, a few % moved team (their old membership ended), some are new starters;
  one manager (no job role) per organisation, a team leader per team, one regional lead;
- enrolments on the courses each person's roles require, with completions spread over the
  validity period (so some are expiring within 90 days), some expired with a refresher opened,
  some in progress (module progress), some never started, some overdue;
- knowledge-check attempts and question responses for a sample of enrolments;
- competency assessments for T3 and T4 staff; supervision agreements and signed-off sessions for
  T2+ staff (group sessions for T2 teams, individual fortnightly sessions for T3 and T4), some of
  them behind;
- ``TierStanding`` and ``LearnerSummary`` computed in bulk in SQL with the rules of
  ``courses.services.compute_standing`` / ``refresh_learner_summary`` (``verify_sample`` checks
  them against the services for a few people).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from content.models import CoursePage, Tier
from courses.dates import add_months, validity_for
from courses.models import (
    CompetencyAssessment,
    Completion,
    Enrolment,
    LearnerSummary,
    ModuleProgress,
    QuestionResponse,
    QuizAttempt,
    TierStanding,
)
from lms.workforce.models import JobRole, Membership, OrganisationUnit
from supervision.models import (
    AgreementParty,
    SessionAttendance,
    SupervisionAgreement,
    SupervisionSession,
    SupervisionTarget,
)

User = get_user_model()

EMAIL_DOMAIN = "population.example"
CODE_PREFIX = "gen-"
BENCH_ORG_STAFF = 5_000

PLACES = [
    "Riverside",
    "Northshire",
    "Eastmoor",
    "Westbrook",
    "Southvale",
    "Highcliff",
    "Lowfield",
    "Ashford",
    "Brookmere",
    "Castleton",
    "Deanhill",
    "Elmstead",
    "Fairhaven",
    "Greystone",
    "Hollowell",
    "Ironbridge",
    "Kingsmead",
    "Larchwood",
    "Millbrook",
    "Newhaven",
    "Oakridge",
    "Pinegate",
    "Queensbury",
    "Redwater",
    "Stonebridge",
    "Thornbury",
    "Upton",
    "Valemount",
    "Whitby Cross",
    "Yarrowdale",
    "Amberley",
    "Bramhall",
    "Coldstream",
    "Dunmore",
    "Everleigh",
    "Foxley",
    "Glenarm",
    "Harrowgate",
    "Ivybridge",
    "Juniper Vale",
    "Kestrel Bay",
    "Linthorpe",
    "Marlow Heath",
    "Northgate",
    "Ormskirk Vale",
    "Penmarsh",
    "Quarry Bank",
    "Rosedale",
    "Saltmarsh",
    "Tidewell",
    "Underhill",
    "Wrenfield",
]
FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Ellen",
    "Fatima",
    "Grace",
    "Hannah",
    "Isaac",
    "James",
    "Katie",
    "Liam",
    "Mohammed",
    "Nadia",
    "Owen",
    "Priya",
    "Ruth",
    "Sam",
    "Tom",
    "Zara",
    "Amira",
    "Bethan",
    "Ciaran",
    "Deepa",
    "Eilidh",
    "Femi",
    "Gwen",
    "Harpreet",
    "Ioana",
    "Jack",
    "Kofi",
    "Leah",
    "Mei",
    "Niamh",
    "Oluwaseun",
    "Patrick",
    "Rhiannon",
    "Sinead",
    "Tariq",
    "Yusuf",
]
LAST_NAMES = [
    "Adeyemi",
    "Ali",
    "Begum",
    "Bennett",
    "Clarke",
    "Davies",
    "Doyle",
    "Evans",
    "Fraser",
    "Gallagher",
    "Harris",
    "Hughes",
    "Khan",
    "Kowalski",
    "Mensah",
    "Morgan",
    "Nguyen",
    "O'Connor",
    "Okafor",
    "Patel",
    "Price",
    "Rahman",
    "Robinson",
    "Thompson",
    "Turner",
    "Walsh",
    "Wilson",
    "Jones",
    "Campbell",
    "Murphy",
    "Kaur",
    "Singh",
    "Novak",
    "Evans-Bell",
    "MacLeod",
    "Byrne",
]

# Team types by sector, and the job roles (default role codes) in each with their weights.
TEAM_TYPES = {
    "health-visiting": (
        "Health Visiting",
        {
            "health-visitor": 70,
            "early-years-practitioner": 10,
            "administrator": 8,
            "specialist-health-visitor-pimh": 5,
            "imh-lead": 1,
        },
    ),
    "midwifery": ("Community Midwifery", {"midwife": 85, "neonatal-nurse": 7, "administrator": 8}),
    "neonatal": ("Neonatal Unit", {"neonatal-nurse": 85, "midwife": 5, "administrator": 10}),
    "perinatal": (
        "Perinatal Mental Health",
        {
            "perinatal-mental-health-clinician": 70,
            "parent-infant-therapist": 15,
            "perinatal-lead-adult-services": 5,
            "administrator": 8,
            "imh-lead": 2,
        },
    ),
    "camhs": (
        "CAMHS Under-Fives",
        {"camhs-clinician": 80, "parent-infant-therapist": 10, "administrator": 10},
    ),
    "fnp": ("Family Nurse Partnership", {"family-nurse": 85, "administrator": 10, "imh-lead": 5}),
    "adult-mh": (
        "Adult Mental Health",
        {"adult-mental-health-worker": 80, "perinatal-lead-adult-services": 8, "administrator": 12},
    ),
    "substance": (
        "Substance Use Service",
        {"substance-use-worker": 82, "perinatal-lead-adult-services": 6, "administrator": 12},
    ),
    "primary-care": ("Primary Care", {"gp": 40, "practice-nurse": 45, "administrator": 15}),
    "early-help": (
        "Early Help",
        {"family-support-worker": 80, "early-years-practitioner": 10, "administrator": 10},
    ),
    "social-care": ("Children's Social Care", {"childrens-social-worker": 85, "administrator": 15}),
    "early-years": ("Early Years Settings", {"early-years-practitioner": 90, "administrator": 10}),
    "volunteers": (
        "Family Volunteers",
        {"volunteer": 80, "peer-supporter": 15, "administrator": 5},
    ),
    "peer-support": (
        "Peer Support",
        {"peer-supporter": 80, "volunteer": 15, "administrator": 5},
    ),
    "family-support": (
        "Family Support",
        {"family-support-worker": 75, "volunteer": 15, "administrator": 10},
    ),
}
SECTOR_TEAMS = {
    "nhs": [
        "health-visiting",
        "health-visiting",
        "midwifery",
        "neonatal",
        "perinatal",
        "camhs",
        "fnp",
        "adult-mh",
        "substance",
        "primary-care",
    ],
    "local_authority": ["early-help", "social-care", "early-years", "family-support"],
    "voluntary": ["volunteers", "peer-support", "family-support"],
    "independent": ["early-years", "family-support"],
}
SECTOR_NAMES = {
    "nhs": "{} Community Health NHS Trust",
    "local_authority": "{} Council Children's Services",
    "voluntary": "{} Family Charity",
    "independent": "{} Nurseries Ltd",
}
# How many organisations of each sector, out of every 50.
SECTOR_SHARE = [("nhs", 20), ("local_authority", 15), ("voluntary", 12), ("independent", 3)]

# Person profiles: how far their training is along (probabilities add up to 1).
PROFILES = [
    ("trained", 0.64),
    ("lapsed", 0.08),
    ("in_progress", 0.14),
    ("not_started", 0.09),
    ("behind_supervision", 0.05),
]


@dataclass
class Course:
    id: int
    title: str
    tier_code: str
    tier_order: int
    months: int
    pass_mark: int
    revision_id: int | None
    modules: list[int]
    questions: list[tuple[str, list[str], list[str], float]]  # id, right, wrong, difficulty


@dataclass
class Person:
    id: int
    roles: list[JobRole]
    start: date
    profile: str
    tier_order: int = 0


@dataclass
class Counters:
    """Next id for each table (ids are allocated here so rows can refer to each other)."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Buffer:
    """Rows waiting to be written with COPY, per table, in dependency order."""

    def __init__(self):
        self.rows: dict[type, list[tuple]] = defaultdict(list)
        self.columns: dict[type, list[str]] = {}
        self.written: dict[str, int] = defaultdict(int)

    def add(self, model, columns: list[str], row: tuple) -> None:
        self.columns.setdefault(model, columns)
        self.rows[model].append(row)

    def flush(self) -> None:
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for model, rows in self.rows.items():
                if not rows:
                    continue
                table = model._meta.db_table
                cols = ", ".join(f'"{c}"' for c in self.columns[model])
                with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
                self.written[table] += len(rows)
                rows.clear()


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _bench_size(staff: int) -> int:
    """The organisation of about ``BENCH_ORG_STAFF`` people the benchmark measures."""
    return min(BENCH_ORG_STAFF, staff // 4) if staff >= 20_000 else 0


def _cap(bench: int) -> int:
    return int(bench * 0.9)


def organisations_needed(staff: int) -> int:
    """The fewest organisations that hold ``staff`` with every organisation but the benchmark
    one below 90% of its size, leaving room (a third) for organisations of varied size: about
    133 at 400,000 staff and 334 at 1,000,000; up to about 150,000 the default 50 are enough."""
    bench = _bench_size(staff)
    if not bench:
        return 1
    rest = staff - bench
    return 1 + -(-rest * 3 // (_cap(bench) * 2))


class PopulationGenerator:
    def __init__(
        self,
        *,
        staff: int = 100_000,
        seed: int = 1,
        organisations: int = 50,
        teams: int = 1_000,
        attempt_share: float = 0.1,
        password: str | None = None,
        log: Callable[[str], None] = print,
    ):
        self.staff = max(1, staff)
        self.rng = random.Random(seed)  # noqa: S311 - generated data, not secrets
        requested = max(1, min(organisations, self.staff))
        self.organisations = max(requested, organisations_needed(self.staff))
        # Teams grow with the organisations, so that teams keep their size.
        teams = max(teams, round(teams * self.organisations / requested))
        self.teams = max(self.organisations, min(teams, self.staff))
        self.scaled = self.organisations != requested
        self.attempt_share = attempt_share
        self.password = password
        self.log = log
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.buffer = Buffer()
        self.ids = Counters()
        self.timings: dict[str, float] = {}

    # --- entry point ---------------------------------------------------------------------

    def run(self) -> dict[str, float]:
        if connection.vendor != "postgresql":
            raise RuntimeError(
                "generate_population needs PostgreSQL (it writes with COPY). Set DATABASE_URL "
                "to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench."
            )
        if OrganisationUnit.objects.filter(code__startswith=CODE_PREFIX).exists():
            raise RuntimeError(
                "This database already holds a generated population (units whose code starts "
                f"with '{CODE_PREFIX}'). Generate into a fresh database (createdb) instead."
            )
        started = time.perf_counter()
        if self.scaled:
            self.log(
                f"  {self.staff:,} staff do not fit the organisations asked for: generating "
                f"{self.organisations} organisations and {self.teams:,} teams instead."
            )
        self._load_framework()
        with transaction.atomic():
            self._fast_load = self._skip_foreign_key_triggers()
            self.region = OrganisationUnit.add_root(
                name="Generated Region",
                code=f"{CODE_PREFIX}region",
                kind=OrganisationUnit.Kind.REGION,
            )
            self._step("ids", self._allocate_ids)
            self._step("organisation tree", self._tree)
            self._step("people and learning records", self._people)
            self._step("sequences", self._reset_sequences)
            if self._fast_load:
                self._step("foreign keys checked", self._check_foreign_keys)
            self._step("tier standings (SQL)", self._standings_sql)
            self._step("learner summaries (SQL)", self._summaries_sql)
            self._step("coverage read models", self._read_models)
        self._step("analyse", self._analyse)
        self.timings["total"] = time.perf_counter() - started
        return self.timings

    def _skip_foreign_key_triggers(self) -> bool:
        """As a superuser, load without per-row foreign-key triggers (PostgreSQL checks deferred
        constraints row by row at commit: minutes for millions of rows) and check the
        references set-based afterwards instead. Otherwise load with the checks."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not (row and row[0]):
                return False
            cursor.execute("SET LOCAL session_replication_role = replica")
        return True

    def _check_foreign_keys(self) -> None:
        """Every foreign key of the tables written, checked set-based (an anti-join each)."""
        from django.db import models as m

        written = [
            User, OrganisationUnit, Membership, Enrolment, Completion, ModuleProgress,
            QuizAttempt, QuestionResponse, CompetencyAssessment, SupervisionAgreement,
            AgreementParty, SupervisionSession, SessionAttendance,
        ]  # fmt: skip
        problems = []
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            for model in written:
                for f in model._meta.concrete_fields:
                    if not isinstance(f, m.ForeignKey):
                        continue
                    target = f.related_model._meta
                    cursor.execute(
                        f'SELECT COUNT(*) FROM "{model._meta.db_table}" t '  # noqa: S608
                        f'WHERE t."{f.column}" IS NOT NULL AND NOT EXISTS ('
                        f'SELECT 1 FROM "{target.db_table}" r '
                        f'WHERE r."{target.pk.column}" = t."{f.column}")'
                    )
                    orphans = cursor.fetchone()[0]
                    if orphans:
                        problems.append(f"{model._meta.db_table}.{f.column}: {orphans} orphans")
        if problems:
            raise RuntimeError("Generated rows refer to missing rows: " + "; ".join(problems))

    def _read_models(self) -> None:
        from . import facts

        result = facts.rebuild(self.today)
        self.log(f"    {result['entries']} coverage entries, {result['tallies']} tallies")

    def _step(self, name: str, func) -> None:
        t0 = time.perf_counter()
        func()
        self.timings[name] = time.perf_counter() - t0
        self.log(f"  {name}: {self.timings[name]:.1f} s")

    # --- framework -----------------------------------------------------------------------

    def _load_framework(self) -> None:
        from supervision.services import ensure_default_targets

        self.tiers = {t.code: t for t in Tier.objects.order_by("order")}
        self.roles = {r.code: r for r in JobRole.objects.select_related("required_tier")}
        missing = {code for _, roles in TEAM_TYPES.values() for code in roles} - set(self.roles)
        if not self.tiers or missing:
            raise RuntimeError(
                "Load the curriculum and the default job roles first: "
                "`manage.py load_curriculum` and `manage.py load_job_roles`."
                + (f" Missing job roles: {', '.join(sorted(missing))}." if missing else "")
            )
        ensure_default_targets()
        self.targets = {t.tier.order: t for t in SupervisionTarget.objects.select_related("tier")}
        self.courses: list[Course] = []
        for page in (
            CoursePage.objects.live()
            .filter(required_for_tier=True)
            .select_related("tier")
            .order_by("tier__order", "path")
        ):
            questions = []
            for block in page.questions():
                options = list(block.value["options"].bound_blocks)
                right = [o.id for o in options if o.value["correct"]]
                wrong = [o.id for o in options if not o.value["correct"]]
                questions.append((block.id, right, wrong, self.rng.uniform(0.03, 0.35)))
            self.courses.append(
                Course(
                    id=page.pk,
                    title=page.title,
                    tier_code=page.tier.code,
                    tier_order=page.tier.order,
                    months=page.effective_validity_months,
                    pass_mark=page.pass_mark,
                    revision_id=page.live_revision_id,
                    modules=list(page.modules().values_list("pk", flat=True)),
                    questions=questions,
                )
            )
        if not self.courses:
            raise RuntimeError("No live core courses: run `manage.py load_curriculum` first.")

    def _allocate_ids(self) -> None:
        models = [
            User, OrganisationUnit, Membership, Enrolment, Completion, ModuleProgress,
            QuizAttempt, QuestionResponse, CompetencyAssessment, SupervisionAgreement,
            AgreementParty, SupervisionSession, SessionAttendance,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                self.ids.next[table] = cursor.fetchone()[0] + 1
        self.first_user_id = self.ids.next[User._meta.db_table]

    def _reset_sequences(self) -> None:
        self.buffer.flush()
        with connection.cursor() as cursor:
            for table in self.ids.next:
                sql = (
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )
                cursor.execute(sql, [table])

    # --- the organisation tree -----------------------------------------------------------

    def _org_sizes(self) -> list[int]:
        n = self.organisations
        if n == 1:
            return [self.staff]
        bench = _bench_size(self.staff)
        rest = self.staff - bench
        others = n - (1 if bench else 0)
        raw = [self.rng.lognormvariate(0, 0.8) for _ in range(others)]
        total = sum(raw)
        # Keep every other organisation clearly smaller than the benchmark one.
        cap = _cap(bench) or rest
        floor = max(1, min(30, rest // others))
        if not (floor * others <= rest <= cap * others):  # __init__ sees to it; never loop
            raise ValueError(
                f"{rest:,} staff cannot be spread over {others} organisations of {floor:,} to "
                f"{cap:,} people."
            )
        sizes = [max(floor, min(int(rest * r / total), cap)) for r in raw]
        # Spread the rounding remainder over the organisations, a round at a time (each round
        # moves every organisation that still can by up to the remainder's share).
        gap = rest - sum(sizes)
        while gap:
            movable = [
                j for j in range(others) if (sizes[j] < cap if gap > 0 else sizes[j] > floor)
            ]
            step = max(1, abs(gap) // len(movable))
            for j in movable:
                if not gap:
                    break
                if gap > 0:
                    change = min(step, cap - sizes[j], gap)
                else:
                    change = -min(step, sizes[j] - floor, -gap)
                sizes[j] += change
                gap -= change
        return ([bench] if bench else []) + sizes

    def _tree(self) -> None:
        sizes = self._org_sizes()
        sectors: list[str] = []
        for sector, share in SECTOR_SHARE:
            sectors += [sector] * max(1, round(share * len(sizes) / 50))
        sectors = ["nhs", *sectors][: len(sizes)]
        while len(sectors) < len(sizes):
            sectors.append("nhs")
        total = sum(sizes)
        team_counts = [max(1, round(self.teams * s / total)) for s in sizes]
        self.orgs: list[dict] = []
        used_names: set[str] = set()
        for index, (size, sector, n_teams) in enumerate(
            zip(sizes, sectors, team_counts, strict=True)
        ):
            place = PLACES[index % len(PLACES)]
            name = SECTOR_NAMES[sector].format(place)
            if name in used_names:
                name = f"{name} {index}"
            used_names.add(name)
            code = f"{CODE_PREFIX}org-{index + 1:02d}"
            self.orgs.append(
                {"name": name, "code": code, "sector": sector, "size": size, "n_teams": n_teams}
            )
        # Siblings sorted by name, as treebeard keeps them (node_order_by = name).
        self.orgs.sort(key=lambda o: o["name"])
        unit_cols = ["id", "path", "depth", "numchild", "name", "code", "kind", "sector",
                     "is_active"]  # fmt: skip
        for step, org in enumerate(self.orgs, start=1):
            org["id"] = self.ids.take(OrganisationUnit._meta.db_table)
            org["path"] = OrganisationUnit._get_path(self.region.path, 2, step)
            teams = []
            types = SECTOR_TEAMS[org["sector"]]
            for t in range(org["n_teams"]):
                kind = types[t % len(types)]
                label = TEAM_TYPES[kind][0]
                teams.append({"kind": kind, "name": f"{label} {t // len(types) + 1:02d}"})
            teams.sort(key=lambda team: team["name"])
            for t_step, team in enumerate(teams, start=1):
                team["id"] = self.ids.take(OrganisationUnit._meta.db_table)
                team["path"] = OrganisationUnit._get_path(org["path"], 3, t_step)
                team["code"] = f"{org['code']}-t{t_step:03d}"
                self.buffer.add(
                    OrganisationUnit,
                    unit_cols,
                    (team["id"], team["path"], 3, 0, team["name"], team["code"], "team", "",
                     True),
                )  # fmt: skip
            org["teams"] = teams
            self.buffer.add(
                OrganisationUnit,
                unit_cols,
                (org["id"], org["path"], 2, len(teams), org["name"], org["code"], "organisation",
                 org["sector"], True),
            )  # fmt: skip
        self.buffer.flush()
        OrganisationUnit.objects.filter(pk=self.region.pk).update(numchild=len(self.orgs))
        self.log(
            f"    {len(self.orgs)} organisations, "
            f"{sum(len(o['teams']) for o in self.orgs)} teams; largest "
            f"{max(o['size'] for o in self.orgs)} staff"
        )

    # --- people --------------------------------------------------------------------------

    def _user(self, email: str, name: str, joined: date) -> int:
        user_id = self.ids.take(User._meta.db_table)
        self.buffer.add(
            User,
            ["id", "password", "is_superuser", "is_staff", "is_active", "date_joined", "email",
             "display_name"],
            (user_id, "!", False, False, True, self._at(joined, 9), email, name),
        )  # fmt: skip
        return user_id

    def _at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        return datetime.combine(day, dtime(hour, minute), tzinfo=self.tz)

    def _membership(self, user_id, unit_id, role_id, start, end=None, manager=False) -> None:
        self.buffer.add(
            Membership,
            ["id", "user_id", "unit_id", "job_role_id", "is_manager", "start_date", "end_date",
             "created_at"],
            (self.ids.take(Membership._meta.db_table), user_id, unit_id, role_id, manager, start,
             end, self._at(start, 9)),
        )  # fmt: skip

    def _people(self) -> None:
        rng = self.rng
        self.managers: list[tuple[int, str]] = []
        lead = self._user(f"lead@{EMAIL_DOMAIN}", "Regional Lead", self.today - timedelta(3000))
        self._membership(lead, self.region.pk, None, self.today - timedelta(3000), manager=True)
        self.managers.append((lead, "lead"))
        person_no = 0
        for org in self.orgs:
            manager = self._user(
                f"manager.{org['code'].removeprefix(CODE_PREFIX)}@{EMAIL_DOMAIN}",
                f"Manager of {org['name']}",
                self.today - timedelta(2500),
            )
            self._membership(manager, org["id"], None, self.today - timedelta(2500), manager=True)
            self.managers.append((manager, org["code"]))
            org["manager_id"] = manager
            # Staff per team, roughly even with some spread.
            weights = [rng.uniform(0.5, 1.5) for _ in org["teams"]]
            total_w = sum(weights)
            counts = [max(1, int(org["size"] * w / total_w)) for w in weights]
            counts[-1] += org["size"] - sum(counts)
            if counts[-1] < 1:
                counts[-1] = 1
            people: list[Person] = []
            for team, count in zip(org["teams"], counts, strict=True):
                team["people"] = []
                roles_weights = TEAM_TYPES[team["kind"]][1]
                for n in range(count):
                    person_no += 1
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    start = self._start_date()
                    user_id = self._user(
                        f"staff{person_no:06d}@{EMAIL_DOMAIN}", f"{first} {last}", start
                    )
                    role = self.roles[_weighted(rng, roles_weights)]
                    person = Person(user_id, [role], start, self._profile())
                    self._membership(user_id, team["id"], role.pk, start, manager=(n == 0))
                    roll = rng.random()
                    if roll < 0.03:  # a second role, usually in the same team
                        other = self.roles[_weighted(rng, roles_weights)]
                        if other.pk != role.pk:
                            target = team if rng.random() < 0.7 else rng.choice(org["teams"])
                            self._membership(user_id, target["id"], other.pk, start)
                            person.roles.append(other)
                    elif roll < 0.07 and len(org["teams"]) > 1:  # moved team: old one ended
                        old = rng.choice([t for t in org["teams"] if t is not team])
                        moved_on = start
                        first_start = moved_on - timedelta(days=rng.randint(200, 2000))
                        self._membership(
                            user_id, old["id"], role.pk, first_start, moved_on - timedelta(1)
                        )
                        person.start = first_start
                    person.tier_order = max(r.required_tier.order for r in person.roles)
                    team["people"].append(person)
                    people.append(person)
            self._learning(org, people)
            self._supervision(org)
            self.buffer.flush()
        self.log(f"    rows written: {dict(self.buffer.written)}")

    def _start_date(self) -> date:
        r = self.rng.random()
        if r < 0.06:  # new starters
            return self.today - timedelta(days=self.rng.randint(0, 80))
        return self.today - timedelta(days=self.rng.randint(81, 3650))

    def _profile(self) -> str:
        r, acc = self.rng.random(), 0.0
        for name, p in PROFILES:
            acc += p
            if r < acc:
                return name
        return PROFILES[-1][0]

    # --- learning records ----------------------------------------------------------------

    def _learning(self, org: dict, people: list[Person]) -> None:
        rng = self.rng
        for person in people:
            required = [c for c in self.courses if c.tier_order <= person.tier_order]
            new_starter = (self.today - person.start).days <= 80
            profile = person.profile
            if new_starter and profile in ("trained", "lapsed", "behind_supervision"):
                profile = "in_progress" if rng.random() < 0.4 else "not_started"
            person.profile = profile
            # One moment around which the person did most of their training.
            due_base = person.start + timedelta(days=90)
            if profile == "not_started":
                for course in required:
                    self._enrolment(person, course, due_on=due_base, created=person.start)
                continue
            if profile == "in_progress":
                done = rng.randint(0, max(0, len(required) - 1))
                order = list(required)
                rng.shuffle(order)
                for i, course in enumerate(order):
                    if i < done:
                        self._completed(person, course, recent=True)
                    else:
                        started = rng.random() < 0.65
                        due = (
                            due_base
                            if rng.random() < 0.5
                            else self.today + timedelta(days=rng.randint(-60, 90))
                        )
                        self._enrolment(
                            person, course, due_on=due, created=person.start, started=started
                        )
                continue
            lapsed = set()
            if profile == "lapsed":
                lapsed = {
                    c.id for c in rng.sample(required, k=min(len(required), rng.randint(1, 2)))
                }
            for course in required:
                self._completed(person, course, expired=course.id in lapsed)
            if person.tier_order >= 3:
                self._assessment(person, org, achieved=rng.random() < 0.92)

    def _enrolment(
        self,
        person: Person,
        course: Course,
        *,
        due_on: date | None,
        created: date,
        started: bool = False,
        cycle: int = 1,
        source: str = "rule",
    ) -> int:
        """An active (current) enrolment, started or not, with module progress if started."""
        rng = self.rng
        enrolment_id = self.ids.take(Enrolment._meta.db_table)
        created = min(created, self.today)
        started_at = None
        last_module = None
        if started:
            # Started at some point in the last 300 days (or since enrolling, if later).
            first = max(created, self.today - timedelta(days=300))
            started_on = first + timedelta(days=rng.randint(0, max(0, (self.today - first).days)))
            started_at = self._at(min(started_on, self.today), 11, rng.randint(0, 59))
            done = rng.randint(0, max(0, len(course.modules) - 1))
            for i, module in enumerate(course.modules[: done + 1]):
                completed = started_at + timedelta(hours=i + 1) if i < done else None
                self._progress(enrolment_id, module, started_at + timedelta(hours=i), completed)
                last_module = module
            if rng.random() < self.attempt_share * 0.5 and course.questions:
                self._attempt(enrolment_id, course, 1, started_at + timedelta(hours=6), False)
        self.buffer.add(
            Enrolment,
            ["id", "user_id", "course_id", "source", "due_on", "status", "is_current", "cycle",
             "started_at", "completed_at", "withdrawn_at", "last_module_id", "created_at"],
            (enrolment_id, person.id, course.id, source, due_on, "active", True, cycle,
             started_at, None, None, last_module, self._at(created, 8)),
        )  # fmt: skip
        return enrolment_id

    def _completed(
        self, person: Person, course: Course, *, expired: bool = False, recent: bool = False
    ) -> None:
        """A completed cycle (and, if it has expired, an opened refresher or none yet)."""
        rng = self.rng
        validity_days = (add_months(self.today, course.months) - self.today).days
        if expired:
            completed_on = self.today - timedelta(days=validity_days + rng.randint(1, 240))
        elif recent:
            completed_on = self.today - timedelta(days=rng.randint(1, 200))
        else:
            completed_on = self.today - timedelta(days=rng.randint(1, validity_days - 1))
        completed_on = max(completed_on, person.start - timedelta(days=rng.randint(0, 400)))
        if not expired:
            # Not before the last day it would still be valid today.
            completed_on = max(completed_on, self.today - timedelta(days=validity_days - 1))
        cycle = 1
        history_start = completed_on - timedelta(days=validity_days + rng.randint(-60, 30))
        if history_start > person.start - timedelta(days=365) and rng.random() < 0.25:
            self._completion_cycle(person, course, history_start, cycle=1, current=False)
            cycle = 2
        refresher = expired and rng.random() < 0.8
        self._completion_cycle(person, course, completed_on, cycle=cycle, current=not refresher)
        if refresher:
            valid_until, _ = validity_for(self._at(completed_on, 12), course.months)
            self._enrolment(
                person,
                course,
                due_on=valid_until,
                created=valid_until - timedelta(days=90),
                started=rng.random() < 0.3,
                cycle=cycle + 1,
                source="refresher",
            )

    def _completion_cycle(
        self, person: Person, course: Course, completed_on: date, *, cycle: int, current: bool
    ) -> None:
        rng = self.rng
        enrolment_id = self.ids.take(Enrolment._meta.db_table)
        completed_at = self._at(completed_on, 14, rng.randint(0, 59))
        started_at = completed_at - timedelta(days=rng.randint(1, 30), hours=3)
        valid_until, expires_at = validity_for(completed_at, course.months)
        for i, module in enumerate(course.modules):
            moment = started_at + timedelta(hours=i)
            self._progress(enrolment_id, module, moment, moment + timedelta(minutes=40))
        score = None
        if course.questions:
            if rng.random() < self.attempt_share:
                number = 1
                if rng.random() < 0.2:
                    self._attempt(enrolment_id, course, 1, completed_at - timedelta(hours=2), False)
                    number = 2
                score = self._attempt(enrolment_id, course, number, completed_at, True)
            else:
                score = rng.randint(course.pass_mark, 100)
        self.buffer.add(
            Enrolment,
            ["id", "user_id", "course_id", "source", "due_on", "status", "is_current", "cycle",
             "started_at", "completed_at", "withdrawn_at", "last_module_id", "created_at"],
            (enrolment_id, person.id, course.id, "rule" if cycle == 1 else "refresher",
             completed_on + timedelta(days=rng.randint(0, 60)), "completed", current, cycle,
             started_at, completed_at, None, course.modules[-1] if course.modules else None,
             started_at - timedelta(days=rng.randint(0, 20))),
        )  # fmt: skip
        self.buffer.add(
            Completion,
            ["id", "user_id", "course_id", "enrolment_id", "course_revision_id", "course_title",
             "tier_code", "score", "completed_at", "expires_at", "valid_until", "source",
             "source_reference", "recorded_at"],
            (self.ids.take(Completion._meta.db_table), person.id, course.id, enrolment_id,
             course.revision_id, course.title, course.tier_code, score, completed_at, expires_at,
             valid_until, Completion.Source.COURSE, "", completed_at),
        )  # fmt: skip

    def _progress(self, enrolment_id, module_id, started_at, completed_at) -> None:
        self.buffer.add(
            ModuleProgress,
            ["id", "enrolment_id", "module_id", "started_at", "completed_at"],
            (self.ids.take(ModuleProgress._meta.db_table), enrolment_id, module_id, started_at,
             completed_at),
        )  # fmt: skip

    def _attempt(self, enrolment_id, course: Course, number, submitted_at, passed) -> int:
        rng = self.rng
        n = len(course.questions)
        allowed_wrong = n - (course.pass_mark * n + 99) // 100
        wrong: set[str] = set()
        for qid, _, _, difficulty in course.questions:
            if rng.random() < difficulty * (1 if passed else 3):
                wrong.add(qid)
        if passed and len(wrong) > allowed_wrong:
            wrong = set(rng.sample(sorted(wrong), allowed_wrong))
        if not passed and len(wrong) <= allowed_wrong:
            extra = [q[0] for q in course.questions if q[0] not in wrong]
            wrong |= set(rng.sample(extra, min(len(extra), allowed_wrong + 1 - len(wrong))))
        correct = n - len(wrong)
        score = correct * 100 // n
        attempt_id = self.ids.take(QuizAttempt._meta.db_table)
        answers = {}
        for qid, right, wrong_options, _ in course.questions:
            chosen = [rng.choice(wrong_options)] if qid in wrong and wrong_options else right
            answers[qid] = chosen
            self.buffer.add(
                QuestionResponse,
                ["id", "attempt_id", "question_id", "selected", "correct"],
                (self.ids.take(QuestionResponse._meta.db_table), attempt_id, qid,
                 json.dumps(chosen), qid not in wrong),
            )  # fmt: skip
        self.buffer.add(
            QuizAttempt,
            ["id", "enrolment_id", "idempotency_key", "number", "course_revision_id", "answers",
             "correct_count", "question_count", "score", "pass_mark", "passed", "submitted_at",
             "presented"],
            (attempt_id, enrolment_id, uuid.UUID(int=rng.getrandbits(128), version=4), number,
             course.revision_id, json.dumps(answers), correct, n, score, course.pass_mark,
             score >= course.pass_mark, submitted_at,
             json.dumps([{"question": qid, "options": [*right, *wrong_options]}
                         for qid, right, wrong_options, _ in course.questions])),
        )  # fmt: skip
        return score

    def _assessment(self, person: Person, org: dict, *, achieved: bool) -> None:
        tier = next(t for t in self.tiers.values() if t.order == person.tier_order)
        assessed_on = self.today - timedelta(days=self.rng.randint(10, 700))
        self.buffer.add(
            CompetencyAssessment,
            ["id", "user_id", "competency_area_id", "tier_id", "status", "evidence", "assessor_id",
             "assessed_on", "created_at"],
            (self.ids.take(CompetencyAssessment._meta.db_table), person.id, None, tier.pk,
             "achieved" if achieved else "working_towards",
             "Observed practice and case discussion (generated).", org["manager_id"],
             assessed_on, self._at(assessed_on, 16)),
        )  # fmt: skip

    # --- supervision ---------------------------------------------------------------------

    def _agreement(self, supervisor_id: int, fmt: str, start: date, supervisees: list[int]) -> int:
        agreement_id = self.ids.take(SupervisionAgreement._meta.db_table)
        frequency = "monthly" if fmt == "group" else "fortnightly"
        self.buffer.add(
            SupervisionAgreement,
            ["id", "supervisor_id", "type", "format", "modality", "frequency", "start_date",
             "review_date", "confidentiality", "ended_on", "created_by_id", "created_at",
             "submission_key"],
            (agreement_id, supervisor_id, "reflective", fmt, "in_person", frequency, start,
             start + timedelta(days=365), "Standard terms (generated).", None, supervisor_id,
             self._at(start, 9), None),
        )  # fmt: skip
        for supervisee in supervisees:
            self.buffer.add(
                AgreementParty,
                ["id", "agreement_id", "supervisee_id", "accepted_at", "declined_at"],
                (self.ids.take(AgreementParty._meta.db_table), agreement_id, supervisee,
                 self._at(start, 12), None),
            )  # fmt: skip
        return agreement_id

    def _session(self, agreement_id, supervisor_id, fmt, day, minutes, attendees) -> None:
        session_id = self.ids.take(SupervisionSession._meta.db_table)
        draft = (self.today - day).days < 7 and self.rng.random() < 0.5
        signed = None if draft else self._at(min(day + timedelta(days=1), self.today), 17)
        self.buffer.add(
            SupervisionSession,
            ["id", "agreement_id", "date", "duration_minutes", "format", "theme_wellbeing",
             "case_references", "discussion", "learning_needs_notes", "next_session_on",
             "status", "created_by_id", "created_at", "updated_at", "version", "signed_off_at",
             "signed_off_by_id", "submission_key"],
            (session_id, agreement_id, day, minutes, fmt, False, "", "", "", None,
             "draft" if draft else "signed_off", supervisor_id, self._at(day, 15),
             self._at(day, 15), 1, signed, None if draft else supervisor_id, None),
        )  # fmt: skip
        for supervisee in attendees:
            self.buffer.add(
                SessionAttendance,
                ["id", "session_id", "supervisee_id", "reflection", "reflection_submitted_at"],
                (self.ids.take(SessionAttendance._meta.db_table), session_id, supervisee, "",
                 self._at(day, 16)),
            )  # fmt: skip

    def _supervision(self, org: dict) -> None:
        rng = self.rng
        seniors = [p.id for team in org["teams"] for p in team["people"] if p.tier_order >= 4] or [
            org["manager_id"]
        ]
        horizon = self.today - timedelta(days=400)
        for team in org["teams"]:
            t2 = [p for p in team["people"] if p.tier_order == 2]
            if t2:
                supervisor = rng.choice(seniors)
                start = max(horizon, min(p.start for p in t2))
                agreement = self._agreement(supervisor, "group", start, [p.id for p in t2])
                rate = {p.id: 0.35 if p.profile == "behind_supervision" else 0.93 for p in t2}
                day = self.today - timedelta(days=rng.randint(3, 25))
                while day >= start:
                    attendees = [p.id for p in t2 if p.start <= day and rng.random() < rate[p.id]]
                    if attendees:
                        self._session(agreement, supervisor, "group", day, 120, attendees)
                    day -= timedelta(days=rng.randint(26, 34))
            for person in team["people"]:
                if person.tier_order < 3:
                    continue
                supervisor = rng.choice(
                    [s for s in seniors if s != person.id] or [org["manager_id"]]
                )
                start = max(horizon, person.start)
                agreement = self._agreement(supervisor, "individual", start, [person.id])
                behind = person.profile == "behind_supervision"
                gap = (28, 42) if behind else (12, 16)
                day = self.today - timedelta(days=rng.randint(1, 12))
                while day >= start:
                    minutes = rng.choice((75, 90, 90, 120))
                    self._session(agreement, supervisor, "individual", day, minutes, [person.id])
                    day -= timedelta(days=rng.randint(*gap))

    # --- standings and summaries in SQL --------------------------------------------------

    def _standings_sql(self) -> None:
        """``TierStanding`` for every generated person, tier by tier, with the rules of
        ``courses.services.compute_standing``: tier k is held while every live core course at
        tier k has a current completion (the latest per course), tier k-1 is held, from T2 the
        supervision target for the tier is met, from T3 the latest overall assessment at that
        tier or above is "achieved"; its ``valid_until`` is the earliest lapse."""
        from supervision.selectors import window_start

        params = {"today": self.today, "now": self.now, "first": self.first_user_id}
        with connection.cursor() as cursor:
            for table in (
                "courses_completion",
                "supervision_sessionattendance",
                "supervision_supervisionsession",
                "courses_competencyassessment",
            ):
                cursor.execute(f"ANALYZE {table}")
            cursor.execute(
                """
                CREATE TEMP TABLE gen_latest ON COMMIT DROP AS
                SELECT user_id, course_id, MAX(valid_until) AS v FROM courses_completion
                WHERE user_id >= %(first)s GROUP BY user_id, course_id;
                CREATE TEMP TABLE gen_achieved ON COMMIT DROP AS
                SELECT user_id, MAX(o) AS o FROM (
                  SELECT DISTINCT ON (ca.user_id, ca.tier_id) ca.user_id, ca.status, t.order AS o
                  FROM courses_competencyassessment ca JOIN content_tier t ON t.id = ca.tier_id
                  WHERE ca.user_id >= %(first)s AND ca.competency_area_id IS NULL
                  ORDER BY ca.user_id, ca.tier_id, ca.assessed_on DESC, ca.created_at DESC
                ) latest WHERE status = 'achieved' GROUP BY user_id;
                CREATE TEMP TABLE gen_standing (
                  user_id bigint, tier_id bigint, tier_order int, valid_until date
                ) ON COMMIT DROP;
                """,
                params,
            )
            previous_order = None
            for tier in self.tiers.values():
                course_ids = [c.id for c in self.courses if c.tier_order == tier.order]
                if not course_ids:
                    break
                target = self.targets.get(tier.order) if tier.order >= 2 else None
                joins, limits, conditions = [], ["cr.v"], []
                if previous_order is not None:
                    joins.append(
                        "JOIN gen_standing prev ON prev.user_id = cr.user_id "
                        f"AND prev.tier_order = {previous_order}"
                    )
                    limits.append("prev.valid_until")
                if target is not None:
                    # The newest-first running total of countable minutes reaches the target
                    # on the session dated ``reached_on``: met until a window after it.
                    params["window"] = window_start(self.today, target.window_months)
                    cursor.execute(
                        f"""
                        DROP TABLE IF EXISTS gen_sup;
                        CREATE TEMP TABLE gen_sup ON COMMIT DROP AS
                        SELECT supervisee_id AS user_id, MAX(date) AS reached_on FROM (
                          SELECT a.supervisee_id, s.date, SUM(s.duration_minutes) OVER (
                                   PARTITION BY a.supervisee_id ORDER BY s.date DESC, s.id DESC
                                   ROWS UNBOUNDED PRECEDING) AS running
                          FROM supervision_sessionattendance a
                          JOIN supervision_supervisionsession s ON s.id = a.session_id
                          WHERE s.status = 'signed_off' AND s.format <> 'peer'
                            AND s.date <= %(today)s AND s.date >= %(window)s
                            AND a.supervisee_id >= %(first)s
                        ) r WHERE running >= {target.target_minutes}
                        GROUP BY supervisee_id;
                        """,  # noqa: S608
                        params,
                    )
                    joins.append("JOIN gen_sup sup ON sup.user_id = cr.user_id")
                    limits.append(
                        f"((sup.reached_on + interval '{target.window_months} months')::date - 1)"
                    )
                if tier.order >= 3:
                    joins.append(
                        f"JOIN gen_achieved ach ON ach.user_id = cr.user_id "
                        f"AND ach.o >= {tier.order}"
                    )
                least = f"LEAST({', '.join(limits)})"
                conditions.append(f"{least} >= %(today)s")
                cursor.execute(
                    f"""
                    INSERT INTO gen_standing (user_id, tier_id, tier_order, valid_until)
                    SELECT cr.user_id, {tier.pk}, {tier.order}, {least}
                    FROM (
                      SELECT user_id, MIN(v) AS v FROM gen_latest
                      WHERE course_id IN ({", ".join(str(i) for i in course_ids)})
                      GROUP BY user_id HAVING COUNT(*) = {len(course_ids)}
                    ) cr
                    {" ".join(joins)}
                    WHERE {" AND ".join(conditions)}
                    """,  # noqa: S608
                    params,
                )
                cursor.execute("ANALYZE gen_standing")
                previous_order = tier.order
            cursor.execute(
                """
                INSERT INTO courses_tierstanding (user_id, tier_id, valid_until, computed_at)
                SELECT user_id, tier_id, valid_until, %(now)s FROM gen_standing
                """,
                params,
            )
            self.log(f"    {cursor.rowcount} tier standings")

    def _summaries_sql(self) -> None:
        """``LearnerSummary`` for every generated person, as ``refresh_learner_summary``."""
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE courses_enrolment; ANALYZE courses_moduleprogress; "
                "ANALYZE courses_quizattempt; ANALYZE workforce_membership"
            )
            cursor.execute(
                """
                INSERT INTO courses_learnersummary
                  (user_id, first_started_at, last_activity_at, last_completed_at, next_due_on,
                   updated_at)
                SELECT u.user_id, e.first_started,
                       GREATEST(p.started, p.completed, q.attempted, c.last_completed),
                       c.last_completed, e.next_due, %(now)s
                FROM (SELECT DISTINCT user_id FROM workforce_membership
                      WHERE job_role_id IS NOT NULL AND user_id >= %(first)s) u
                LEFT JOIN (
                  SELECT user_id, MIN(started_at) AS first_started,
                         MIN(due_on) FILTER (WHERE is_current AND status = 'active') AS next_due
                  FROM courses_enrolment WHERE user_id >= %(first)s GROUP BY user_id
                ) e ON e.user_id = u.user_id
                LEFT JOIN (
                  SELECT user_id, MAX(completed_at) AS last_completed
                  FROM courses_completion WHERE user_id >= %(first)s GROUP BY user_id
                ) c ON c.user_id = u.user_id
                LEFT JOIN (
                  SELECT e.user_id, MAX(mp.started_at) AS started, MAX(mp.completed_at) AS completed
                  FROM courses_moduleprogress mp JOIN courses_enrolment e ON e.id = mp.enrolment_id
                  WHERE e.user_id >= %(first)s GROUP BY e.user_id
                ) p ON p.user_id = u.user_id
                LEFT JOIN (
                  SELECT e.user_id, MAX(qa.submitted_at) AS attempted
                  FROM courses_quizattempt qa JOIN courses_enrolment e ON e.id = qa.enrolment_id
                  WHERE e.user_id >= %(first)s GROUP BY e.user_id
                ) q ON q.user_id = u.user_id
                """,
                {"now": self.now, "first": self.first_user_id},
            )
            self.log(f"    {cursor.rowcount} learner summaries")

    def _analyse(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # --- managers' logins and the consistency check --------------------------------------

    def set_manager_passwords(self) -> list[str]:
        """Give the regional lead and organisation managers a password and a verified address
        (so a demo can sign in as them). Returns their email addresses."""
        from allauth.account.models import EmailAddress

        if not self.password:
            return []
        emails = []
        users = User.objects.filter(pk__in=[m for m, _ in self.managers])
        for user in users:
            user.set_password(self.password)
            emails.append(user.email)
        User.objects.bulk_update(users, ["password"], batch_size=500)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users],
            ignore_conflicts=True,
        )
        return sorted(emails)


def verify_sample(*, size: int = 25, seed: int = 1) -> list[str]:
    """Recompute the standing and summary of ``size`` generated people with the courses
    services and list every difference from what the SQL wrote (empty when consistent)."""
    from courses.services import refresh_standing

    rng = random.Random(seed)  # noqa: S311 - a sample, not a secret
    ids = list(
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}", learner_summary__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    problems = []
    fields = ("first_started_at", "last_activity_at", "last_completed_at", "next_due_on")
    for user in User.objects.filter(pk__in=rng.sample(ids, min(size, len(ids)))):
        before = dict(TierStanding.objects.filter(user=user).values_list("tier_id", "valid_until"))
        summary = LearnerSummary.objects.filter(user=user).values(*fields).first()
        with transaction.atomic():
            held = refresh_standing(user=user)
            after_summary = LearnerSummary.objects.filter(user=user).values(*fields).first()
            transaction.set_rollback(True)  # leave the generated rows exactly as they were
        if held != before:
            problems.append(f"user {user.pk}: standing SQL {before} != service {held}")
        if summary != after_summary:
            problems.append(f"user {user.pk}: summary SQL {summary} != service {after_summary}")
    return problems


def population_figures() -> dict[str, int]:
    """Row counts of what was generated, for the command's report."""
    domain = f"@{EMAIL_DOMAIN}"
    return {
        "people": User.objects.filter(email__endswith=domain).count(),
        "memberships": Membership.objects.filter(user__email__endswith=domain).count(),
        "enrolments": Enrolment.objects.filter(user__email__endswith=domain).count(),
        "completions": Completion.objects.filter(user__email__endswith=domain).count(),
        "module progress": ModuleProgress.objects.count(),
        "quiz attempts": QuizAttempt.objects.count(),
        "supervision sessions": SupervisionSession.objects.count(),
        "session attendances": SessionAttendance.objects.count(),
        "tier standings": TierStanding.objects.filter(user__email__endswith=domain).count(),
    }


def decimal_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))
