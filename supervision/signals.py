"""Signals other apps listen to (sent inside the service's transaction)."""

from django.dispatch import Signal

# Sent when a supervisor signs off a session. kwargs: session, supervisees (list of users whose
# hours changed).
session_signed_off = Signal()
