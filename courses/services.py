"""Writes to the learning record: enrolment, progress, knowledge-check attempts, completions,
refresher cycles, competency assessments and the tier standing each person holds.

Every function is keyword-only, typed and transactional. Double submits and concurrent requests
create nothing twice: the enrolment row is locked (``select_for_update``) before anything that
depends on it, and unique constraints back every "one of" rule.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Max, Min, When
from django.utils import timezone

from content.models import CoursePage, ModulePage, Tier

from . import draws, scorm, selectors, signals
from .dates import validity_for
from .models import (
    CompetencyAssessment,
    Completion,
    Enrolment,
    LearnerSummary,
    ModuleProgress,
    QuestionResponse,
    QuizAttempt,
    Reflection,
    TierStanding,
)
from .permissions import may_assess, may_withdraw
from .xapi import services as xapi

logger = logging.getLogger(__name__)

REFLECTION_MAX_LENGTH = 10_000
AUDIT_EXPORT_REFLECTIONS = "courses.export_reflections"


def audit_reflections_export(*, user) -> None:
    """A learner downloading their reflections is written to the audit log (every export of
    personal data is)."""
    from wagtail.log_actions import log

    log(user, AUDIT_EXPORT_REFLECTIONS, user=user)


# --- Enrolment ------------------------------------------------------------------------------


@dataclass
class EnrolOutcome:
    enrolment: Enrolment
    created: bool = False
    due_date_brought_forward: bool = False


def _lock_current(user, course) -> Enrolment | None:
    return (
        Enrolment.objects.select_for_update()
        .filter(user=user, course=course, is_current=True)
        .first()
    )


def _enrol(
    *,
    user,
    course: CoursePage,
    source: str,
    assigned_by=None,
    due_on: date | None = None,
    on: date | None = None,
) -> EnrolOutcome:
    on = on or timezone.localdate()
    current = _lock_current(user, course)
    if current is not None and current.status == Enrolment.Status.ACTIVE:
        if due_on and (current.due_on is None or due_on < current.due_on):
            current.due_on = due_on
            current.save(update_fields=["due_on"])
            refresh_learner_summary(user=user)
            return EnrolOutcome(current, due_date_brought_forward=True)
        return EnrolOutcome(current)
    if current is not None:  # completed
        completion = Completion.objects.filter(enrolment=current).first()
        lead = on + timedelta(days=selectors.refresher_lead_days())
        if completion is not None and completion.valid_until > lead:
            return EnrolOutcome(current)  # done and current: nothing to do yet
        if completion is not None and completion.valid_until >= on:
            # Refreshing before the completion lapses: due when it lapses, or sooner if asked.
            due_on = min(d for d in (due_on, completion.valid_until) if d)
        current.is_current = False
        current.save(update_fields=["is_current"])
    cycle = (
        Enrolment.objects.filter(user=user, course=course).aggregate(n=Max("cycle"))["n"] or 0
    ) + 1
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                user=user,
                course=course,
                source=source,
                assigned_by=assigned_by,
                due_on=due_on,
                cycle=cycle,
            )
    except IntegrityError:
        # A concurrent request enrolled the person first.
        existing = Enrolment.objects.get(user=user, course=course, is_current=True)
        return EnrolOutcome(existing)
    refresh_learner_summary(user=user)
    return EnrolOutcome(enrolment, created=True)


@transaction.atomic
def enrol(
    *,
    user,
    course: CoursePage,
    source: str = Enrolment.Source.SELF,
    assigned_by=None,
    due_on: date | None = None,
) -> tuple[Enrolment, bool]:
    """Enrol ``user`` on ``course``; returns ``(enrolment, created)``.

    Safe to repeat: an existing current enrolment is returned (an earlier ``due_on`` replaces a
    later one). A completed course whose completion has lapsed, or lapses within the refresher
    lead time, gets a new cycle; the old one stays as history. Self-enrolment checks the
    course's prerequisites.
    """
    if not course.live:
        raise ValidationError("This course is not open for enrolment.")
    if source == Enrolment.Source.SELF:
        missing = selectors.missing_prerequisites(user, course)
        if missing:
            names = ", ".join(c.title for c in missing)
            raise ValidationError(
                f"Complete {names} before you enrol on {course.title}.", code="prerequisites"
            )
    outcome = _enrol(
        user=user, course=course, source=source, assigned_by=assigned_by, due_on=due_on
    )
    return outcome.enrolment, outcome.created


@transaction.atomic
def withdraw(*, enrolment: Enrolment, by) -> Enrolment:
    """Withdraw from an active enrolment. It stays in the history; enrolling again starts a new
    cycle."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError("Only a course in progress can be withdrawn from.")
    if not may_withdraw(by, enrolment):
        raise PermissionDenied("You cannot withdraw from this course.")
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.is_current = False
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "is_current", "withdrawn_at"])
    refresh_learner_summary(user=enrolment.user)
    return enrolment


@dataclass
class AssignmentResult:
    assigned: list = field(default_factory=list)
    already_enrolled: list = field(default_factory=list)
    due_date_brought_forward: list = field(default_factory=list)


@transaction.atomic
def assign(*, by, course: CoursePage, people: Iterable, due_on: date | None) -> AssignmentResult:
    """A manager assigns ``course`` to ``people`` (each must work in a unit the manager
    manages), due on ``due_on``. One enrolment per person; people already enrolled keep theirs,
    with the earlier of the two due dates."""
    from lms.workforce.selectors import staff_in_scope

    if not course.live:
        raise ValidationError("This course is not published, so it cannot be assigned.")
    if due_on and due_on < timezone.localdate():
        raise ValidationError("The due date must be today or later.")
    people = list({p.pk: p for p in people}.values())
    in_scope = set(staff_in_scope(by, records=True).values_list("user_id", flat=True))
    outside = [p for p in people if p.pk not in in_scope]
    if outside:
        raise PermissionDenied("You can only assign courses to people in teams you manage.")
    result = AssignmentResult()
    for person in people:
        outcome = _enrol(
            user=person,
            course=course,
            source=Enrolment.Source.ASSIGNED,
            assigned_by=by,
            due_on=due_on,
        )
        if outcome.created:
            result.assigned.append(person)
        elif outcome.due_date_brought_forward:
            result.due_date_brought_forward.append(person)
        else:
            result.already_enrolled.append(person)
    return result


@transaction.atomic
def enrol_required_courses(
    *, user, job_roles: Iterable | None = None, on: date | None = None
) -> list[Enrolment]:
    """Enrol a person on every course their job roles (or ``job_roles``) require that they are
    not already enrolled on or current in. Returns the new enrolments."""
    on = on or timezone.localdate()
    roles = list(job_roles) if job_roles is not None else selectors.current_job_roles(user, on)
    created = []
    for requirement in selectors.required_courses_for_roles(roles).values():
        outcome = _enrol(
            user=user,
            course=requirement.course,
            source=Enrolment.Source.RULE,
            due_on=on + timedelta(days=requirement.due_in_days),
            on=on,
        )
        if outcome.created:
            created.append(outcome.enrolment)
    return created


def enrol_role_members(*, job_role, on: date | None = None) -> int:
    """Enrol everyone currently in ``job_role`` on what it requires (after an enrolment rule is
    added, say). Each person is their own transaction; safe to repeat. Returns the number of
    enrolments created."""
    from lms.workforce.models import Membership

    on = on or timezone.localdate()
    user_ids = (
        Membership.objects.active(on).filter(job_role=job_role).values_list("user_id", flat=True)
    )
    from django.contrib.auth import get_user_model

    created = 0
    for person in get_user_model().objects.filter(pk__in=user_ids).iterator(chunk_size=500):
        created += len(enrol_required_courses(user=person, job_roles=[job_role], on=on))
    return created


def enrol_required_in_bulk(*, starts: Iterable[tuple[int, object, date]]) -> int:
    """Set-based ``enrol_required_courses`` for many people at once (a staff import's chunk):
    ``starts`` holds ``(user_id, job_role, start_date)`` for each membership just started.

    A fixed number of queries whatever the number of people: the requirements of each distinct
    role, one read of the people's enrolments, one insert, and the learner summaries' due dates
    (``refresh_due_dates``). People already enrolled on a course (current cycle, active or
    completed) are left alone; a lapsed completion is renewed by ``open_refresher_cycles``.
    Safe to repeat and to race: the one-current-enrolment constraint is the last guard.
    Returns the number of enrolments created. Sends no per-enrolment signals; the caller
    refreshes the coverage read model for the people once.
    """
    starts = [s for s in starts if s[1] is not None]
    if not starts:
        return 0
    requirements: dict[int, dict[int, selectors.RequiredCourse]] = {}
    for _, role, _ in starts:
        if role.pk not in requirements:
            requirements[role.pk] = selectors.required_courses_for_roles([role])
    user_ids = sorted({user_id for user_id, _, _ in starts})
    existing: dict[tuple[int, int], tuple[int, bool]] = {}
    for user_id, course_id, cycle, current in (
        Enrolment.objects.filter(user_id__in=user_ids)
        .values("user_id", "course_id")
        .annotate(cycle=Max("cycle"), current=Max(Case(When(is_current=True, then=1), default=0)))
        .values_list("user_id", "course_id", "cycle", "current")
    ):
        existing[(user_id, course_id)] = (cycle, bool(current))
    wanted: dict[tuple[int, int], Enrolment] = {}
    for user_id, role, start in starts:
        for course_id, requirement in requirements[role.pk].items():
            key = (user_id, course_id)
            cycle, current = existing.get(key, (0, False))
            if current:
                continue
            due_on = start + timedelta(days=requirement.due_in_days)
            known = wanted.get(key)
            if known is not None:
                known.due_on = min(known.due_on, due_on)
                continue
            wanted[key] = Enrolment(
                user_id=user_id,
                course_id=course_id,
                source=Enrolment.Source.RULE,
                due_on=due_on,
                cycle=cycle + 1,
            )
    created = Enrolment.objects.bulk_create(
        sorted(wanted.values(), key=lambda e: (e.user_id, e.course_id)),
        batch_size=1000,
        ignore_conflicts=True,
    )
    refresh_due_dates(user_ids=user_ids)
    return len(created)


def refresh_due_dates(*, user_ids: list[int]) -> None:
    """Set-based: each person's learner summary gets the earliest due date of their active
    enrolments (created when missing). Two queries; no per-person signals."""
    due = dict(
        Enrolment.objects.filter(
            user_id__in=user_ids,
            is_current=True,
            status=Enrolment.Status.ACTIVE,
            due_on__isnull=False,
        )
        .values("user_id")
        .annotate(d=Min("due_on"))
        .values_list("user_id", "d")
    )
    LearnerSummary.objects.bulk_create(
        [LearnerSummary(user_id=user_id, next_due_on=due.get(user_id)) for user_id in user_ids],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["next_due_on"],
    )


def open_refresher_cycles(*, on: date | None = None) -> int:
    """Open a new cycle for each required course whose completion has lapsed or lapses within
    the refresher lead time. Idempotent: a second run the same day opens nothing. Each cycle is
    its own transaction. Returns the number of cycles opened."""
    on = on or timezone.localdate()
    horizon = on + timedelta(days=selectors.refresher_lead_days())
    candidates = list(
        Enrolment.objects.filter(
            is_current=True,
            status=Enrolment.Status.COMPLETED,
            completion__valid_until__lte=horizon,
            course__live=True,
        ).select_related("course", "course__tier", "completion", "user")
    )
    if not candidates:
        return 0
    from lms.workforce.models import Membership

    roles_by_user: dict[int, list] = {}
    for membership in (
        Membership.objects.active(on)
        .filter(user_id__in={e.user_id for e in candidates}, job_role__isnull=False)
        .select_related("job_role", "job_role__required_tier")
    ):
        roles_by_user.setdefault(membership.user_id, []).append(membership.job_role)
    required_cache: dict[frozenset, set[int]] = {}
    opened = 0
    for enrolment in candidates:
        roles = roles_by_user.get(enrolment.user_id, [])
        key = frozenset(r.pk for r in roles)
        if key not in required_cache:
            required_cache[key] = set(selectors.required_courses_for_roles(roles))
        if enrolment.course_id not in required_cache[key]:
            continue
        with transaction.atomic():
            outcome = _enrol(
                user=enrolment.user,
                course=enrolment.course,
                source=Enrolment.Source.REFRESHER,
                due_on=enrolment.completion.valid_until,
                on=on,
            )
        opened += outcome.created
    return opened


# --- Progress and reflections ---------------------------------------------------------------


def _check_module(enrolment: Enrolment, module: ModulePage) -> None:
    if module.get_parent().pk != enrolment.course_id:
        raise ValidationError("This module is not part of the course you are enrolled on.")


def _touch_summary(user, *, started: bool = False) -> None:
    now = timezone.now()
    summary, _ = LearnerSummary.objects.get_or_create(user=user)
    fields = {"last_activity_at": now}
    if started and summary.first_started_at is None:
        fields["first_started_at"] = now
    LearnerSummary.objects.filter(pk=summary.pk).update(**fields)


_UNKNOWN = object()


def start_module(
    *, enrolment: Enrolment, module: ModulePage, progress=_UNKNOWN
) -> ModuleProgress | None:
    """Record that the learner opened a module of their active enrolment (idempotent).

    Module pages are read far more often than they change anything, and on SQLite every write
    transaction queues behind the others; so opening again the module opened last writes
    nothing and takes no lock. ``progress``: the learner's progress in this module when the
    caller has already read it (``None``: not opened yet), read here otherwise.
    """
    if (
        enrolment.status == Enrolment.Status.ACTIVE
        and enrolment.started_at is not None
        and enrolment.last_module_id == module.pk
    ):
        if progress is _UNKNOWN:
            progress = ModuleProgress.objects.filter(enrolment=enrolment, module=module).first()
        if progress is not None:
            return progress
    # Checked before the write transaction, so that the lock is held for the writes only.
    checked = enrolment.status == Enrolment.Status.ACTIVE
    if checked:
        _check_module(enrolment, module)
    return _record_module_opened(enrolment=enrolment, module=module, checked=checked)


@transaction.atomic
def _record_module_opened(
    *, enrolment: Enrolment, module: ModulePage, checked: bool
) -> ModuleProgress | None:
    # Re-read under the write lock: another request may have changed the enrolment since.
    enrolment.refresh_from_db(fields=["status", "started_at", "last_module"])
    if enrolment.status != Enrolment.Status.ACTIVE:
        return None
    if not checked:
        _check_module(enrolment, module)
    progress, created = ModuleProgress.objects.get_or_create(enrolment=enrolment, module=module)
    updates = {}
    if enrolment.last_module_id != module.pk:
        updates["last_module"] = module
    if enrolment.started_at is None:
        updates["started_at"] = progress.started_at
    if updates:
        Enrolment.objects.filter(pk=enrolment.pk).update(**updates)
        for name, value in updates.items():
            setattr(enrolment, name, value)
    if created:
        _touch_summary(enrolment.user, started=True)
        xapi.record_module_launched(progress=progress, module=module, enrolment=enrolment)
    return progress


@transaction.atomic
def save_reflections(
    *, user, module: ModulePage, answers: Mapping[str, str]
) -> dict[str, Reflection]:
    """Save the learner's answers to a module's reflection prompts (block id -> text). A blank
    answer removes a saved one. Returns block id -> reflection for the answers now saved."""
    prompts = {block.id: block for block in module.reflection_blocks()}
    unknown = [block_id for block_id in answers if block_id not in prompts]
    if unknown:
        raise ValidationError(
            "Some answers are for reflection prompts this module no longer has. Reload the page "
            "and copy your answers across.",
            code="unknown_prompt",
        )
    too_long = [b for b, text in answers.items() if len(text or "") > REFLECTION_MAX_LENGTH]
    if too_long:
        raise ValidationError(
            f"A reflection can be up to {REFLECTION_MAX_LENGTH:,} characters. Shorten it and "
            "save again.",
            code="too_long",
        )
    course = module.get_parent()
    saved = {}
    for block_id, text in answers.items():
        text = (text or "").strip()
        if not text:
            Reflection.objects.filter(user=user, module=module, block_id=block_id).delete()
            continue
        reflection, _ = Reflection.objects.update_or_create(
            user=user,
            module=module,
            block_id=block_id,
            defaults={
                "text": text,
                "prompt": prompts[block_id].value["prompt"],
                "course_title": course.title,
                "module_title": module.title,
            },
        )
        saved[block_id] = reflection
    if answers:
        _touch_summary(user)
    return saved


class ModuleIncomplete(ValidationError):
    """Raised when a module cannot be marked complete; ``missing`` lists unanswered prompts."""

    def __init__(self, message, missing: list[str]):
        super().__init__(message, code="reflections_missing")
        self.missing = missing


@dataclass
class ModuleCompleted:
    progress: ModuleProgress
    completion: Completion | None


def complete_module(
    *, enrolment: Enrolment, module: ModulePage, answers: Mapping[str, str] | None = None
) -> ModuleCompleted:
    """Mark a module complete, saving any reflection answers sent with it first. A module with
    reflection prompts completes only once each has an answer; when one is missing the answers
    that were given are still saved (nothing the learner typed is lost) and ``ModuleIncomplete``
    is raised. Completes the course if this was the last thing left."""
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.ACTIVE:
            raise ValidationError("You are not currently enrolled on this course.")
        _check_module(enrolment, module)
        if answers:
            save_reflections(user=enrolment.user, module=module, answers=answers)
        answered = set(
            Reflection.objects.filter(user=enrolment.user, module=module).values_list(
                "block_id", flat=True
            )
        )
        missing = [b.id for b in module.reflection_blocks() if b.id not in answered]
        package_done = scorm.package_done(enrolment=enrolment, module=module)
        if not missing and package_done:
            return ModuleCompleted(
                progress=_mark_module_complete(enrolment, module),
                completion=_complete_if_ready(enrolment),
            )
    # Outside the transaction, so the answers saved above are kept.
    if not package_done:
        raise ValidationError(
            "Finish the e-learning in this module first: it counts as done when every part of "
            "it is complete (and passed, where it has a test).",
            code="package_incomplete",
        )
    raise ModuleIncomplete(
        "Answer the reflection prompt before you mark this module as complete."
        if len(missing) == 1
        else f"Answer the {len(missing)} reflection prompts before you mark this module as "
        "complete.",
        missing=missing,
    )


def _mark_module_complete(enrolment: Enrolment, module: ModulePage) -> ModuleProgress:
    now = timezone.now()
    progress, _ = ModuleProgress.objects.get_or_create(
        enrolment=enrolment, module=module, defaults={"started_at": now}
    )
    if progress.completed_at is None:
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
        xapi.record_module_completed(progress=progress, module=module, enrolment=enrolment)
    updates = {"last_module": module}
    if enrolment.started_at is None:
        updates["started_at"] = progress.started_at
    Enrolment.objects.filter(pk=enrolment.pk).update(**updates)
    _touch_summary(enrolment.user, started=True)
    return progress


# --- Knowledge checks -----------------------------------------------------------------------


@dataclass
class Grade:
    answers: dict[str, list[str]]
    results: dict[str, bool]
    correct_count: int
    question_count: int

    @property
    def score(self) -> int:
        # Floor, so that "score >= pass mark" is exact: floor(x) >= n iff x >= n for whole n.
        return (self.correct_count * 100) // self.question_count if self.question_count else 0


def grade(questions: list, answers: Mapping[str, Iterable[str] | str]) -> Grade:
    """Check and mark answers (question block id -> chosen option ids) against ``questions``.

    Raises ``ValidationError`` (a dict of question id -> message, or a message for the whole
    form) for unknown questions, missing answers, options of another question and more than one
    option on a single-choice question. A question is correct when exactly its correct options
    are chosen.
    """
    known = {q.id: q for q in questions}
    if any(question_id not in known for question_id in answers):
        raise ValidationError(
            "The knowledge check has changed since you opened it. Your answers to the questions "
            "that are still there are kept below; check them and submit again.",
            code="unknown_question",
        )
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, list[str]] = {}
    results: dict[str, bool] = {}
    for question in questions:
        raw = answers.get(question.id) or []
        chosen = list(dict.fromkeys([raw] if isinstance(raw, str) else [str(c) for c in raw]))
        options = {option.id: option.value for option in question.value["options"].bound_blocks}
        if not chosen:
            errors[question.id] = ["Answer this question."]
        elif any(option_id not in options for option_id in chosen):
            errors[question.id] = ["Choose from the answers given for this question."]
        elif question.value["kind"] == "single" and len(chosen) != 1:
            errors[question.id] = ["Choose one answer."]
        else:
            cleaned[question.id] = chosen
            right = {oid for oid, value in options.items() if value["correct"]}
            results[question.id] = set(chosen) == right
    if errors:
        raise ValidationError(errors)
    return Grade(
        answers=cleaned,
        results=results,
        correct_count=sum(results.values()),
        question_count=len(questions),
    )


def parse_idempotency_key(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(
            "This form has expired. Reload the page to get a fresh copy, then submit your "
            "answers again.",
            code="bad_key",
        ) from None


@transaction.atomic
def record_quiz_attempt(
    *,
    enrolment: Enrolment,
    answers: Mapping[str, Iterable[str] | str],
    idempotency_key,
    presented: list[dict] | None = None,
) -> tuple[QuizAttempt, bool]:
    """Record and mark one knowledge-check attempt; returns ``(attempt, created)``.

    ``presented`` is the draw the learner was shown (``courses.draws``): the questions, and the
    options of each in the order shown. The attempt is marked on exactly those questions and
    keeps the draw for review. It may be left out only for a course that asks its whole bank.

    The same idempotency key (a double submit, a retried request) returns the attempt already
    recorded; the unique key is the final guard. Enforces the attempt cap and the cool-down for
    the cycle, then completes the course if everything else is done.
    """
    key = parse_idempotency_key(idempotency_key)
    # Lock the enrolment first: concurrent submits for one learner queue here, so the cap and
    # the cool-down are checked against every attempt already recorded.
    enrolment = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
    existing = QuizAttempt.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.enrolment_id != enrolment.pk:
            raise ValidationError(
                "This form has already been used. Reload the page to get a fresh copy.",
                code="bad_key",
            )
        return existing, False
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError(
            "You have already completed this course."
            if enrolment.status == Enrolment.Status.COMPLETED
            else "You are not enrolled on this course.",
            code="not_active",
        )
    course = enrolment.course
    rules = selectors.quiz_rules(enrolment, course)
    if rules.blocked_reason:
        raise ValidationError(rules.blocked_reason, code="not_allowed")
    if presented is None:
        if not draws.asks_whole_bank(course):
            raise ValidationError(
                "This form has expired. Reload the page to get a fresh copy, then submit your "
                "answers again.",
                code="bad_key",
            )
        presented = draws.whole_bank(course)
    shown = draws.resolve(course, presented)
    result = grade([question.block for question in shown], answers)
    now = timezone.now()
    try:
        with transaction.atomic():
            attempt = QuizAttempt.objects.create(
                enrolment=enrolment,
                idempotency_key=key,
                number=rules.attempts_used + 1,
                course_revision_id=course.live_revision_id,
                answers=result.answers,
                presented=[{"question": q.id, "options": [o.id for o in q.options]} for q in shown],
                correct_count=result.correct_count,
                question_count=result.question_count,
                score=result.score,
                pass_mark=course.pass_mark,
                passed=result.score >= course.pass_mark,
                submitted_at=now,
            )
    except IntegrityError:
        existing = QuizAttempt.objects.filter(idempotency_key=key).first()
        if existing is not None and existing.enrolment_id == enrolment.pk:
            return existing, False
        raise
    QuestionResponse.objects.bulk_create(
        QuestionResponse(
            attempt=attempt,
            question_id=question_id,
            selected=result.answers[question_id],
            correct=correct,
        )
        for question_id, correct in result.results.items()
    )
    _touch_summary(enrolment.user)
    xapi.record_quiz_attempt(attempt=attempt, course=course)
    if attempt.passed:
        _complete_if_ready(enrolment)
    return attempt, True


# --- Completion -----------------------------------------------------------------------------


def _complete_if_ready(enrolment: Enrolment) -> Completion | None:
    """Create the completion if every live module is complete, the knowledge check (if the
    course has one) is passed and, for a workshop or blended course, the learner attended a
    session. The caller holds the lock on the enrolment."""
    existing = Completion.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    if enrolment.status != Enrolment.Status.ACTIVE:
        return None
    course = CoursePage.objects.select_related("tier").get(pk=enrolment.course_id)
    module_ids = set(course.modules().values_list("pk", flat=True))
    questions = course.questions()
    if not module_ids and not questions and not course.has_workshop:
        return None
    done = set(
        enrolment.progress.filter(completed_at__isnull=False).values_list("module_id", flat=True)
    )
    if not module_ids <= done:
        return None
    if course.has_workshop:
        # Workshop and blended courses: the learner attended a session (marked on the register).
        from .workshops.selectors import workshop_part_done

        if not workshop_part_done(enrolment):
            return None
    best = None
    if questions:
        best = enrolment.attempts.filter(passed=True).aggregate(best=Max("score"))["best"]
        if best is None:
            return None
    now = timezone.now()
    valid_until, expires_at = validity_for(now, course.effective_validity_months)
    completion = Completion.objects.create(
        user=enrolment.user,
        course=course,
        enrolment=enrolment,
        course_revision_id=course.live_revision_id,
        course_title=course.title,
        tier_code=course.tier.code,
        score=best,
        completed_at=now,
        expires_at=expires_at,
        valid_until=valid_until,
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.COMPLETED, completed_at=now
    )
    enrolment.status, enrolment.completed_at = Enrolment.Status.COMPLETED, now
    refresh_standing(user=enrolment.user)
    xapi.record_course_completions([completion])
    # Inside the transaction: receivers (certificates) enqueue their work on commit.
    signals.completion_recorded.send(sender=Completion, completion=completion)
    return completion


@transaction.atomic
def complete_course_if_ready(*, enrolment: Enrolment) -> Completion | None:
    """Record the completion of an enrolment once everything is done (idempotent; exactly one
    completion per enrolment even under concurrent requests)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    return _complete_if_ready(enrolment)


# --- Competency assessments -----------------------------------------------------------------


@transaction.atomic
def record_assessment(
    *,
    assessor,
    user,
    tier: Tier,
    status: str,
    evidence: str,
    competency_area=None,
    assessed_on: date | None = None,
) -> CompetencyAssessment:
    """Record an assessor's judgement (appended, never edited) and recompute the tiers held."""
    if not may_assess(assessor, user):
        raise PermissionDenied("You can only assess people in teams you manage, not yourself.")
    assessed_on = assessed_on or timezone.localdate()
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": "The assessment date cannot be in the future."})
    if status not in CompetencyAssessment.Status.values:
        raise ValidationError({"status": "Choose working towards or achieved."})
    if not (evidence or "").strip():
        raise ValidationError({"evidence": "Describe the evidence the judgement rests on."})
    assessment = CompetencyAssessment.objects.create(
        user=user,
        tier=tier,
        competency_area=competency_area,
        status=status,
        evidence=evidence.strip(),
        assessor=assessor,
        assessed_on=assessed_on,
    )
    refresh_standing(user=user)
    return assessment


# --- Tier standing and the learner summary --------------------------------------------------


def compute_standing(
    user,
    on: date | None = None,
    *,
    completions=None,
    sessions=None,
    assessments=None,
    framework=None,
) -> dict[int, date]:
    """Tier id -> last day the person holds it, for every tier held on ``on``.

    Tier k is held while every condition of ``selectors.tier_conditions`` for it is met (core
    courses, from T2 supervision, from T3 an achieved assessment) and tier k-1 is held. The
    day is the earliest on which any of these lapses. ``completions``, ``sessions`` and
    ``assessments``: the records to judge by, when the caller has read them; ``framework``:
    ``selectors.tier_framework()`` (see ``tier_conditions``).
    """
    on = on or timezone.localdate()
    held: dict[int, date] = {}
    previous = date.max
    conditions_by_tier = selectors.tier_conditions(
        user,
        on,
        completions=completions,
        sessions=sessions,
        assessments=assessments,
        framework=framework,
    )
    for tier, conditions in conditions_by_tier:
        if any(c.until is None for c in conditions):
            break
        valid_until = min([previous, *(c.until for c in conditions)])
        if valid_until < on:
            break
        held[tier.pk] = valid_until
        previous = valid_until
    return held


def standing_periods(
    user, *, completions, sessions, assessments, until: date, framework=None
) -> list[tuple[int, date, date]]:
    """``(tier id, first day, last day)`` for every stretch of time, up to ``until``, in which the
    person held a tier: the same rules as ``compute_standing``, applied to the records as they
    stood on each day something was added.

    Holding can only begin, or be extended, on a day a record is dated (a completion, a
    countable supervision session, an assessment); in between it runs on until the last day
    ``compute_standing`` gives. So the history is ``compute_standing`` on each such day, with
    only the records dated up to it. ``completions``: objects with ``course_id``,
    ``completed_on`` and ``valid_until``; ``sessions``: ``(date, session id, minutes)`` of
    countable sessions; ``assessments``: assessment objects, newest first; ``framework``:
    ``selectors.tier_framework()``, built once for many people. No queries of its own.
    """
    framework = framework or selectors.tier_framework()
    days = sorted(
        {c.completed_on for c in completions}
        | {s[0] for s in sessions}
        | {a.assessed_on for a in assessments}
    )
    days = [d for d in days if d <= until]
    periods: list[list] = []
    open_periods: dict[int, list] = {}
    for day in days:
        held = compute_standing(
            user,
            day,
            completions=[c for c in completions if c.completed_on <= day],
            sessions=[s for s in sessions if s[0] <= day],
            assessments=selectors.latest_assessments(
                a for a in assessments if a.assessed_on <= day
            ),
            framework=framework,
        )
        # From ``day`` on, this computation replaces what the earlier ones foresaw.
        for tier_id, period in list(open_periods.items()):
            if period[2] < day - timedelta(days=1):
                del open_periods[tier_id]  # lapsed before this day
            elif tier_id not in held:
                period[2] = day - timedelta(days=1)
                del open_periods[tier_id]
        for tier_id, last in held.items():
            period = open_periods.get(tier_id)
            if period is None:
                period = [tier_id, day, last]
                periods.append(period)
                open_periods[tier_id] = period
            else:
                period[2] = last
    return [tuple(p) for p in periods if p[1] <= p[2]]


@transaction.atomic
def refresh_standing(*, user, on: date | None = None) -> dict[int, date]:
    """Recompute the tiers a person holds (``TierStanding``) and their learner summary. Called
    in the same transaction as every change that can move them."""
    held = compute_standing(user, on)
    TierStanding.objects.filter(user=user).exclude(tier_id__in=list(held)).delete()
    now = timezone.now()
    existing = {s.tier_id: s for s in TierStanding.objects.filter(user=user)}
    for tier_id, valid_until in held.items():
        standing = existing.get(tier_id)
        if standing is None:
            try:
                with transaction.atomic():
                    TierStanding.objects.create(
                        user=user, tier_id=tier_id, valid_until=valid_until, computed_at=now
                    )
            except IntegrityError:
                TierStanding.objects.filter(user=user, tier_id=tier_id).update(
                    valid_until=valid_until, computed_at=now
                )
        elif standing.valid_until != valid_until:
            TierStanding.objects.filter(pk=standing.pk).update(
                valid_until=valid_until, computed_at=now
            )
    refresh_learner_summary(user=user)
    return held


@transaction.atomic
def refresh_learner_summary(*, user) -> LearnerSummary:
    """Recompute the person's ``LearnerSummary`` from their records (a handful of aggregates)."""
    enrolments = Enrolment.objects.filter(user=user)
    first_started = enrolments.aggregate(d=Min("started_at"))["d"]
    next_due = enrolments.filter(
        is_current=True, status=Enrolment.Status.ACTIVE, due_on__isnull=False
    ).aggregate(d=Min("due_on"))["d"]
    last_completed = Completion.objects.filter(user=user).aggregate(d=Max("completed_at"))["d"]
    progress = ModuleProgress.objects.filter(enrolment__user=user).aggregate(
        started=Max("started_at"), completed=Max("completed_at")
    )
    attempted = QuizAttempt.objects.filter(enrolment__user=user).aggregate(d=Max("submitted_at"))[
        "d"
    ]
    moments = [progress["started"], progress["completed"], attempted, last_completed]
    summary, _ = LearnerSummary.objects.update_or_create(
        user=user,
        defaults={
            "first_started_at": first_started,
            "last_completed_at": last_completed,
            "next_due_on": next_due,
            "last_activity_at": max((m for m in moments if m), default=None),
        },
    )
    return summary


def refresh_learner_summaries(user_ids: Iterable[int]) -> None:
    """``refresh_learner_summary`` for many people, set-based: five grouped reads and one
    upsert, whatever their number."""
    ids = list({int(i) for i in user_ids})
    if not ids:
        return

    def by_user(queryset, key, **aggregate):
        (name,) = aggregate
        return dict(queryset.values(key).annotate(**aggregate).values_list(key, name).order_by())

    enrolments = Enrolment.objects.filter(user_id__in=ids)
    first_started = by_user(enrolments, "user_id", d=Min("started_at"))
    next_due = by_user(
        enrolments.filter(is_current=True, status=Enrolment.Status.ACTIVE, due_on__isnull=False),
        "user_id",
        d=Min("due_on"),
    )
    last_completed = by_user(
        Completion.objects.filter(user_id__in=ids), "user_id", d=Max("completed_at")
    )
    progress = ModuleProgress.objects.filter(enrolment__user_id__in=ids)
    started = by_user(progress, "enrolment__user_id", d=Max("started_at"))
    completed = by_user(progress, "enrolment__user_id", d=Max("completed_at"))
    attempted = by_user(
        QuizAttempt.objects.filter(enrolment__user_id__in=ids),
        "enrolment__user_id",
        d=Max("submitted_at"),
    )
    now = timezone.now()
    summaries = []
    for user_id in ids:
        moments = [started.get(user_id), completed.get(user_id), attempted.get(user_id)]
        moments.append(last_completed.get(user_id))
        summaries.append(
            LearnerSummary(
                user_id=user_id,
                first_started_at=first_started.get(user_id),
                last_completed_at=last_completed.get(user_id),
                next_due_on=next_due.get(user_id),
                last_activity_at=max((m for m in moments if m), default=None),
                updated_at=now,
            )
        )
    LearnerSummary.objects.bulk_create(
        summaries,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=[
            "first_started_at",
            "last_completed_at",
            "next_due_on",
            "last_activity_at",
            "updated_at",
        ],
    )


STANDING_BATCH = 500


def refresh_standings(*, user_ids: Iterable[int] | None = None, on: date | None = None) -> int:
    """Recompute the standing (and learner summary) of many people, set-based, in batches of
    ``STANDING_BATCH``: a fixed number of queries per batch, each batch its own transaction.
    The rule is ``compute_standing``'s, fed from ``selectors.standing_inputs``. Used after the
    framework changed (e.g. a core course was published or withdrawn) and by imports. Without
    ``user_ids``: everyone who holds a tier or has a completion. Returns how many people.

    The writes are bulk (no per-row signals): each batch tells the read models
    (``people_changed``), unless the caller is a bulk writer that does so itself."""
    from django.contrib.auth import get_user_model

    from lms.workforce.signals import in_bulk_write, send_people_changed

    User = get_user_model()
    if user_ids is None:
        ids = set(TierStanding.objects.values_list("user_id", flat=True))
        ids |= set(Completion.objects.values_list("user_id", flat=True).distinct())
    else:
        ids = {int(i) for i in user_ids}
    on = on or timezone.localdate()
    ordered = sorted(ids)
    framework = selectors.tier_framework()  # read once for everyone
    for start in range(0, len(ordered), STANDING_BATCH):
        batch = ordered[start : start + STANDING_BATCH]
        with transaction.atomic():
            _refresh_standing_batch(User.objects.in_bulk(batch), on, framework)
            if not in_bulk_write():
                send_people_changed(batch)
    return len(ordered)


def _refresh_standing_batch(users: dict, on: date, framework) -> None:
    inputs = selectors.standing_inputs(users, on)
    held = {
        pk: compute_standing(user, on, framework=framework, **inputs[pk])
        for pk, user in users.items()
    }
    existing = {
        (s.user_id, s.tier_id): s for s in TierStanding.objects.filter(user_id__in=list(users))
    }
    wanted = {
        (pk, tier_id): until for pk, tiers in held.items() for tier_id, until in tiers.items()
    }
    gone = [s.pk for key, s in existing.items() if key not in wanted]
    if gone:
        TierStanding.objects.filter(pk__in=gone).delete()
    now = timezone.now()
    changed = []
    for key, until in wanted.items():
        standing = existing.get(key)
        if standing is not None and standing.valid_until != until:
            standing.valid_until, standing.computed_at = until, now
            changed.append(standing)
    TierStanding.objects.bulk_update(changed, ["valid_until", "computed_at"], batch_size=500)
    TierStanding.objects.bulk_create(
        [
            TierStanding(user_id=user_id, tier_id=tier_id, valid_until=until, computed_at=now)
            for (user_id, tier_id), until in wanted.items()
            if (user_id, tier_id) not in existing
        ],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["user", "tier"],
        update_fields=["valid_until", "computed_at"],
    )
    refresh_learner_summaries(users)


# --- Completions from elsewhere ------------------------------------------------------------


@dataclass(frozen=True)
class ExternalRecord:
    """A completion done elsewhere: imported from a previous system, or prior learning a
    verifier has recognised as equivalent to ``course``."""

    user_id: int
    course: CoursePage
    completed_on: date
    expires_on: date | None
    source: str  # Completion.Source
    reference: str  # unique per person and course: recording it again changes nothing


def _external_times(record: ExternalRecord):
    from datetime import datetime, time

    completed_at = timezone.make_aware(datetime.combine(record.completed_on, time(12)))
    if record.expires_on:
        expires_at = timezone.make_aware(datetime.combine(record.expires_on, time.min))
        return completed_at, expires_at, record.expires_on - timedelta(days=1)
    valid_until, expires_at = validity_for(completed_at, record.course.effective_validity_months)
    return completed_at, expires_at, valid_until


def _complete_enrolments_at(completed: dict[int, datetime]) -> None:
    """Mark enrolments completed, each at its own moment, in one statement per 400 (an
    ``UPDATE`` from a list of (id, moment) rows: a ``CASE`` with a branch per row grows
    quadratically)."""
    from django.db import connection

    table = connection.ops.quote_name(Enrolment._meta.db_table)
    items = sorted(completed.items())
    for start in range(0, len(items), 400):
        batch = items[start : start + 400]
        rows = ", ".join(["(%s, %s)"] * len(batch))
        params: list = []
        for pk, moment in batch:
            params += [pk, connection.ops.adapt_datetimefield_value(moment)]
        with connection.cursor() as cursor:
            # Only the quoted table name and placeholders are formatted in; values are params.
            cursor.execute(
                f"WITH v(id, completed_at) AS (VALUES {rows}) "  # noqa: S608
                f"UPDATE {table} SET status = %s, completed_at = "
                f"(SELECT v.completed_at FROM v WHERE v.id = {table}.id) "
                f"WHERE id IN (SELECT id FROM v)",
                [*params, Enrolment.Status.COMPLETED],
            )


def record_external_completions(*, records: list[ExternalRecord], on: date | None = None) -> set:
    """Record completions done elsewhere, set-based (a fixed number of queries for any number),
    and the tier standings they move. Returns the ids of the people concerned.

    Each gets an enrolment of its own unless it can close one: the latest still-valid record of
    a person and course completes their open current enrolment on it (the requirement is met,
    nothing is left to do); otherwise it becomes a completed cycle (the current one if the
    person has none, else a past one). No certificate: those are for courses completed here.
    Records already present (same person, course and reference) are skipped. The caller sends
    ``lms.workforce.signals.people_changed`` for the people returned (the read models).
    """
    if not records:
        return set()
    on = on or timezone.localdate()
    user_ids = {r.user_id for r in records}
    course_ids = {r.course.pk for r in records}
    present = set(
        Completion.objects.filter(
            user_id__in=user_ids,
            course_id__in=course_ids,
            source_reference__in={r.reference for r in records},
        ).values_list("user_id", "course_id", "source_reference")
    )
    records = [r for r in records if (r.user_id, r.course.pk, r.reference) not in present]
    cycles: dict[tuple[int, int], int] = {}
    has_current: set[tuple[int, int]] = set()
    open_enrolments: dict[tuple[int, int], int] = {}
    for user_id, course_id, cycle, current, open_id in (
        Enrolment.objects.filter(user_id__in=user_ids, course_id__in=course_ids)
        .values("user_id", "course_id")
        .annotate(
            cycle=Max("cycle"),
            current=Max(Case(When(is_current=True, then=1), default=0)),
            open_id=Max(Case(When(is_current=True, status=Enrolment.Status.ACTIVE, then="id"))),
        )
        .values_list("user_id", "course_id", "cycle", "current", "open_id")
    ):
        cycles[(user_id, course_id)] = cycle
        if current:
            has_current.add((user_id, course_id))
        if open_id:
            open_enrolments[(user_id, course_id)] = open_id
    closing: dict[int, ExternalRecord] = {}
    new: list[tuple[ExternalRecord, Enrolment]] = []
    for record in sorted(records, key=lambda r: r.completed_on, reverse=True):
        key = (record.user_id, record.course.pk)
        completed_at, _, valid_until = _external_times(record)
        open_id = open_enrolments.pop(key, None) if valid_until >= on else None
        if open_id:
            closing[open_id] = record
            continue
        makes_current = key not in has_current and valid_until >= on
        if makes_current:
            has_current.add(key)
        cycles[key] = cycles.get(key, 0) + 1
        new.append(
            (
                record,
                Enrolment(
                    user_id=record.user_id,
                    course=record.course,
                    source=Enrolment.Source.IMPORTED
                    if record.source == Completion.Source.IMPORTED
                    else Enrolment.Source.PRIOR_LEARNING,
                    status=Enrolment.Status.COMPLETED,
                    is_current=makes_current,
                    cycle=cycles[key],
                    started_at=completed_at,
                    completed_at=completed_at,
                ),
            )
        )
    created = Enrolment.objects.bulk_create([e for _, e in new], batch_size=1000)
    if closing:
        _complete_enrolments_at({pk: _external_times(r)[0] for pk, r in closing.items()})
    targets = [(r, e.pk) for (r, _), e in zip(new, created, strict=True)]
    targets += [(r, pk) for pk, r in closing.items()]
    completions = []
    for record, enrolment_id in targets:
        completed_at, expires_at, valid_until = _external_times(record)
        completions.append(
            Completion(
                user_id=record.user_id,
                course=record.course,
                enrolment_id=enrolment_id,
                course_title=record.course.title,
                tier_code=record.course.tier.code,
                completed_at=completed_at,
                expires_at=expires_at,
                valid_until=valid_until,
                source=record.source,
                source_reference=record.reference,
            )
        )
    Completion.objects.bulk_create(completions, batch_size=1000, ignore_conflicts=True)
    people = {r.user_id for r in records}
    from lms.workforce.signals import bulk_write

    with bulk_write():  # the caller sends people_changed for them all at once
        refresh_standings(user_ids=people, on=on)
    return people


# --- Default role requirements --------------------------------------------------------------

DEFAULT_ROLE_REQUIREMENTS_FILE = (
    Path(settings.BASE_DIR) / "content" / "curriculum" / "role_requirements.yaml"
)
ROLE_REQUIREMENT_RECORD = "enrolment-rule:{role}:{course}"


@dataclass
class RoleRequirementsLoad:
    created: list[str] = field(default_factory=list)
    kept: int = 0
    waiting: list[str] = field(default_factory=list)  # role or course not there yet


def read_role_requirements(path: Path = DEFAULT_ROLE_REQUIREMENTS_FILE) -> dict[str, list[str]]:
    """The default role requirements file as ``{job role code: [course slugs]}``."""
    import yaml

    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data, dict) or not all(
        isinstance(slugs, list) and all(isinstance(s, str) for s in slugs)
        for slugs in data.values()
    ):
        raise ValidationError(f"{path}: expected job role codes, each with a list of course slugs")
    return {str(code): list(slugs) for code, slugs in data.items()}


@transaction.atomic
def load_default_role_requirements(
    path: Path = DEFAULT_ROLE_REQUIREMENTS_FILE,
) -> RoleRequirementsLoad:
    """Create the enrolment rules of the default role requirements that were never loaded.

    Each rule is created once: the loader keeps a ``CurriculumRecord`` of it, so a rule an
    administrator has changed, switched off or deleted since is left as it is (never brought
    back). A role or course that does not exist yet is reported and loaded on a later run.
    People already in the role are enrolled on the course after the commit
    (``on_enrolment_rule_saved``).
    """
    from content.models import CurriculumRecord
    from lms.workforce.models import JobRole

    from .models import EnrolmentRule

    outcome = RoleRequirementsLoad()
    requirements = read_role_requirements(path)
    roles = JobRole.objects.in_bulk(list(requirements), field_name="code")
    slugs = {slug for course_slugs in requirements.values() for slug in course_slugs}
    loaded_pages = {
        record.key.removeprefix("course:"): record.object_id
        for record in CurriculumRecord.objects.filter(key__in=[f"course:{s}" for s in slugs])
    }
    pages = CoursePage.objects.in_bulk(list(loaded_pages.values()))
    by_slug = {slug: pages[pk] for slug, pk in loaded_pages.items() if pk in pages}
    # Courses made in the admin rather than loaded from the files: by their slug.
    for page in CoursePage.objects.filter(slug__in=slugs - by_slug.keys()):
        by_slug.setdefault(page.slug, page)
    done = set(
        CurriculumRecord.objects.filter(key__startswith="enrolment-rule:").values_list(
            "key", flat=True
        )
    )
    for code, course_slugs in requirements.items():
        for slug in course_slugs:
            key = ROLE_REQUIREMENT_RECORD.format(role=code, course=slug)
            if key in done:
                outcome.kept += 1
                continue
            role, course = roles.get(code), by_slug.get(slug)
            if role is None or course is None:
                outcome.waiting.append(f"{code} requires {slug}")
                continue
            rule, created = EnrolmentRule.objects.get_or_create(job_role=role, course=course)
            CurriculumRecord.objects.create(key=key, object_id=rule.pk, source_hash="")
            if created:
                outcome.created.append(f"{role.name} requires {course.title}")
            else:
                outcome.kept += 1
    return outcome
