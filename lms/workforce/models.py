import hashlib
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from treebeard.mp_tree import MP_Node

from lms.accounts.validators import validate_person_name


class OrganisationUnit(MP_Node):
    """A node of the organisation tree: a region, an organisation in it, or a team in that."""

    class Kind(models.TextChoices):
        REGION = "region", "Region"
        ORGANISATION = "organisation", "Organisation"
        TEAM = "team", "Team"

    class Sector(models.TextChoices):
        NHS = "nhs", "NHS"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        VOLUNTARY = "voluntary", "Voluntary and community sector"
        INDEPENDENT = "independent", "Independent sector"

    # Depth in the tree that each kind must sit at.
    DEPTH_OF_KIND = {Kind.REGION: 1, Kind.ORGANISATION: 2, Kind.TEAM: 3}

    name = models.CharField(max_length=200)
    code = models.SlugField(
        max_length=60,
        unique=True,
        help_text="A short, stable identifier used in staff import files, e.g. 'north-hv-team-1'.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sector = models.CharField(
        max_length=20,
        choices=Sector.choices,
        blank=True,
        help_text="For organisations: which sector they belong to.",
    )
    is_active = models.BooleanField(default=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = "organisation unit"
        ordering = ["path"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.sector and self.kind != self.Kind.ORGANISATION:
            raise ValidationError({"sector": "Only organisations have a sector."})

    @classmethod
    def expected_depth(cls, kind: str) -> int:
        return cls.DEPTH_OF_KIND[cls.Kind(kind)]

    @property
    def label(self) -> str:
        """Name with its organisation, e.g. 'Health Visiting North (Riverside NHS Trust)'."""
        if self.kind == self.Kind.TEAM:
            parent = self.get_parent()
            return f"{self.name} ({parent.name})" if parent else self.name
        return self.name

    def subtree_q(self, prefix: str = "") -> Q:
        """A filter for this unit and everything below it, on ``<prefix>path``."""
        return Q(**{f"{prefix}path__startswith": self.path})


class JobRole(models.Model):
    """A role people are employed in, and the tier of practice the role requires."""

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=60, unique=True)
    required_tier = models.ForeignKey(
        "content.Tier", on_delete=models.PROTECT, related_name="job_roles"
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )

    # Writes that send no per-row signals (the staff import's): the people's cached memberships
    # (``selectors.todays_memberships``) are read again, as after a save or a delete.
    def update(self, **kwargs):
        from .selectors import forget_memberships

        result = super().update(**kwargs)
        forget_memberships()
        return result

    def bulk_create(self, objs, *args, **kwargs):
        from .selectors import forget_memberships

        result = super().bulk_create(objs, *args, **kwargs)
        forget_memberships()
        return result

    def bulk_update(self, objs, fields, *args, **kwargs):
        from .selectors import forget_memberships

        result = super().bulk_update(objs, fields, *args, **kwargs)
        forget_memberships()
        return result


class Membership(models.Model):
    """A person working in a unit in a job role from ``start_date`` until ``end_date``.

    ``is_manager`` makes the person a manager of the unit and of everything below it. Someone
    with two roles has two memberships; someone who moves team has the old one ended and a new one.
    People with no job role (e.g. a commissioner who manages a region) are not counted in coverage.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(OrganisationUnit, on_delete=models.PROTECT, related_name="memberships")
    job_role = models.ForeignKey(
        JobRole,
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
        help_text="Leave empty for people who do not work with families; they are not counted "
        "in coverage.",
    )
    is_manager = models.BooleanField(
        default=False, help_text="Manages this unit and every unit below it."
    )
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "user__display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="workforce_membership_end_after_start",
            ),
            # One open membership per person, unit and role: a double submit or a re-import
            # cannot create a second one.
            models.UniqueConstraint(
                fields=["user", "unit", "job_role"],
                condition=Q(end_date__isnull=True, job_role__isnull=False),
                name="workforce_membership_one_open",
            ),
            models.UniqueConstraint(
                fields=["user", "unit"],
                condition=Q(end_date__isnull=True, job_role__isnull=True),
                name="workforce_membership_one_open_no_role",
            ),
        ]
        indexes = [models.Index(fields=["unit", "end_date"])]

    def __str__(self):
        role = self.job_role or "no role"
        return f"{self.user} – {role}, {self.unit}"

    def clean(self):
        super().clean()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})

    def is_active_on(self, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An emailed, single-use, expiring link that lets someone set up their account and lands
    them in a unit and role. Only a hash of the token is stored."""

    email = models.EmailField()
    display_name = models.CharField(max_length=150, blank=True, validators=[validate_person_name])
    unit = models.ForeignKey(OrganisationUnit, on_delete=models.CASCADE, related_name="invitations")
    job_role = models.ForeignKey(
        JobRole, on_delete=models.PROTECT, related_name="invitations", null=True, blank=True
    )
    is_manager = models.BooleanField(default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address, unit and role.
            models.UniqueConstraint(
                fields=["email", "unit", "job_role"],
                condition=Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, job_role__isnull=False
                ),
                name="workforce_invitation_one_open",
            ),
            models.UniqueConstraint(
                fields=["email", "unit"],
                condition=Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, job_role__isnull=True
                ),
                name="workforce_invitation_one_open_no_role",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email} to {self.unit}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class StaffNumber(models.Model):
    """An organisation's own number for a person (an HR staff or assignment number): how staff
    extracts and competence exports recognise people whose email address changes."""

    organisation = models.ForeignKey(
        OrganisationUnit, on_delete=models.CASCADE, related_name="staff_numbers"
    )
    number = models.CharField(max_length=30)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_numbers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="workforce_staffnumber_unique"
            )
        ]

    def __str__(self):
        return f"{self.number} ({self.organisation})"


class ColumnMapping(models.Model):
    """How one organisation's HR extract names its columns, saved once and reused.

    ``columns`` maps each field the import understands (``STAFF_FIELDS`` in
    ``lms.workforce.imports``) to the heading in the extract; ``job_titles`` and ``departments``
    map the extract's values to job role codes and unit codes where the names differ.
    """

    organisation = models.ForeignKey(
        OrganisationUnit, on_delete=models.CASCADE, related_name="column_mappings"
    )
    name = models.CharField(max_length=100, help_text="e.g. 'ESR monthly staff extract'.")
    columns = models.JSONField(
        default=dict,
        blank=True,
        help_text="Field -> the column heading in the file, e.g. "
        '{"staff_number": "Assignment Number", "email": "Email Address"}.',
    )
    job_titles = models.JSONField(
        default=dict,
        blank=True,
        help_text='Position title in the file -> job role code, e.g. {"Health Visitor Band 6": '
        '"health-visitor"}. Titles not listed are matched to job role names and codes.',
    )
    departments = models.JSONField(
        default=dict,
        blank=True,
        help_text='Department in the file -> team code, e.g. {"HV Riverside N": "hv-north"}. '
        "Departments not listed are matched to team names and codes.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="workforce_columnmapping_unique"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    def clean(self):
        super().clean()
        from .imports import mapping_problems

        problems = mapping_problems(self.columns, self.job_titles, self.departments)
        if problems:
            raise ValidationError(problems)


class StaffImport(models.Model):
    """One upload of a file about staff (who works where, or the training they completed
    elsewhere): what was in it, who sent it, how far the background job has gone and what
    happened to each row."""

    class Status(models.TextChoices):
        VALIDATED = "validated", "Checked, not yet imported"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        IMPORTED = "imported", "Imported"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        TRAINING_HISTORY = "training_history", "Training history"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STAFF)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the file describes (needed for a full extract).",
    )
    mapping = models.ForeignKey(
        ColumnMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    full_extract = models.BooleanField(
        default=False,
        help_text="The file lists everyone in the organisation: people not in it are ended.",
    )
    send_invitations = models.BooleanField(default=True)
    filename = models.CharField(max_length=255)
    encoding = models.CharField(max_length=40, blank=True)
    content = models.TextField()
    content_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALIDATED)
    report = models.JSONField(default=dict)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Outcome -> number of rows so far.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.IMPORTED,
            self.Status.CANCELLED,
            self.Status.FAILED,
        }

    @property
    def percent_done(self) -> int:
        if not self.rows_total:
            return 100 if self.is_finished else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class AdministratorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Administrator(models.Model):
    """Someone who administers one organisation or one region: its teams, its people and their
    job roles, its staff imports, course assignments, prior-learning decisions and reports. A
    regional administrator does the same for every organisation in the region. Granted and
    ended (never deleted) by a site administrator; both are in the audit log."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="administrator_of"
    )
    unit = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.PROTECT,
        related_name="administrators",
        limit_choices_to={"kind__in": ["organisation", "region"]},
        help_text="An organisation, or a region for a regional administrator.",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = AdministratorQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "user__display_name"]
        constraints = [
            # One open grant per person and unit: a double submit grants nothing twice.
            models.UniqueConstraint(
                fields=["user", "unit"],
                condition=Q(ended_at__isnull=True),
                name="workforce_administrator_one_open",
            ),
        ]

    def __str__(self):
        kind = "Regional administrator" if self.is_regional else "Administrator"
        return f"{kind}: {self.user} ({self.unit})"

    @property
    def is_regional(self) -> bool:
        return self.unit.kind == OrganisationUnit.Kind.REGION

    def clean(self):
        super().clean()
        if self.unit_id and self.unit.kind == OrganisationUnit.Kind.TEAM:
            raise ValidationError(
                {"unit": "Choose an organisation or a region: teams are run by their managers."}
            )
