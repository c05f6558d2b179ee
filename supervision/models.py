"""Supervision data: targets per tier, agreements and their parties, session records, actions,
corrections appended after sign-off, and the notifications already sent.

Workflows (accepting, signing off, correcting) live in ``services``; who may read what lives in
``permissions``. Invariants that must hold under double submits are database constraints.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

MIN_SESSION_MINUTES = 5
MAX_SESSION_MINUTES = 480


class SupervisionTarget(models.Model):
    """How much countable supervision a person whose role requires ``tier`` should receive."""

    tier = models.OneToOneField(
        "content.Tier", on_delete=models.CASCADE, related_name="supervision_target"
    )
    hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5)],
        help_text="Signed-off hours needed in each rolling window, e.g. 12.",
    )
    window_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Length of the rolling window in months.",
    )
    max_gap_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="A person is overdue when they have had no countable session for this many "
        "days. Leave empty to mean 'no session in the whole window'.",
    )

    class Meta:
        ordering = ["tier__order"]
        verbose_name = "supervision target"

    def __str__(self):
        return f"{self.tier.code}: {self.hours} h in {self.window_months} months"

    @property
    def target_minutes(self) -> int:
        return int(self.hours * 60)

    def describe(self) -> str:
        text = f"{self.hours.normalize():f} hours in {self.window_months} months"
        if self.max_gap_days:
            text += f", with no gap longer than {self.max_gap_days} days"
        return text


class SupervisionAgreement(models.Model):
    """What a supervisor and one or more supervisees agree about their supervision."""

    class Type(models.TextChoices):
        REFLECTIVE = "reflective", "Reflective"
        CLINICAL = "clinical", "Clinical"
        MANAGEMENT = "management", "Management (recorded, not counted toward targets)"

    class Format(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        GROUP = "group", "Group"
        PEER = "peer", "Peer (recorded, not counted toward targets)"

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video call"
        PHONE = "phone", "Telephone"
        MIXED = "mixed", "Mixed"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"
        SIX_WEEKLY = "six_weekly", "Every six weeks"
        QUARTERLY = "quarterly", "Quarterly"

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_given"
    )
    supervisees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="AgreementParty", related_name="supervision_agreements"
    )
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.REFLECTIVE)
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.INDIVIDUAL)
    modality = models.CharField(max_length=20, choices=Modality.choices, default=Modality.IN_PERSON)
    frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.FORTNIGHTLY
    )
    start_date = models.DateField()
    review_date = models.DateField()
    confidentiality = models.TextField(
        "confidentiality terms",
        help_text="What stays between you, and its limits (for example safeguarding concerns).",
    )
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A key the form carries so that submitting it twice creates one agreement.
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = "supervision agreement"
        constraints = [
            models.CheckConstraint(
                condition=Q(review_date__gte=models.F("start_date")),
                name="supervision_agreement_review_after_start",
            ),
        ]

    def __str__(self):
        # No names or terms: this label appears in audit logs.
        return f"Supervision agreement {self.pk}"

    @property
    def is_peer(self) -> bool:
        return self.format == self.Format.PEER


class AgreementParty(models.Model):
    """A supervisee named in an agreement, and whether they have accepted it."""

    agreement = models.ForeignKey(
        SupervisionAgreement, on_delete=models.CASCADE, related_name="parties"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_parties"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["supervisee__display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "supervisee"], name="supervision_party_once"
            ),
        ]

    def __str__(self):
        return f"{self.supervisee} in {self.agreement}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.declined_at:
            return "declined"
        return "pending"


class AgreementReview(models.Model):
    """A review of an agreement, which sets its next review date."""

    agreement = models.ForeignKey(
        SupervisionAgreement, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField()
    notes = models.TextField(blank=True)
    next_review_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self):
        return f"Review of {self.agreement} on {self.reviewed_on}"


class SupervisionSessionQuerySet(models.QuerySet):
    def signed_off(self):
        return self.filter(status=SupervisionSession.Status.SIGNED_OFF)

    def countable(self):
        """Sessions that count toward targets (see ``countable_q``)."""
        return self.filter(countable_q())


def countable_q(prefix: str = "") -> Q:
    """The one definition of a session that counts toward supervision targets: signed off, not
    peer supervision, and not line-management supervision (reflective and clinical supervision
    count). ``prefix`` reaches the session from another model, e.g. ``"session__"``."""
    return (
        Q(**{f"{prefix}status": SupervisionSession.Status.SIGNED_OFF})
        & ~Q(**{f"{prefix}format": SupervisionAgreement.Format.PEER})
        & ~Q(**{f"{prefix}agreement__type": SupervisionAgreement.Type.MANAGEMENT})
    )


class SupervisionSession(models.Model):
    """One supervision session: what was discussed, agreed and learnt, and its sign-off.

    Once signed off the record is locked: corrections are appended as ``SessionCorrection``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED_OFF = "signed_off", "Signed off"

    agreement = models.ForeignKey(
        SupervisionAgreement, on_delete=models.PROTECT, related_name="sessions"
    )
    date = models.DateField("date of the session")
    duration_minutes = models.PositiveSmallIntegerField(
        "duration in minutes",
        validators=[
            MinValueValidator(MIN_SESSION_MINUTES),
            MaxValueValidator(MAX_SESSION_MINUTES),
        ],
    )
    format = models.CharField(max_length=20, choices=SupervisionAgreement.Format.choices)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SessionAttendance", related_name="supervision_sessions"
    )
    themes = models.ManyToManyField(
        "content.CompetencyArea", blank=True, related_name="supervision_sessions_as_theme"
    )
    theme_wellbeing = models.BooleanField(
        "practitioner wellbeing", default=False, help_text="Wellbeing was a theme of the session."
    )
    case_references = models.TextField(
        "anonymised case references",
        blank=True,
        help_text="Anonymised only, for example 'Family A (baby 4 months)'. Identifiable details "
        "belong in the clinical record.",
    )
    discussion = models.TextField(
        "discussion and reflections",
        blank=True,
        help_text="What you explored together: themes, feelings, what helped.",
    )
    learning_needs = models.ManyToManyField(
        "content.CompetencyArea", blank=True, related_name="supervision_sessions_as_need"
    )
    learning_needs_notes = models.TextField("learning needs: notes", blank=True)
    next_session_on = models.DateField("date of the next session", null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every edit so that two people editing the same draft do not overwrite each other.
    version = models.PositiveIntegerField(default=1)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    objects = SupervisionSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "supervision session"
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=MIN_SESSION_MINUTES)
                & Q(duration_minutes__lte=MAX_SESSION_MINUTES),
                name="supervision_session_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(signed_off_at__isnull=False, signed_off_by__isnull=False),
                name="supervision_session_signed_off_has_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["status", "date"])]

    def __str__(self):
        # No names or content: this label appears in audit logs and admin listings.
        return f"Supervision session {self.pk}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SIGNED_OFF

    @property
    def is_countable(self) -> bool:
        return (
            self.is_locked
            and self.format != SupervisionAgreement.Format.PEER
            and self.agreement.type != SupervisionAgreement.Type.MANAGEMENT
        )

    @property
    def hours(self):
        from decimal import Decimal

        return (Decimal(self.duration_minutes) / 60).quantize(Decimal("0.01"))


class SessionAttendance(models.Model):
    """A supervisee at a session, with their own reflection (seen by them and the supervisor)."""

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="attendances"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_attendances"
    )
    reflection = models.TextField(blank=True)
    reflection_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["supervisee__display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "supervisee"], name="supervision_attendance_once"
            ),
        ]
        indexes = [models.Index(fields=["supervisee", "session"])]

    def __str__(self):
        return f"Attendance {self.pk}"


class SessionAction(models.Model):
    """An action agreed in a session. Open actions carry forward to the agreement's next
    sessions until someone marks them done."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="actions"
    )
    text = models.CharField("action", max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_actions"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return f"Action {self.pk}"


class SessionCorrection(models.Model):
    """A correction appended to a signed-off session (the record itself is never overwritten)."""

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="corrections"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField("correction")
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Correction {self.pk}"


class SupervisionNotification(models.Model):
    """An email already sent about a session, so that a retried task sends it once."""

    class Kind(models.TextChoices):
        AWAITING_REFLECTION = "awaiting_reflection", "Awaiting reflection"
        AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting sign-off"

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "recipient", "kind"], name="supervision_notification_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.session}"
