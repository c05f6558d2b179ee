"""Date arithmetic for validity periods (calendar months, local days)."""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the month's last day
    (31 January + 1 month = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def validity_for(completed_at: datetime, months: int) -> tuple[date, datetime]:
    """``(valid_until, expires_at)`` for a completion at ``completed_at`` that stays current for
    ``months``: it counts up to and including ``valid_until``, and stops at ``expires_at`` (the
    start of the next day), so the date and the moment never disagree."""
    completed_on = timezone.localdate(completed_at)
    expires_on = add_months(completed_on, months)
    return expires_on - timedelta(days=1), start_of_day(expires_on)
