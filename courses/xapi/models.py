import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Actor(models.Model):
    """The opaque name a learner has in the LRS: random, stable, and meaningless outside this
    product (the LRS never learns who the learner is)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_actor"
    )
    name = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    def __str__(self):
        return str(self.name)


class Statement(models.Model):
    """One xAPI statement in the outbox: written with the event, sent by
    ``tasks.send_statements``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        REJECTED = "rejected", "Rejected by the LRS"

    statement_id = models.UUIDField(unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    verb = models.CharField(max_length=20)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="xapi_pending_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self):
        return f"{self.verb} {self.statement_id} ({self.status})"
