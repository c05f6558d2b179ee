"""Certificates, their numbering, the site-wide certificate settings and training-record
requests.

Models hold data and invariants; issuing, rendering, revoking and reissuing go through
``certificates.services``. Status is never stored: a certificate is *revoked* once revoked,
otherwise *expired* from its expiry moment on, otherwise *valid* (so it can never be stale).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

# --- Private files --------------------------------------------------------------------------
# Shared with the other private files (prior-learning evidence); the names stay importable here
# because migrations refer to them.
from lms.storage import PrivateFileSystemStorage, private_storage  # noqa: F401

from .codes import format_code


def certificate_upload_to(instance: Certificate, filename: str) -> str:
    return f"certificates/{instance.issued_at:%Y}/{filename}"


def training_record_upload_to(instance: TrainingRecord, filename: str) -> str:
    return f"training-records/{filename}"


# --- Site settings --------------------------------------------------------------------------


@register_setting(icon="doc-full")
class CertificateSettings(BaseGenericSetting):
    """What every certificate says about who issues it. The defaults give a complete,
    good-looking certificate on a fresh install."""

    organisation_name = models.CharField(
        max_length=200,
        default="Infant Mental Health Training",
        help_text="The issuing organisation, printed at the top of every certificate.",
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional. PNG, JPEG or SVG, ideally wider than tall. Without one, the "
        "site's mark is used.",
    )
    number_prefix = models.CharField(
        max_length=10,
        default="IMH",
        validators=[
            RegexValidator(
                r"^[A-Z][A-Z0-9]{1,9}$",
                "Use 2 to 10 capital letters or digits, starting with a letter, e.g. IMH.",
            )
        ],
        help_text="Starts every certificate number, e.g. IMH in IMH-2026-000123. Changing it "
        "affects new certificates only.",
    )
    signatory_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="The person who signs the certificates, e.g. Dr Alex Morgan. Without a name, "
        "certificates have no signature block (title, signature image and line are not printed).",
    )
    signatory_title = models.CharField(
        max_length=150,
        default="Programme Lead",
        blank=True,
        help_text="Their role, e.g. Infant Mental Health Lead.",
    )
    signature = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional. An image of the signature (PNG with a transparent background "
        "looks best).",
    )
    signature_text = models.CharField(
        max_length=255,
        default="Signed on behalf of the Infant Mental Health Training Programme",
        blank=True,
        help_text="A line printed under the signature.",
    )

    # Loaded with every certificate: one query for the settings and both images.
    select_related = ["logo", "signature"]

    panels = [
        MultiFieldPanel(
            [FieldPanel("organisation_name"), FieldPanel("logo"), FieldPanel("number_prefix")],
            heading="Issuing organisation",
        ),
        MultiFieldPanel(
            [
                FieldPanel("signatory_name"),
                FieldPanel("signatory_title"),
                FieldPanel("signature"),
                FieldPanel("signature_text"),
            ],
            heading="Signature",
        ),
    ]

    class Meta:
        verbose_name = "certificate settings"


# --- Certificates ---------------------------------------------------------------------------


class CertificateSequence(models.Model):
    """The last serial number used for a prefix and year. The row is locked while a number is
    taken, so numbers are unique and gap-free within a year (a rolled-back issue gives its
    number back)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="certificates_sequence_unique")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_serial}"


class CertificateQuerySet(models.QuerySet):
    def valid(self, at: datetime | None = None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now())

    def expired(self, at: datetime | None = None):
        return self.filter(revoked_at__isnull=True, expires_at__lte=at or timezone.now())

    def revoked(self):
        return self.filter(revoked_at__isnull=False)


class Certificate(models.Model):
    """Proof of one completion: exactly one certificate per completion of a course that issues
    certificates.

    What the certificate says (holder, course, tier, CPD hours, dates) is copied from the
    completion when it is issued, so the PDF, the verification page and the record agree. A
    reissue (e.g. after a name correction) re-renders the PDF with the same number and code.
    """

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    completion = models.OneToOneField(
        "courses.Completion", on_delete=models.RESTRICT, related_name="certificate"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(
        "content.CoursePage", on_delete=models.PROTECT, related_name="certificates"
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
        help_text="The certificate for the same course this one renews.",
    )
    number = models.CharField(max_length=32, unique=True)
    code = models.CharField(
        "verification code",
        max_length=16,
        unique=True,
        help_text="Stored without separators; shown in groups of four.",
    )
    holder_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=255)
    tier_code = models.CharField(max_length=10)
    tier_name = models.CharField(max_length=60, blank=True)
    cpd_hours = models.DecimalField("CPD hours", max_digits=5, decimal_places=2, default=0)
    issued_at = models.DateTimeField("issued", help_text="When the course was completed.")
    expires_at = models.DateTimeField(help_text="The moment the completion stops counting.")
    valid_until = models.DateField(help_text="The last day the certificate is valid.")

    pdf = models.FileField(
        storage=private_storage, upload_to=certificate_upload_to, blank=True, max_length=255
    )
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_count = models.PositiveSmallIntegerField(
        default=0, help_text="1 once issued; more after each reissue."
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    # Nothing links *to* certificates from content; indexing every save would cost more than
    # the rest of issuing a certificate.
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-issued_at", "-pk"]
        permissions = [("manage_certificate", "Can revoke, reinstate and reissue certificates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="certificates_revoked_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-issued_at"]),
            models.Index(fields=["user", "course", "-issued_at"]),
            models.Index(
                fields=["created_at"], condition=Q(pdf=""), name="certificates_pdf_missing"
            ),
        ]

    def __str__(self):
        return self.number

    # --- Status -------------------------------------------------------------------------

    def status_at(self, at: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if (at or timezone.now()) >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    @property
    def status_tag(self) -> str:
        return {"valid": "tag--ok", "expired": "tag--warn", "revoked": "tag--bad"}[self.status]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    # --- Presentation -------------------------------------------------------------------

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def issued_on(self):
        return timezone.localdate(self.issued_at)

    @property
    def tier_label(self) -> str:
        return f"{self.tier_code} {self.tier_name}".strip()

    @property
    def has_pdf(self) -> bool:
        return bool(self.pdf)

    @property
    def holder_erased(self) -> bool:
        """The holder's personal data was erased (lms.privacy): the certificate still verifies,
        but no longer names them and has no PDF."""
        return self.user.erased_at is not None

    def verify_path(self) -> str:
        from django.urls import reverse

        return reverse("certificates:verify", args=[self.display_code])

    def verify_url(self) -> str:
        from lms.site_url import site_url

        return f"{site_url()}{self.verify_path()}"

    def pdf_filename(self) -> str:
        """The name offered when downloading, safe in any file system."""
        return f"certificate-{self.number}.pdf"


# --- Training records -----------------------------------------------------------------------


class TrainingRecord(models.Model):
    """A practitioner's request for a PDF of their whole training record, built in the
    background; the page polls ``status`` and ``progress`` until the file is ready."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    file = models.FileField(
        storage=private_storage, upload_to=training_record_upload_to, blank=True, max_length=255
    )
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    error = models.CharField(max_length=255, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # A double submit (or a second tab) joins the request already in progress.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["queued", "running"]),
                name="certificates_one_record_in_progress",
            )
        ]
        indexes = [models.Index(fields=["user", "-requested_at"])]

    def __str__(self):
        return f"Training record of {self.user_id} requested {self.requested_at:%d %b %Y %H:%M}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def pdf_filename(self) -> str:
        return f"training-record-{timezone.localtime(self.requested_at):%Y-%m-%d}.pdf"
