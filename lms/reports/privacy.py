"""Personal data held by reports: the reminder emails sent to the person.

The coverage read models (``CoverageEntry``, ``CoverageTally``, ``CourseTally``) hold dates and
counts keyed by account, not names; they stay as they are when a person is erased, so every
figure is the same before and after. Sent-reminder rows are kept too: their subjects name only
courses ("Your ... training expires in 30 days"), never the person, and they stop a reminder
being sent twice.
"""

from __future__ import annotations

from lms.personal_data import plain

from .models import SentReminder

SECTION = "reminders"


def export(user) -> dict:
    return plain(
        {
            "emails_sent": [
                {"kind": r.get_kind_display(), "subject": r.subject, "sent_at": r.sent_at}
                for r in SentReminder.objects.filter(user=user).order_by("sent_at", "pk")
            ]
        }
    )


def erase(user) -> dict:
    return {"sent_reminders_kept": SentReminder.objects.filter(user=user).count()}
