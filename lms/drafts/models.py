from django.conf import settings
from django.db import models

KEY_MAX_LENGTH = 255


class FormDraft(models.Model):
    """The fields of one form page as its author last typed them (name -> text)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_drafts"
    )
    # The path of the page the form is on, e.g. /supervision/sessions/12/reflection/.
    key = models.CharField(max_length=KEY_MAX_LENGTH)
    fields = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="drafts_one_per_user_and_page")
        ]

    def __str__(self):
        return f"Draft of {self.key}"
