"""Reports' own tables: read models kept current on every write that moves a figure, and the
reminder emails already sent.

**Why read models.** Joining 100,000 memberships to tier standings and learner summaries on
every request took 1.2 s, and per-course figures over 650,000 completions 5 s, on the 2-core
benchmark machine (bench/README.md). The read models hold the same facts, narrow and pre-joined:

- ``CoverageEntry``: one row per membership with a job role (not yet ended), with the *dates*
  that decide its status (``standing_until``, ``next_due_on``...), never the status itself, so a
  figure computed from them is exact on any day without a nightly job;
- ``CoverageTally``: per unit and job role, the coverage counts of the people with one
  membership (people with several are counted live, person by person);
- ``CourseTally``: per unit, job role and course, how many people (counted in their "home" unit,
  the unit of their highest-tier role) are required to do it, hold a current completion, one
  expiring within 90 days, or only an expired one.

- ``CourseAnalyticsSnapshot``: per course, the trainers' analytics (funnel through the modules,
  scores, the questions most often answered wrongly), worked out in the background and read in
  one query; the page says how old its figures are and asks for newer ones once they are older
  than ``ANALYTICS_MAX_AGE_SECONDS``.

A tally is exact on every day from ``computed_on`` to the day before ``changes_on`` (the first
day on which time alone changes one of its counts). A read that meets a tally past its
``changes_on`` computes that unit live (never a wrong figure, only a slower one); the daily
``reports.refresh_stale_facts`` task renews them.

All are written by ``lms.reports.facts`` from the receivers in ``lms.reports.receivers`` (in the
same transaction as the change) and can be rebuilt at any time with
``manage.py rebuild_coverage``; ``manage.py rebuild_coverage --check`` compares them with the
live tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CoverageEntry(models.Model):
    """The coverage facts of one membership with a job role (ended memberships have none)."""

    membership = models.OneToOneField(
        "workforce.Membership", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "workforce.OrganisationUnit", on_delete=models.CASCADE, related_name="+"
    )
    job_role = models.ForeignKey("workforce.JobRole", on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey("content.Tier", on_delete=models.CASCADE, related_name="+")
    tier_order = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # From TierStanding (for the role's required tier) and LearnerSummary.
    standing_until = models.DateField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True)
    started = models.BooleanField(default=False)
    last_completed_at = models.DateTimeField(null=True, blank=True)
    # The person has other entries (then person-level counts group their entries); this entry
    # is their "home" (the highest-tier role, then the oldest membership).
    multi = models.BooleanField(default=False)
    is_home = models.BooleanField(default=False)
    # Supervision against the target of the person's highest required tier (None: no target).
    supervision_target = models.PositiveIntegerField(
        null=True, blank=True, help_text="Target minutes in the rolling window."
    )
    supervision_months = models.PositiveSmallIntegerField(null=True, blank=True)
    supervision_minutes = models.PositiveIntegerField(
        default=0, help_text="Countable minutes in the window, as at the refresh."
    )
    supervision_oldest_on = models.DateField(
        null=True,
        blank=True,
        help_text="Oldest session counted in supervision_minutes: the figure stays exact while "
        "this session is inside the window.",
    )
    supervision_reached_on = models.DateField(
        null=True,
        blank=True,
        help_text="Date of the session with which the newest-first total reaches the target: the "
        "target is met while this session is inside the window.",
    )
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = "coverage entry"
        verbose_name_plural = "coverage entries"
        indexes = [
            models.Index(fields=["unit", "job_role"], name="reports_entry_unit_role"),
            models.Index(fields=["user"], name="reports_entry_user"),
            models.Index(fields=["user"], condition=Q(multi=True), name="reports_entry_multi"),
        ]

    def __str__(self):
        return f"Coverage entry for membership {self.membership_id}"


class CoverageTally(models.Model):
    """Coverage counts of the people with one membership in ``unit`` and ``job_role`` (people
    with several are counted live, person by person), exact on every day from ``computed_on``
    to the day before ``changes_on``."""

    unit = models.ForeignKey(
        "workforce.OrganisationUnit", on_delete=models.CASCADE, related_name="+"
    )
    job_role = models.ForeignKey("workforce.JobRole", on_delete=models.CASCADE, related_name="+")
    meets = models.PositiveIntegerField(default=0)
    expiring = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    not_started = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    trained_recently = models.PositiveIntegerField(default=0)
    supervision_people = models.PositiveIntegerField(default=0)
    supervision_at_target = models.PositiveIntegerField(default=0)
    supervision_minutes = models.PositiveBigIntegerField(default=0)
    supervision_target = models.PositiveBigIntegerField(default=0)
    computed_on = models.DateField()
    changes_on = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = "coverage tally"
        verbose_name_plural = "coverage tallies"
        constraints = [
            models.UniqueConstraint(fields=["unit", "job_role"], name="reports_coverage_unique")
        ]
        indexes = [models.Index(fields=["changes_on"], name="reports_coverage_changes")]

    def __str__(self):
        return f"Coverage tally {self.pk}"


class CourseTally(models.Model):
    """Counts for one course among the people whose home entry is in ``unit`` with
    ``job_role``, exact on every day from ``computed_on`` to the day before ``changes_on``."""

    unit = models.ForeignKey(
        "workforce.OrganisationUnit", on_delete=models.CASCADE, related_name="+"
    )
    job_role = models.ForeignKey("workforce.JobRole", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("content.CoursePage", on_delete=models.CASCADE, related_name="+")
    required = models.PositiveIntegerField(default=0)
    current = models.PositiveIntegerField(default=0)
    expiring = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()
    changes_on = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = "course tally"
        verbose_name_plural = "course tallies"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "job_role", "course"], name="reports_tally_unique"
            )
        ]
        indexes = [models.Index(fields=["changes_on"], name="reports_tally_changes")]

    def __str__(self):
        return f"Course tally {self.pk}"


class CoveragePeriod(models.Model):
    """One stretch of a membership's life in which its person did, or did not, hold the tier its
    job role requires: the dated history behind coverage on any past day.

    A membership's periods cover it from its first day to its last (``valid_to`` None: open,
    as is the membership) without gaps or overlaps, so on any day ``D`` inside it exactly one
    period has ``valid_from <= D <= valid_to``. Written by ``lms.reports.periods`` from the
    dated records (memberships, completions with their expiry, countable supervision,
    assessments) with the tier rules of ``courses.services.compute_standing``, by the same
    refresh that writes ``CoverageEntry`` and by the rebuild. A holding period may end in the
    future: that is when the standing lapses unless something is added, as the dashboard reads
    ``CoverageEntry.standing_until``.
    """

    membership = models.ForeignKey(
        "workforce.Membership", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "workforce.OrganisationUnit", on_delete=models.CASCADE, related_name="+"
    )
    job_role = models.ForeignKey("workforce.JobRole", on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey("content.Tier", on_delete=models.CASCADE, related_name="+")
    holds = models.BooleanField(help_text="Holds the tier the job role requires.")
    # No other membership of the person with a job role shares a day with this one (a mover's
    # old and new teams do not): counted with plain sums. The others are grouped person by
    # person, so that each counts once.
    single = models.BooleanField(default=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Last day; empty: open.")

    class Meta:
        verbose_name = "coverage period"
        verbose_name_plural = "coverage periods"
        indexes = [
            models.Index(fields=["valid_from", "valid_to"], name="reports_period_dates"),
            models.Index(fields=["user"], name="reports_period_user"),
            # People with several memberships, read person by person.
            models.Index(
                fields=["valid_from"], condition=Q(single=False), name="reports_period_multi"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="reports_period_order",
            )
        ]

    def __str__(self):
        return f"Coverage period {self.pk}"


class SentReminder(models.Model):
    """One reminder email sent to one person for one occurrence.

    ``key`` names the occurrence (e.g. ``expiry:90:<completion id>``,
    ``overdue:<enrolment id>:<iso week>``, ``digest:<manager id>:<iso week>``). The row is
    inserted *before* the email is sent and the unique constraint makes a second run of the
    reminder task (a duplicated beat tick, a retried task) find it and send nothing.
    """

    class Kind(models.TextChoices):
        EXPIRY = "expiry", "Training expiring"
        OVERDUE = "overdue", "Training overdue"
        SUPERVISION_BEHIND = "supervision_behind", "Supervision behind"
        DIGEST = "digest", "Weekly digest for managers"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_reminders"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=120)
    subject = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="reports_reminder_once")
        ]
        indexes = [models.Index(fields=["user", "-sent_at"], name="reports_reminder_user_sent")]

    def __str__(self):
        return f"{self.get_kind_display()} reminder {self.pk}"


class CourseAnalyticsSnapshot(models.Model):
    """The trainers' analytics of one course as last worked out (``lms.reports.services.
    refresh_course_analytics``): ``figures`` holds plain numbers and texts only, never anything
    about a person."""

    course = models.OneToOneField(
        "content.CoursePage", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    figures = models.JSONField()
    computed_at = models.DateTimeField()
    took_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "course analytics snapshot"
        verbose_name_plural = "course analytics snapshots"

    def __str__(self):
        return f"Analytics of course {self.course_id}"
