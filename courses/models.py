"""The learning record: who is enrolled on what, how far they got, what they scored, what they
completed and which tier of practice they hold.

Models hold data and invariants (constraints); every write that means something goes through
``courses.services``.
"""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from lms.storage import private_storage


class EnrolmentRule(models.Model):
    """An extra course a job role requires, on top of the core courses of the role's tier.

    When someone starts in the role they are enrolled on the course, due ``due_in_days`` later.
    """

    job_role = models.ForeignKey(
        "workforce.JobRole", on_delete=models.CASCADE, related_name="enrolment_rules"
    )
    course = models.ForeignKey(
        "content.CoursePage", on_delete=models.CASCADE, related_name="enrolment_rules"
    )
    due_in_days = models.PositiveSmallIntegerField(
        default=90, help_text="Days after someone starts in the role by which it is due."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "enrolment rule"
        ordering = ["job_role__name", "course__title"]
        constraints = [
            models.UniqueConstraint(fields=["job_role", "course"], name="courses_rule_unique")
        ]

    def __str__(self):
        return f"{self.job_role} requires {self.course}"


class Enrolment(models.Model):
    """One person on one course for one cycle.

    At most one enrolment per person and course is *current* (the one they work on, or the
    completed one whose completion is still the latest). Withdrawn enrolments and cycles
    superseded by a refresher stay as history with ``is_current=False``.
    """

    class Source(models.TextChoices):
        SELF = "self", "Self-enrolled"
        ASSIGNED = "assigned", "Assigned by a manager"
        RULE = "rule", "Required for the job role"
        REFRESHER = "refresher", "Refresher"
        IMPORTED = "imported", "Imported training record"
        PRIOR_LEARNING = "prior_learning", "Recognised prior learning"

    class Status(models.TextChoices):
        ACTIVE = "active", "In progress"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        "content.CoursePage", on_delete=models.PROTECT, related_name="enrolments"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.SELF)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments_assigned",
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    is_current = models.BooleanField(default=True)
    cycle = models.PositiveSmallIntegerField(
        default=1, help_text="1 for the first enrolment on this course, then 2, 3…"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    last_module = models.ForeignKey(
        "content.ModulePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The module the learner opened last (for 'Resume').",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One current enrolment per person and course: a double submit, a concurrent rule
            # and manager assignment, or a re-run refresher sweep cannot create a second.
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=Q(is_current=True),
                name="courses_enrolment_one_current",
            ),
            models.UniqueConstraint(
                fields=["user", "course", "cycle"], name="courses_enrolment_cycle_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(is_current=False),
                name="courses_enrolment_withdrawn_not_current",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "is_current"]),
            models.Index(fields=["course", "is_current", "status"]),
        ]

    def __str__(self):
        return f"{self.user} on {self.course} (cycle {self.cycle})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def is_overdue(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.is_active and self.due_on is not None and self.due_on < on


class ModuleProgress(models.Model):
    """How far a learner got with one module within one enrolment."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    module = models.ForeignKey("content.ModulePage", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "module progress"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="courses_progress_unique")
        ]

    def __str__(self):
        return f"{self.enrolment}: {self.module}"


class QuizAttempt(models.Model):
    """One submitted knowledge check. The idempotency key comes from the form (generated when it
    was rendered), so a double submit or a retried request records one attempt."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    number = models.PositiveSmallIntegerField(help_text="1 for the first attempt of the cycle.")
    course_revision_id = models.PositiveIntegerField(null=True, blank=True)
    answers = models.JSONField(default=dict, help_text="Question id -> chosen option ids.")
    presented = models.JSONField(
        default=list,
        blank=True,
        help_text="The questions drawn for this attempt in the order shown, each with its "
        'options in the order shown: [{"question": id, "options": [id, ...]}, ...].',
    )
    correct_count = models.PositiveSmallIntegerField(default=0)
    question_count = models.PositiveSmallIntegerField(default=0)
    score = models.PositiveSmallIntegerField(help_text="Percent of questions fully correct.")
    pass_mark = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "number"], name="courses_attempt_number_unique"
            )
        ]

    def __str__(self):
        return f"Attempt {self.number} by {self.enrolment.user_id}: {self.score}%"


class QuestionResponse(models.Model):
    """One question of an attempt: for analytics such as "most often answered wrongly"."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="responses")
    question_id = models.CharField(max_length=64, db_index=True)
    selected = models.JSONField(default=list)
    correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question_id"], name="courses_response_unique"
            )
        ]

    def __str__(self):
        return f"{self.question_id}: {'correct' if self.correct else 'wrong'}"


class CompletionQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        """Completions that still count on ``on`` (today by default)."""
        return self.filter(valid_until__gte=on or timezone.localdate())


class Completion(models.Model):
    """The immutable record that someone completed a course: it never changes once written.

    ``expires_at`` is the start of the day the completion stops counting; ``valid_until`` is the
    last day it counts (the day before).
    """

    class Source(models.TextChoices):
        COURSE = "course", "Completed here"
        IMPORTED = "imported", "Imported"
        PRIOR_LEARNING = "prior_learning", "Recognised prior learning"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions"
    )
    course = models.ForeignKey(
        "content.CoursePage", on_delete=models.PROTECT, related_name="completions"
    )
    # RESTRICT: an enrolment with a completion cannot be deleted on its own, but erasing a
    # person (which deletes both) still works.
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.RESTRICT, related_name="completion"
    )
    course_revision = models.ForeignKey(
        "wagtailcore.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The published version of the course the learner completed.",
    )
    course_title = models.CharField(max_length=255)
    tier_code = models.CharField(max_length=10)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    valid_until = models.DateField()
    source = models.CharField(
        max_length=20,
        choices=Source.choices,
        default=Source.COURSE,
        help_text="Where the completion comes from. Only courses completed here get a "
        "certificate; imported records and recognised prior learning count in standing and "
        "coverage all the same.",
    )
    source_reference = models.CharField(
        max_length=200,
        blank=True,
        help_text="What identifies the record at its source (the import's course code and "
        "date, or the prior-learning claim), so that importing it again changes nothing.",
    )
    # When this system wrote the record (an imported completion is recorded long after it was
    # completed): the reporting API's "changed since" feed reads completions in this order.
    # Set by the database, so that bulk loads written with COPY get it too.
    recorded_at = models.DateTimeField(db_default=Now(), editable=False)

    objects = CompletionQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_at"]
        indexes = [
            models.Index(fields=["user", "course", "valid_until"]),
            models.Index(fields=["valid_until"]),
            models.Index(fields=["recorded_at", "id"], name="courses_completion_recorded"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "source_reference"],
                condition=~Q(source_reference=""),
                name="courses_completion_source_unique",
            )
        ]

    def __str__(self):
        return f"{self.user} completed {self.course_title} on {self.completed_at:%d %b %Y}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("A completion is a permanent record and cannot be changed.")
        super().save(*args, **kwargs)

    def is_current(self, on: date | None = None) -> bool:
        return self.valid_until >= (on or timezone.localdate())

    @property
    def issues_certificate(self) -> bool:
        return self.source == self.Source.COURSE


class Reflection(models.Model):
    """A learner's private answer to a reflection prompt (a StreamField block of a module)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    module = models.ForeignKey(
        "content.ModulePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    block_id = models.CharField(max_length=64)
    course_title = models.CharField(max_length=255, blank=True)
    module_title = models.CharField(max_length=255, blank=True)
    prompt = models.TextField(blank=True, help_text="The prompt as it read when answered.")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # Block ids are unique per page; a copied course keeps its block ids, so the module
            # is part of the key.
            models.UniqueConstraint(
                fields=["user", "module", "block_id"], name="courses_reflection_unique"
            )
        ]

    def __str__(self):
        return f"Reflection by {self.user_id} on {self.module_title}"


class CompetencyAssessment(models.Model):
    """An assessor's judgement of a practitioner at a tier, overall or in one competency area.

    Assessments are appended, never edited: the latest one for a person, area and tier counts.
    """

    class Status(models.TextChoices):
        WORKING_TOWARDS = "working_towards", "Working towards"
        ACHIEVED = "achieved", "Achieved"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competency_assessments"
    )
    competency_area = models.ForeignKey(
        "content.CompetencyArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty for an overall assessment at the tier.",
    )
    tier = models.ForeignKey("content.Tier", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    evidence = models.TextField(
        help_text="What the judgement rests on: observed practice, case discussion, portfolio."
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_made"
    )
    assessed_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        indexes = [models.Index(fields=["user", "tier", "competency_area"])]

    def __str__(self):
        area = self.competency_area or "overall"
        return f"{self.user}: {self.tier.code} {area} – {self.get_status_display()}"


class TierStanding(models.Model):
    """The tiers a person holds, maintained by ``services.refresh_standing``.

    A row exists for each tier the person held at the last recomputation; ``valid_until`` is the
    last day all its conditions hold (the earliest lapse of the required completions at that tier
    and below, supervision and assessment). "Meets a role requiring Tk" is therefore
    ``valid_until >= today``, exact without nightly jobs.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tier_standings"
    )
    tier = models.ForeignKey("content.Tier", on_delete=models.CASCADE, related_name="+")
    valid_until = models.DateField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tier"], name="courses_standing_unique")
        ]
        indexes = [models.Index(fields=["tier", "valid_until"])]

    def __str__(self):
        return f"{self.user_id} holds {self.tier_id} until {self.valid_until}"

    def holds(self, on: date | None = None) -> bool:
        return self.valid_until >= (on or timezone.localdate())

    def expiring_soon(self, on: date | None = None, days: int = 90) -> bool:
        on = on or timezone.localdate()
        return on <= self.valid_until <= on + timedelta(days=days)


class LearnerSummary(models.Model):
    """A small per-person summary, kept up to date by the services, so coverage reports can
    count never-started, overdue and recently trained people with one join."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_summary"
    )
    first_started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    last_completed_at = models.DateTimeField(null=True, blank=True)
    next_due_on = models.DateField(
        null=True,
        blank=True,
        help_text="Earliest due date of the person's current, unfinished required enrolments.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "learner summaries"

    def __str__(self):
        return f"Learning summary of {self.user_id}"


class CourseMapping(models.Model):
    """How a course from a previous learning system or an HR system is known here: its code or
    title there, the catalogue course it counts as, and the competence name used when
    completions are exported back to an HR system (such as ESR).

    Kept by administrators; one organisation's mapping takes precedence over a region-wide one
    (``organisation`` empty) with the same code.
    """

    organisation = models.ForeignKey(
        "workforce.OrganisationUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="course_mappings",
        help_text="Leave empty for a mapping every organisation uses.",
    )
    external_code = models.CharField(
        max_length=120, help_text="The course's code (or exact title) in the other system."
    )
    external_title = models.CharField(max_length=255, blank=True)
    course = models.ForeignKey(
        "content.CoursePage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mappings",
        help_text="The catalogue course it counts as (empty: known, but counts as none).",
    )
    competence_name = models.CharField(
        max_length=255,
        blank=True,
        help_text="The competence name in the HR system, for the competence export, e.g. "
        "'NHS|IMH|Infant Mental Health Level 1|'.",
    )

    class Meta:
        ordering = ["external_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_code"], name="courses_mapping_unique"
            ),
            models.UniqueConstraint(
                fields=["external_code"],
                condition=Q(organisation__isnull=True),
                name="courses_mapping_unique_everywhere",
            ),
        ]

    def __str__(self):
        return f"{self.external_code} -> {self.course or 'no course'}"


def prior_learning_upload_to(instance, filename: str) -> str:
    import uuid

    return f"prior-learning/{instance.user_id}/{uuid.uuid4().hex}"


class PriorLearning(models.Model):
    """Training a practitioner did elsewhere, as they recorded it, optionally claimed as
    equivalent to a catalogue course and decided by a verifier (the person's manager or a
    trainer). An approved claim becomes a completion (source: recognised prior learning).

    Evidence files are private: shown only to the person, their managers and verifiers."""

    class Status(models.TextChoices):
        RECORDED = "recorded", "Recorded"
        CLAIMED = "claimed", "Waiting for a decision"
        APPROVED = "approved", "Recognised"
        REJECTED = "rejected", "Not recognised"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prior_learning"
    )
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    completed_on = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=1)
    evidence = models.FileField(
        storage=private_storage, upload_to=prior_learning_upload_to, blank=True, max_length=255
    )
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_type = models.CharField(max_length=40, blank=True)
    course = models.ForeignKey(
        "content.CoursePage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The catalogue course it is claimed as equivalent to (optional).",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECORDED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.title} ({self.provider}, {self.completed_on:%d %b %Y})"


class ScoRecord(models.Model):
    """A learner's SCORM run-time data for one SCO of a module's package, within one enrolment.

    Written only by ``courses.scorm.commit_cmi`` from what the learner's browser commits; the
    columns are the values reports and resuming need, ``cmi`` every element committed (for
    interactions, objectives and anything else the package records). ``sequence`` is the number
    of the last commit applied: a repeated or older commit (a retry, or a tab that was left
    open) changes nothing.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="sco_records")
    module = models.ForeignKey("content.ModulePage", on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(
        "scorm.ScormPackage", on_delete=models.PROTECT, related_name="sco_records"
    )
    sco = models.CharField(max_length=255, help_text="The item's identifier in the manifest.")
    sequence = models.PositiveBigIntegerField(default=0)
    session_key = models.CharField(max_length=64, blank=True)
    sessions = models.PositiveIntegerField(
        default=0, help_text="How many times the learner launched it."
    )
    location = models.CharField(max_length=1000, blank=True)
    suspend_data = models.TextField(blank=True)
    exit = models.CharField(max_length=20, blank=True)
    completion_status = models.CharField(max_length=20, blank=True)
    success_status = models.CharField(max_length=20, blank=True)
    score_raw = models.FloatField(null=True, blank=True)
    score_min = models.FloatField(null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    score_percent = models.FloatField(
        null=True, blank=True, help_text="The score as a percentage, for reports."
    )
    total_seconds = models.FloatField(default=0)
    session_seconds = models.FloatField(default=0)
    cmi = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was first completed (and passed, if scored)."
    )

    class Meta:
        verbose_name = "SCORM record"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "module", "sco"], name="courses_sco_record_unique"
            )
        ]
        indexes = [models.Index(fields=["package", "sco"])]

    def __str__(self):
        return f"{self.enrolment}: {self.sco}"
