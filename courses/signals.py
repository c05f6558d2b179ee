"""Signals other apps listen to (sent inside the service's transaction)."""

from django.dispatch import Signal

# Sent when a completion is recorded. kwargs: completion. Certificates listens and enqueues the
# certificate on commit.
completion_recorded = Signal()
