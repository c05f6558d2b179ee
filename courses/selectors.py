"""Reads about learning: what a person's roles require, the learner's dashboard, the state of a
course or module for the page panels, knowledge-check rules, tiers held and reflections.

Everything here reads; writes are in ``courses.services``. List reads take a constant number of
queries whatever the number of enrolments (course percentages come from count subqueries).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from content import directory
from content.models import COURSE_BODY_FIELDS, CompetencyArea, CoursePage, ModulePage, Tier
from content.selectors import course_modules, module_navigation_on_request
from lms.request_memo import per_request
from lms.workforce.selectors import active_memberships, todays_memberships

from .models import (
    CompetencyAssessment,
    Completion,
    Enrolment,
    EnrolmentRule,
    ModuleProgress,
    QuestionResponse,
    QuizAttempt,
    Reflection,
    TierStanding,
)

EXPIRING_SOON_DAYS = 90
DUE_SOON_DAYS = 30


def default_due_days() -> int:
    return getattr(settings, "COURSES_DEFAULT_DUE_DAYS", 90)


def refresher_lead_days() -> int:
    return getattr(settings, "COURSES_REFRESHER_LEAD_DAYS", EXPIRING_SOON_DAYS)


def supervision_selectors():
    """The supervision app's selectors (imported late: supervision is read, never imported, at
    module load)."""
    from supervision import selectors

    return selectors


# --- What roles require ---------------------------------------------------------------------


@dataclass(frozen=True)
class RequiredCourse:
    course: CoursePage
    due_in_days: int


def live_courses() -> QuerySet[CoursePage]:
    return CoursePage.objects.live().select_related("tier")


def required_courses_for_roles(
    job_roles: Iterable, *, from_directory: bool = False
) -> dict[int, RequiredCourse]:
    """Course id -> requirement, for people in ``job_roles``: every live core course
    (``required_for_tier``) at or below the highest tier the roles require, plus the courses
    active enrolment rules add for those roles. Two queries; one with ``from_directory``
    (pages read, never written: the core courses come from the cached page directory)."""
    roles = [role for role in job_roles if role is not None]
    if not roles:
        return {}
    max_order = max(role.required_tier.order for role in roles)
    default_days = default_due_days()
    if from_directory:
        tree = directory.get()
        core = [
            tree.instance(row["id"])
            for row in tree.live_courses()
            if row["required_for_tier"]
            and row["tier_id"] in tree.tiers
            and tree.tiers[row["tier_id"]]["order"] <= max_order
        ]
    else:
        core = live_courses().filter(required_for_tier=True, tier__order__lte=max_order)
    required = {course.pk: RequiredCourse(course, default_days) for course in core}
    rules = EnrolmentRule.objects.filter(is_active=True, job_role__in=roles)
    if from_directory:  # the rules' live courses from the directory too: no join
        added = [
            (tree.instance(course_id), days)
            for course_id, days in rules.values_list("course_id", "due_in_days")
            if course_id in tree.pages
        ]
    else:
        rules = rules.filter(course__live=True).select_related("course", "course__tier")
        added = [(rule.course, rule.due_in_days) for rule in rules]
    for course, due_in_days in added:
        known = required.get(course.pk)
        days = due_in_days if known is None else min(known.due_in_days, due_in_days)
        required[course.pk] = RequiredCourse(course, days)
    return required


def current_job_roles(user, on: date | None = None) -> list:
    if on is None or on == timezone.localdate():
        return [m.job_role for m in todays_memberships(user) if m.job_role_id]
    return [m.job_role for m in active_memberships(user, on).exclude(job_role=None)]


def required_courses_for(user, on: date | None = None) -> dict[int, RequiredCourse]:
    return required_courses_for_roles(current_job_roles(user, on))


def required_tier_of_roles(job_roles: Iterable) -> Tier | None:
    tiers = [role.required_tier for role in job_roles if role is not None]
    return max(tiers, key=lambda t: t.order, default=None)


def missing_prerequisites(user, course: CoursePage, on: date | None = None) -> list[CoursePage]:
    """Live prerequisite courses the person has no current completion of."""
    # Read from the database (not ``course.prerequisites``, which on an edited, unsaved page
    # holds the in-memory choices).
    prerequisites = list(
        CoursePage.objects.live().filter(required_by__pk=course.pk).order_by("title")
    )
    if not prerequisites:
        return []
    done = set(
        Completion.objects.current(on)
        .filter(user=user, course__in=prerequisites)
        .values_list("course_id", flat=True)
    )
    return [c for c in prerequisites if c.pk not in done]


# --- Enrolments and progress ----------------------------------------------------------------


def current_enrolment(user, course) -> Enrolment | None:
    if not (user and user.is_authenticated):
        return None
    return (
        Enrolment.objects.filter(user=user, course=course, is_current=True)
        .select_related("completion")
        .first()
    )


def _count(queryset) -> Subquery:
    """A correlated COUNT(*) subquery over ``queryset``."""
    return Coalesce(
        Subquery(
            queryset.order_by().annotate(_n=Count("pk")).values("_n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _done_modules():
    """The live modules completed in the enrolment (``OuterRef("pk")``), for ``_count``."""
    return ModuleProgress.objects.filter(
        enrolment=OuterRef("pk"), completed_at__isnull=False, module__live=True
    ).values("enrolment")


def with_progress(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Annotate ``total_modules`` (live modules of the course) and ``done_modules`` (of those,
    completed in this enrolment) without a query per enrolment or per module."""
    live_modules = ModulePage.objects.filter(
        live=True,
        depth=OuterRef("course__depth") + 1,
        path__startswith=OuterRef("course__path"),
    ).values("depth")
    return enrolments.annotate(
        total_modules=_count(live_modules), done_modules=_count(_done_modules())
    )


def _with_courses(enrolments: QuerySet[Enrolment]) -> list[Enrolment]:
    """The enrolments, each with its course (and tier) from the page directory and
    ``total_modules`` counted there: no join to the pages. Courses that are no longer live
    (rare) are read in one more query."""
    tree = directory.get()
    enrolments = list(enrolments)
    missing = {e.course_id for e in enrolments if e.course_id not in tree.pages}
    others = {}
    if missing:
        others = CoursePage.objects.filter(pk__in=missing).select_related("tier")
        others = {c.pk: c for c in others.defer(*COURSE_BODY_FIELDS)}
    for enrolment in enrolments:
        enrolment.course = tree.instance(enrolment.course_id) or others[enrolment.course_id]
        enrolment.total_modules = tree.live_module_count(enrolment.course.path)
    return enrolments


def percent(done: int, total: int) -> int:
    return (done * 100) // total if total else 0


def next_module_for(enrolment: Enrolment) -> ModulePage | None:
    """Where 'Resume' goes: the module opened last if unfinished, else the first unfinished
    module in course order, else the first module."""
    modules = list(enrolment.course.modules())
    if not modules:
        return None
    done = set(
        enrolment.progress.filter(completed_at__isnull=False).values_list("module_id", flat=True)
    )
    if enrolment.last_module_id and enrolment.last_module_id not in done:
        for module in modules:
            if module.pk == enrolment.last_module_id:
                return module
    for module in modules:
        if module.pk not in done:
            return module
    return modules[0]


# --- Knowledge checks -----------------------------------------------------------------------


@dataclass
class QuizRules:
    """What the knowledge-check rules allow right now, for one enrolment."""

    question_count: int
    pass_mark: int
    max_attempts: int | None
    attempts_used: int
    passed_attempt: QuizAttempt | None
    last_attempt: QuizAttempt | None
    next_allowed_at: datetime | None
    bank_size: int = 0  # questions in the bank the attempt draws from

    @property
    def attempts_left(self) -> int | None:
        if self.max_attempts is None:
            return None
        return max(self.max_attempts - self.attempts_used, 0)

    @property
    def blocked_reason(self) -> str:
        """Why the learner cannot submit now, in words, or '' if they can."""
        if not self.question_count:
            return "This course has no knowledge check."
        if self.passed_attempt:
            return "You have already passed this knowledge check."
        if self.attempts_left == 0:
            return (
                f"You have used all {self.max_attempts} attempts at this knowledge check for this "
                "cycle. Talk to your manager or a trainer about what to do next."
            )
        if self.next_allowed_at and self.next_allowed_at > timezone.now():
            local = timezone.localtime(self.opens_at)
            return (
                "You can try again from "
                f"{local:%H:%M} on {local.day} {local:%B %Y}. Use the time to look back over "
                "the modules."
            )
        return ""

    @property
    def opens_at(self) -> datetime | None:
        """The first whole minute at which a retry is accepted (the time shown, to the minute,
        is never one at which a retry would still be refused)."""
        if self.next_allowed_at is None:
            return None
        whole = self.next_allowed_at.replace(second=0, microsecond=0)
        return whole if whole == self.next_allowed_at else whole + timedelta(minutes=1)


def quiz_rules(enrolment: Enrolment, course: CoursePage | None = None) -> QuizRules:
    course = course or enrolment.course
    # The course page asks on every view: written out, as ``_current_enrolment``.
    meta = QuizAttempt._meta
    columns = ", ".join(f.column for f in meta.concrete_fields)
    enrolment_column = meta.get_field("enrolment").column
    sql = f"SELECT {columns} FROM {meta.db_table} WHERE {enrolment_column} = %s ORDER BY number"  # noqa: S608
    attempts = list(QuizAttempt.objects.raw(sql, [enrolment.pk]))
    passed = next((a for a in attempts if a.passed), None)
    last = attempts[-1] if attempts else None
    next_allowed = None
    if last and not last.passed and course.retry_cooldown_minutes:
        next_allowed = last.submitted_at + timedelta(minutes=course.retry_cooldown_minutes)
    return QuizRules(
        question_count=course.attempt_size,
        pass_mark=course.pass_mark,
        max_attempts=course.max_attempts or None,
        attempts_used=len(attempts),
        passed_attempt=passed,
        last_attempt=last,
        next_allowed_at=next_allowed,
        bank_size=course.question_count(),
    )


@dataclass
class QuestionFeedback:
    number: int
    question: str
    correct: bool
    chosen: list[dict]
    explanation: str


def attempt_feedback(attempt: QuizAttempt) -> list[QuestionFeedback]:
    """Per-question feedback for an attempt, from the revision of the course it was taken on
    (so later edits to the questions do not change what the learner was told)."""
    course = attempt.enrolment.course
    questions = None
    if attempt.course_revision_id:
        from wagtail.models import Revision

        revision = Revision.objects.filter(pk=attempt.course_revision_id).first()
        if revision is not None:
            try:
                questions = revision.as_object().questions()
            except Exception:  # an unreadable old revision: fall back to the live course
                questions = None
    if questions is None:
        questions = course.questions()
    responses = {r.question_id: r for r in attempt.responses.all()}
    if attempt.presented:
        # In the order the learner saw them (the draw), not the order of the bank.
        by_id = {block.id: block for block in questions}
        questions = [by_id[i["question"]] for i in attempt.presented if i["question"] in by_id]
    feedback = []
    for number, block in enumerate(questions, start=1):
        response = responses.get(block.id)
        if response is None:
            continue
        options = {option.id: option.value for option in block.value["options"].bound_blocks}
        chosen = [
            {
                "text": options[oid]["text"],
                "feedback": options[oid]["feedback"],
                "correct": bool(options[oid]["correct"]),
            }
            for oid in response.selected
            if oid in options
        ]
        feedback.append(
            QuestionFeedback(
                number=number,
                question=block.value["question"],
                correct=response.correct,
                chosen=chosen,
                explanation=block.value.get("explanation") or "",
            )
        )
    return feedback


# --- Tiers ----------------------------------------------------------------------------------


@dataclass
class TierSummary:
    held: Tier | None
    held_until: date | None
    required: Tier | None
    status: str  # "meets", "expiring", "below" or "no_requirement"
    required_valid_until: date | None

    @property
    def status_label(self) -> str:
        return {
            "meets": "Meets your role's requirement",
            "expiring": "Meets your role's requirement, expiring soon",
            "below": "Below your role's requirement",
            "no_requirement": "No requirement set for your role",
        }[self.status]

    @property
    def tag_class(self) -> str:
        return {"meets": "tag--ok", "expiring": "tag--warn", "below": "tag--bad"}.get(
            self.status, "tag--muted"
        )


def tier_summary(user, required: Tier | None, on: date | None = None) -> TierSummary:
    """The tier a person holds today against the tier their role requires. One query."""
    on = on or timezone.localdate()
    standings = list(
        TierStanding.objects.filter(user=user, valid_until__gte=on).select_related("tier")
    )
    best = max(standings, key=lambda s: s.tier.order, default=None)
    by_order = {s.tier.order: s for s in standings}
    status, required_until = "no_requirement", None
    if required is not None:
        standing = by_order.get(required.order)
        if standing is None:
            status = "below"
        else:
            required_until = standing.valid_until
            soon = standing.valid_until <= on + timedelta(days=EXPIRING_SOON_DAYS)
            status = "expiring" if soon else "meets"
    return TierSummary(
        held=best.tier if best else None,
        held_until=best.valid_until if best else None,
        required=required,
        status=status,
        required_valid_until=required_until,
    )


# --- Why a tier is held, or not -------------------------------------------------------------


@dataclass(frozen=True)
class TierCondition:
    """One condition of holding ``tier`` (``courses.services.compute_standing`` holds a tier
    while all of them, and those of the tiers below, are met)."""

    tier: Tier
    kind: str  # "course", "supervision" or "assessment"
    until: date | None  # the last day it is met; None: not met at all
    gap: str  # in words, what is missing (for when it is not met on the day)
    ends: str = ""  # in words, what ends it on ``until`` (for when it sets the tier's end)

    def met(self, on: date) -> bool:
        return self.until is not None and self.until >= on


def _date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class TierFramework:
    """What the rules of holding a tier read from the framework: the tiers in order, the live
    core courses at each tier's order, and the supervision targets by tier id."""

    tiers: list
    courses_by_order: dict
    targets: dict


def tier_framework() -> TierFramework:
    """The framework as it is now (from the page directory and the targets' cache). A caller
    judging many people builds it once and passes it to ``tier_conditions``."""
    from content import directory

    pages = directory.get()
    tiers = pages.tier_list()
    orders = {t.pk: t.order for t in tiers}
    courses_by_order: dict[int, list[CoursePage]] = defaultdict(list)
    for row in pages.live_courses():
        if row.get("required_for_tier") and row.get("tier_id") in orders:
            courses_by_order[orders[row["tier_id"]]].append(pages.instance(row["id"]))
    targets = supervision_selectors().targets_by_tier_id() if len(tiers) > 1 else {}
    return TierFramework(tiers=tiers, courses_by_order=dict(courses_by_order), targets=targets)


def tier_conditions(
    user,
    on: date | None = None,
    *,
    up_to: Tier | None = None,
    completions=None,
    sessions=None,
    assessments=None,
    framework: TierFramework | None = None,
):
    """(tier, its conditions) for every tier from T1 up, lazily (a caller that stops at the
    first tier not held reads no further). THE rules of holding a tier:

    - every live core course at the tier has a current completion (a tier with none is not
      held);
    - from T2, the supervision target for the tier, if it sets one, is met in its window;
    - from T3, the latest overall assessment at that tier or above says "achieved".

    With ``up_to``, stops after that tier. ``completions``: all of the person's, when the caller
    has read them already (objects with ``course_id`` and ``valid_until``); likewise
    ``sessions`` (countable supervision, see ``supervision.selectors.target_progress``) and
    ``assessments`` (``latest_assessments``). A caller asking about a past day passes only the
    records that existed on it. ``framework``: ``tier_framework()``, when the caller has it.
    """
    on = on or timezone.localdate()
    # Tiers and the live core courses come from the page directory (no query when cached).
    framework = framework or tier_framework()
    tiers = framework.tiers
    if up_to is not None:
        tiers = [t for t in tiers if t.order <= up_to.order]
    courses_by_order = framework.courses_by_order
    if completions is None:
        latest_valid = dict(
            Completion.objects.filter(user=user)
            .values_list("course_id")
            .annotate(v=Max("valid_until"))
            .values_list("course_id", "v")
        )
    else:
        latest_valid = {}
        for completion in completions:
            known = latest_valid.get(completion.course_id)
            if known is None or completion.valid_until > known:
                latest_valid[completion.course_id] = completion.valid_until
    if assessments is None:
        assessments = _latest_assessments(user) if any(t.order >= 3 for t in tiers) else {}
    targets = framework.targets if len(tiers) > 1 else {}
    for tier in tiers:
        conditions = []
        courses = courses_by_order.get(tier.order, [])
        if not courses:
            conditions.append(
                TierCondition(tier, "course", None, f"{tier.code}: no required course is published")
            )
        for course in courses:
            until = latest_valid.get(course.pk)
            name = f"{course.title} ({tier.code})"
            gap = (
                f"{name}: not completed"
                if until is None
                else f"{name}: the completion expired on {_date(until)}"
            )
            ends = f"the completion of {name} counts until then"
            conditions.append(TierCondition(tier, "course", until, gap, ends))
        if tier.order >= 2 and tier.pk in targets:
            conditions.append(
                _supervision_condition(user, tier, targets[tier.pk], on, sessions=sessions)
            )
        if tier.order >= 3:
            conditions.append(_assessment_condition(tier, assessments))
        yield tier, conditions


def _supervision_condition(user, tier: Tier, target, on: date, *, sessions=None) -> TierCondition:
    until, minutes = supervision_selectors().target_progress(user, target, on, sessions=sessions)
    hours = Decimal(minutes) / 60
    short = max(target.hours - hours, 0)
    gap = (
        f"Supervision for {tier.code}: {_hours(hours)} of {_hours(target.hours)} hours in the "
        f"last {target.window_months} months, {_hours(short)} hours short"
    )
    ends = (
        f"set by the supervision window: the sessions that make up the {_hours(target.hours)}"
        f" hours of {tier.code} supervision leave the {target.window_months}-month window then"
    )
    return TierCondition(tier, "supervision", until, gap, ends)


def _hours(value) -> str:
    """12 -> "12", 2.5 -> "2.5", 1.3333 -> "1.33"."""
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}"


def _assessment_condition(tier: Tier, assessments) -> TierCondition:
    achieved = [
        a
        for (area, _), a in assessments.items()
        if area is None
        and a.status == CompetencyAssessment.Status.ACHIEVED
        and a.tier.order >= tier.order
    ]
    if achieved:
        return TierCondition(tier, "assessment", date.max, "")
    latest = next(
        (a for (area, tier_id), a in assessments.items() if area is None and tier_id == tier.pk),
        None,
    )
    if latest is None:
        gap = f"Assessment of practice at {tier.code}: pending, none recorded yet"
    else:
        gap = (
            f"Assessment of practice at {tier.code}: pending, the latest "
            f"({_date(latest.assessed_on)}) says working towards"
        )
    return TierCondition(tier, "assessment", None, gap)


@dataclass
class TierExplanation:
    """Why the required tier is not held (``gaps``, every unmet condition at it and below), or,
    when it is, what sets the day it ends (``ends``)."""

    gaps: list[str]
    ends: str = ""


def explain_tier(
    user, required: Tier | None, on: date | None = None, *, completions=None
) -> TierExplanation | None:
    """The reasons behind a person's standing against ``required``, in words. None without a
    required tier. ``completions``: see ``tier_conditions``."""
    if required is None:
        return None
    on = on or timezone.localdate()
    gaps, limits = [], []
    for _tier, conditions in tier_conditions(user, on, up_to=required, completions=completions):
        gaps += [c.gap for c in conditions if not c.met(on)]
        limits += [c for c in conditions if c.met(on)]
    if gaps:
        return TierExplanation(gaps=gaps)
    first = min(limits, key=lambda c: c.until, default=None)
    return TierExplanation(gaps=[], ends=first.ends if first else "")


def holds_tier(user, tier: Tier, on: date | None = None) -> bool:
    return TierStanding.objects.filter(
        user=user, tier=tier, valid_until__gte=on or timezone.localdate()
    ).exists()


def _latest_assessments(user) -> dict[tuple[int | None, int], CompetencyAssessment]:
    """(area id or None, tier id) -> the latest assessment."""
    return latest_assessments(CompetencyAssessment.objects.filter(user=user).select_related("tier"))


def latest_assessments(assessments) -> dict[tuple[int | None, int], CompetencyAssessment]:
    """(area id or None, tier id) -> the latest of ``assessments`` (newest first, as the
    model orders them)."""
    latest: dict[tuple[int | None, int], CompetencyAssessment] = {}
    for assessment in assessments:
        key = (assessment.competency_area_id, assessment.tier_id)
        # ordered newest first, so the first one seen wins
        latest.setdefault(key, assessment)
    return latest


@dataclass
class LatestValid:
    """A person's latest valid-until date on a course, as ``tier_conditions`` reads it."""

    course_id: int
    valid_until: date


def standing_inputs(user_ids: Iterable[int], on: date | None = None) -> dict[int, dict]:
    """What ``tier_conditions`` reads about each person, for many people in three queries:
    user id -> keyword arguments (``completions``, ``sessions``, ``assessments``)."""
    on = on or timezone.localdate()
    ids = list({int(i) for i in user_ids})
    inputs = {i: {"completions": [], "sessions": [], "assessments": {}} for i in ids}
    if not ids:
        return inputs
    for user_id, course_id, valid_until in (
        Completion.objects.filter(user_id__in=ids)
        .values("user_id", "course_id")
        .annotate(v=Max("valid_until"))
        .values_list("user_id", "course_id", "v")
        .order_by()
    ):
        inputs[user_id]["completions"].append(LatestValid(course_id, valid_until))
    by_user = defaultdict(list)
    for assessment in CompetencyAssessment.objects.filter(user_id__in=ids).select_related("tier"):
        by_user[assessment.user_id].append(assessment)
    for user_id, assessments in by_user.items():
        inputs[user_id]["assessments"] = latest_assessments(assessments)
    supervision = supervision_selectors()
    targets = supervision.targets_by_tier_id().values()
    if targets:
        since = min(supervision.window_start(on, t.window_months) for t in targets)
        for user_id, sessions in supervision.countable_sessions_by_user(
            ids, since=since, on=on
        ).items():
            inputs[user_id]["sessions"] = sessions
    return inputs


@dataclass
class AreaTier:
    area: CompetencyArea
    tier: Tier | None
    working_towards: list[Tier] = field(default_factory=list)


def area_tiers(
    user, on: date | None = None, completions: Iterable[Completion] | None = None
) -> list[AreaTier]:
    """The tier a person holds in each competency area, on the fly for one person: the highest
    tier up to which every required course touching the area is current (an area's first
    courses may sit above T1), with, from T3, an achieved assessment in that area or overall.
    The framework and the courses come from the cached page directory; ``completions``: all
    the person's completions when the caller has them. One or two queries."""
    on = on or timezone.localdate()
    tree = directory.get()
    tiers = tree.tier_list()
    areas = tree.area_list()
    courses_by_area: dict[tuple[int, int], set[int]] = defaultdict(set)
    for course in tree.live_courses():
        if not course["required_for_tier"] or course["tier_id"] not in tree.tiers:
            continue
        order = tree.tiers[course["tier_id"]]["order"]
        for area_id in tree.course_areas.get(course["id"], []):
            courses_by_area[(area_id, order)].add(course["id"])
    if completions is None:
        completions = Completion.objects.current(on).filter(user=user)
    current = {c.course_id for c in completions if c.valid_until >= on}
    latest = _latest_assessments(user)

    def achieved(area_id, tier) -> bool:
        for (a_area, _), assessment in latest.items():
            if (
                a_area in (area_id, None)
                and assessment.status == CompetencyAssessment.Status.ACHIEVED
                and assessment.tier.order >= tier.order
            ):
                return True
        return False

    rows = []
    for area in areas:
        held = None
        for tier in tiers:
            courses = courses_by_area.get((area.pk, tier.order), set())
            if not courses <= current:
                break
            assessed = achieved(area.pk, tier)
            if tier.order >= 3 and not assessed:
                break
            if courses or assessed:
                held = tier
        working = sorted(
            (
                a.tier
                for (a_area, _), a in latest.items()
                if a_area == area.pk and a.status == CompetencyAssessment.Status.WORKING_TOWARDS
            ),
            key=lambda t: t.order,
        )
        rows.append(AreaTier(area=area, tier=held, working_towards=working))
    return rows


# --- The dashboard --------------------------------------------------------------------------


@dataclass
class RequiredRow:
    course: CoursePage
    enrolment: Enrolment | None
    completion: Completion | None
    state: str  # not_enrolled, not_started, in_progress, completed, expiring, expired
    due_on: date | None
    overdue: bool
    due_soon: bool

    @property
    def label(self) -> str:
        return {
            "not_enrolled": "Not enrolled",
            "not_started": "Not started",
            "in_progress": "In progress",
            "completed": "Completed",
            "expiring": "Expiring soon",
            "expired": "Expired",
        }[self.state]

    @property
    def tag_class(self) -> str:
        if self.overdue or self.state == "expired":
            return "tag--bad"
        if self.due_soon or self.state == "expiring":
            return "tag--warn"
        if self.state == "completed":
            return "tag--ok"
        return "tag--muted"


@dataclass
class NextAction:
    text: str
    url: str
    label: str


@dataclass
class Dashboard:
    tier: TierSummary
    required: list[RequiredRow]
    in_progress: list[Enrolment]
    completions: list[Completion]
    suggestions: list[CoursePage]
    areas: list[AreaTier]
    next_action: NextAction | None
    today: date
    tier_reasons: TierExplanation | None = None


def certificates_url() -> str | None:
    """The learner's certificates page, once the certificates app provides it."""
    try:
        return reverse("certificates:mine")
    except NoReverseMatch:
        return None


def certificate_url(completion: Completion) -> str | None:
    """Where the certificate of ``completion`` opens, for a course that issues one (the
    certificates app serves it; None without that app)."""
    if not completion.course.issues_certificate:
        return None
    try:
        return reverse("certificates:for_completion", args=[completion.pk])
    except NoReverseMatch:
        return None


def learner_dashboard(user, on: date | None = None) -> Dashboard:
    """Everything /learn/ shows, in a constant number of queries."""
    today = on or timezone.localdate()
    roles = current_job_roles(user, today)
    required_tier = required_tier_of_roles(roles)
    required = required_courses_for_roles(roles, from_directory=True)

    current = _with_courses(
        Enrolment.objects.filter(user=user, is_current=True)
        .select_related("completion")
        .annotate(done_modules=_count(_done_modules()))
    )
    current.sort(key=lambda e: (e.due_on is None, e.due_on or date.min, e.course.path))
    for enrolment in current:
        enrolment.percent = percent(enrolment.done_modules, enrolment.total_modules)
    by_course = {e.course_id: e for e in current}

    completions = list(
        Completion.objects.filter(user=user)
        .select_related("course")
        .defer(*(f"course__{name}" for name in COURSE_BODY_FIELDS))
        .order_by("-completed_at")
    )
    latest_completion: dict[int, Completion] = {}
    for completion in completions:
        latest_completion.setdefault(completion.course_id, completion)
        completion.certificate_url = certificate_url(completion)

    rows = []
    soon = today + timedelta(days=EXPIRING_SOON_DAYS)
    for course_id, requirement in required.items():
        enrolment = by_course.get(course_id)
        completion = latest_completion.get(course_id)
        due_on = enrolment.due_on if enrolment and enrolment.is_active else None
        if enrolment and enrolment.is_active:
            state = "in_progress" if enrolment.started_at else "not_started"
        elif completion and completion.valid_until >= today:
            state = "expiring" if completion.valid_until <= soon else "completed"
            due_on = completion.valid_until if state == "expiring" else None
        elif completion:
            state = "expired"
        else:
            state = "not_enrolled"
        overdue = bool(due_on and due_on < today and state not in ("completed", "expiring"))
        due_soon = bool(due_on and not overdue and due_on <= today + timedelta(days=DUE_SOON_DAYS))
        rows.append(
            RequiredRow(
                course=requirement.course,
                enrolment=enrolment,
                completion=completion,
                state=state,
                due_on=due_on,
                overdue=overdue,
                due_soon=due_soon,
            )
        )
    order = {"expired": 0, "not_enrolled": 1, "in_progress": 2, "not_started": 3, "expiring": 4}
    rows.sort(
        key=lambda r: (
            not r.overdue,
            order.get(r.state, 9),
            r.due_on or date.max,
            r.course.tier.order,
            r.course.path,  # the catalogue's order
        )
    )

    # Required courses not started yet are listed under "Required for my role" only.
    in_progress = [
        e for e in current if e.is_active and (e.started_at or e.course_id not in required)
    ]
    tier = tier_summary(user, required_tier, today)
    suggestions = _suggestions(user, exclude=set(by_course) | set(latest_completion))
    dashboard = Dashboard(
        tier=tier,
        required=rows,
        in_progress=in_progress,
        completions=completions,
        suggestions=suggestions,
        areas=area_tiers(user, today, completions),
        next_action=None,
        today=today,
        tier_reasons=explain_tier(user, required_tier, today, completions=completions),
    )
    dashboard.next_action = _next_action(dashboard)
    return dashboard


def _suggestions(user, exclude: set[int], limit: int = 3) -> list[CoursePage]:
    """Courses in the areas the person's supervision identified as learning needs."""
    needs = supervision_selectors().learning_needs(user)
    return list(
        live_courses()
        .filter(competency_areas__in=needs)
        .exclude(pk__in=exclude)
        .distinct()
        .order_by("tier__order", "title")[:limit]
    )


def _next_action(d: Dashboard) -> NextAction | None:
    """The single most urgent thing to do."""
    from django.template.defaultfilters import date as date_filter

    def resume(enrolment):
        return reverse("courses:resume", args=[enrolment.pk])

    for row in d.required:
        if row.overdue and row.enrolment:
            return NextAction(
                f"{row.course.title} was due on {date_filter(row.due_on, 'j F Y')}. "
                "Finish it as soon as you can.",
                resume(row.enrolment),
                "Resume" if row.state == "in_progress" else "Start",
            )
    for row in d.required:
        if row.state in ("expired", "not_enrolled"):
            text = (
                f"Your training in {row.course.title} has expired. Take it again to stay current."
                if row.state == "expired"
                else f"Your role requires {row.course.title}. Enrol to start it."
            )
            return NextAction(text, row.course.url, "Go to the course")
    for row in d.required:
        if row.enrolment and row.enrolment.is_active:
            due = f", due by {date_filter(row.due_on, 'j F Y')}" if row.due_on else ""
            started = row.state == "in_progress"
            return NextAction(
                f"{'Continue with' if started else 'Start'} {row.course.title}, required for "
                f"your role{due}.",
                resume(row.enrolment),
                "Resume" if started else "Start",
            )
    for row in d.required:
        if row.state == "expiring":
            return NextAction(
                f"{row.course.title} expires on {date_filter(row.due_on, 'j F Y')}. "
                "Take the refresher before then.",
                row.course.url,
                "Go to the course",
            )
    if d.in_progress:
        enrolment = d.in_progress[0]
        return NextAction(f"Continue with {enrolment.course.title}.", resume(enrolment), "Resume")
    if d.tier.status == "below" and d.tier.required:
        missing = "; ".join(d.tier_reasons.gaps) if d.tier_reasons else ""
        return NextAction(
            f"Your role requires {d.tier.required}. Still missing: {missing}. Talk to your "
            "supervisor or manager about it.",
            _safe_reverse("supervision:home") or "/courses/",
            "Go to supervision" if _safe_reverse("supervision:home") else "Browse courses",
        )
    if d.suggestions:
        course = d.suggestions[0]
        return NextAction(
            f"Your supervision identified a learning need that {course.title} covers.",
            course.url,
            "Go to the course",
        )
    return None


def _safe_reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --- Page panels ----------------------------------------------------------------------------


@dataclass
class CourseState:
    course: CoursePage
    signed_in: bool
    enrolment: Enrolment | None = None
    completion: Completion | None = None
    latest_completion: Completion | None = None
    total_modules: int = 0
    done_modules: int = 0
    resume_url: str | None = None
    missing_prerequisites: list[CoursePage] = field(default_factory=list)
    quiz: QuizRules | None = None
    can_withdraw: bool = False
    refresher_open: bool = False
    certificates_url: str | None = None
    today: date | None = None

    @property
    def percent(self) -> int:
        return percent(self.done_modules, self.total_modules)

    @property
    def modules_done(self) -> bool:
        return self.total_modules > 0 and self.done_modules >= self.total_modules

    @property
    def is_active(self) -> bool:
        return bool(self.enrolment and self.enrolment.is_active)


def course_state(user, course: CoursePage, on: date | None = None) -> CourseState:
    """What the course page's panel shows for this person."""
    on = on or timezone.localdate()
    signed_in = bool(user and user.is_authenticated)
    state = CourseState(
        course=course, signed_in=signed_in, certificates_url=certificates_url(), today=on
    )
    modules = course_modules(course)
    state.total_modules = len(modules)
    if not signed_in:
        return state
    live = [module.pk for module in modules]  # modules done count only while they are live
    done = "p.enrolment_id = e.id AND p.completed_at IS NOT NULL AND p.module_id IN ({})".format(
        ", ".join(["%s"] * len(live)) or "NULL"
    )
    progress = ModuleProgress._meta.db_table
    enrolment = _current_enrolment(
        user,
        course.pk,
        select=f", (SELECT COUNT(*) FROM {progress} p WHERE {done}) AS done_here",  # noqa: S608
        params=live,
    )
    state.enrolment = enrolment
    if enrolment is None or enrolment.status != Enrolment.Status.ACTIVE:
        # The current cycle's completion is the latest one; only a withdrawn or missing
        # enrolment needs the history read.
        own = getattr(enrolment, "completion", None) if enrolment else None
        state.latest_completion = own or (
            Completion.objects.filter(user=user, course=course).order_by("-completed_at").first()
        )
    if enrolment and enrolment.status == Enrolment.Status.COMPLETED:
        state.completion = state.latest_completion
        state.done_modules = state.total_modules
        lead = on + timedelta(days=refresher_lead_days())
        state.refresher_open = bool(state.completion and state.completion.valid_until <= lead)
    elif enrolment:
        state.done_modules = enrolment.done_here
        state.resume_url = reverse("courses:resume", args=[enrolment.pk])
        state.quiz = quiz_rules(enrolment, course)
        from .permissions import may_withdraw

        state.can_withdraw = may_withdraw(user, enrolment)
    if not enrolment or enrolment.status != Enrolment.Status.ACTIVE:
        state.missing_prerequisites = missing_prerequisites(user, course, on)
    return state


@dataclass
class ModuleState:
    module: ModulePage
    course: CoursePage
    signed_in: bool
    enrolment: Enrolment | None = None
    progress: ModuleProgress | None = None
    position: int = 0
    total: int = 0
    next_module: ModulePage | None = None
    previous_module: ModulePage | None = None
    reflection_count: int = 0

    @property
    def is_complete(self) -> bool:
        return bool(self.progress and self.progress.completed_at)


def _current_enrolment(
    user, course_id: int, *, select: str = "", joins: str = "", params: list | None = None
) -> Enrolment | None:
    """The person's current enrolment (of any status) on a course, read by one written query
    with ``select`` (extra columns, named as the attributes they become) and ``joins`` (on the
    enrolment ``e``) added; ``params`` are those of ``select`` then ``joins``.

    The learner's module and course pages ask on every view: building their queries with the
    ORM (a ``FilteredRelation``, a correlated count) costs 1.1 to 1.5 ms of CPU a request, the
    written ones 0.1 ms (``bench/pages.py``). Names come from the models' own metadata; every
    value is a parameter. There is at most one current enrolment per person and course (a
    unique constraint)."""
    meta = Enrolment._meta
    columns = ", ".join(f"e.{f.column}" for f in meta.concrete_fields) + select
    where = "e.user_id = %s AND e.is_current = %s AND e.course_id = %s"
    sql = f"SELECT {columns} FROM {meta.db_table} e {joins} WHERE {where}"  # noqa: S608
    rows = Enrolment.objects.raw(sql, [*(params or []), user.pk, True, course_id])
    enrolment = next(iter(rows), None)
    if enrolment is not None:
        enrolment.user = user
    return enrolment


def _aware(value: datetime | None) -> datetime | None:
    """A timestamp read by raw SQL: aware, as the ORM gives it (SQLite gives it naive, UTC)."""
    if value is None or not settings.USE_TZ or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, UTC)


def module_enrolment(user, module: ModulePage) -> Enrolment | None:
    """The person's current enrolment (of any status) on the course a module belongs to, with
    their progress in this module as ``module_progress`` (``None`` when not opened yet), read
    in one query.

    A live course (its id from the page directory) is read by ``_current_enrolment``; one
    that is not in the directory (a draft seen in preview) through the ORM."""
    if not (user and user.is_authenticated):
        return None
    course_path = module.path[: -module.steplen]
    course_id = directory.get().by_path.get(course_path)  # a live course: no join to the tree
    if course_id is not None:
        progress = ModuleProgress._meta.db_table
        enrolment = _current_enrolment(
            user,
            course_id,
            select=", p.id AS here_id, p.started_at AS here_started_at, "
            "p.completed_at AS here_completed_at",
            joins=f"LEFT JOIN {progress} p ON p.enrolment_id = e.id AND p.module_id = %s",
            params=[module.pk],
        )
    else:
        enrolment = (
            Enrolment.objects.filter(user=user, is_current=True, course__path=course_path)
            .annotate(
                here=FilteredRelation("progress", condition=Q(progress__module_id=module.pk)),
                here_id=F("here__id"),
                here_started_at=F("here__started_at"),
                here_completed_at=F("here__completed_at"),
            )
            .order_by()
            .first()
        )
    if enrolment is not None:
        enrolment.user = user
        enrolment.module_progress = (
            ModuleProgress(
                id=enrolment.here_id,
                enrolment=enrolment,
                module_id=module.pk,
                started_at=_aware(enrolment.here_started_at),
                completed_at=_aware(enrolment.here_completed_at),
            )
            if enrolment.here_id
            else None
        )
    return enrolment


def module_enrolment_on_request(request, user, module: ModulePage) -> Enrolment | None:
    """``module_enrolment``, read once per request: the hook that records the module as opened,
    the module panel and each reflection field all ask."""
    return per_request(
        request, ("module_enrolment", module.pk), lambda: module_enrolment(user, module)
    )


def module_state(user, module: ModulePage, request=None) -> ModuleState:
    """Position, enrolment and progress for a module page. With the ``request``, what other
    parts of the page have already read (navigation, enrolment) is not read again."""
    navigation = module_navigation_on_request(request, module)
    state = ModuleState(
        module=module,
        course=navigation["course"],
        signed_in=bool(user and user.is_authenticated),
        total=navigation["module_count"],
        position=navigation["module_number"] or 0,
        previous_module=navigation["previous_module"],
        next_module=navigation["next_module"],
        reflection_count=module.reflection_count(),
    )
    if state.signed_in:
        state.enrolment = module_enrolment_on_request(request, user, module)
        if state.enrolment:
            state.progress = state.enrolment.module_progress
    return state


def reflections_on(user, module: ModulePage) -> dict[str, Reflection]:
    """Block id -> the person's saved answer, for one module."""
    if not (user and user.is_authenticated):
        return {}
    # Every module page asks: written out, as ``_current_enrolment`` (0.07 ms against 0.3 ms).
    meta = Reflection._meta
    columns = ", ".join(f.column for f in meta.concrete_fields)
    user_column, module_column = (meta.get_field(name).column for name in ("user", "module"))
    where = f"{user_column} = %s AND {module_column} = %s"
    sql = f"SELECT {columns} FROM {meta.db_table} WHERE {where}"  # noqa: S608
    return {r.block_id: r for r in Reflection.objects.raw(sql, [user.pk, module.pk])}


def reflections_of(user) -> QuerySet[Reflection]:
    """The person's reflections, grouped by course and module."""
    return Reflection.objects.filter(user=user).order_by(
        "course_title", "module_title", "created_at"
    )


# --- History --------------------------------------------------------------------------------


def learning_history(user) -> QuerySet[Enrolment]:
    """Every enrolment the person has had, newest first, with its completion."""
    return (
        Enrolment.objects.filter(user=user)
        .select_related("course", "course__tier", "completion", "assigned_by")
        .order_by("course__title", "-cycle")
    )


def course_attempt_counts(enrolment_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        QuizAttempt.objects.filter(enrolment_id__in=list(enrolment_ids))
        .values_list("enrolment_id")
        .annotate(n=Count("pk"))
        .values_list("enrolment_id", "n")
    )


def question_difficulty(course: CoursePage) -> list[tuple[str, int, int]]:
    """(question id, wrong answers, answers) for a course, most often wrong first: for trainers'
    analytics."""
    rows = (
        QuestionResponse.objects.filter(attempt__enrolment__course=course)
        .values("question_id")
        .annotate(wrong=Count("pk", filter=Q(correct=False)), answers=Count("pk"))
        .order_by("-wrong", "question_id")
    )
    return [(r["question_id"], r["wrong"], r["answers"]) for r in rows]
