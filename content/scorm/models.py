"""A SCORM package as uploaded by a trainer and unpacked to storage."""

import uuid

from django.conf import settings
from django.db import models


class ScormPackage(models.Model):
    """A validated SCORM 1.2 or 2004 package, unpacked under ``scorm/<folder>/`` in private
    storage and served by ``content.scorm.views.serve``.

    ``scos`` lists the launchable items of the manifest's default organisation in order, each
    ``{"identifier", "title", "href"}`` (``href`` relative to the package root, with the item's
    parameters). Packages are immutable once stored: a new version is a new upload, so a
    learner's saved state always refers to the files it was made with.
    """

    class Version(models.TextChoices):
        SCORM_12 = "1.2", "SCORM 1.2"
        SCORM_2004 = "2004", "SCORM 2004"

    title = models.CharField(max_length=255, help_text="How trainers find the package.")
    version = models.CharField(max_length=8, choices=Version.choices, editable=False)
    edition = models.CharField(
        max_length=40,
        blank=True,
        editable=False,
        help_text='The manifest\'s schema version, e.g. "2004 4th Edition".',
    )
    folder = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scos = models.JSONField(default=list, editable=False)
    original_filename = models.CharField(max_length=255, blank=True, editable=False)
    size_bytes = models.PositiveBigIntegerField(default=0, editable=False)
    file_count = models.PositiveIntegerField(default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "-uploaded_at"]
        verbose_name = "SCORM package"

    def __str__(self):
        return f"{self.title} ({self.get_version_display()})"

    @property
    def storage_prefix(self) -> str:
        return f"scorm/{self.folder}/"

    @property
    def sco_identifiers(self) -> list[str]:
        return [sco["identifier"] for sco in self.scos]

    def sco(self, identifier: str | None) -> dict | None:
        """The SCO with this identifier, or the first when ``identifier`` is empty."""
        if not self.scos:
            return None
        if not identifier:
            return self.scos[0]
        return next((s for s in self.scos if s["identifier"] == identifier), None)
