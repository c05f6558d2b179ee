"""Signals other apps listen to when someone's place in the workforce changes.

Sent inside the service's transaction, so receivers' writes commit or roll back with it.
"""

from django.dispatch import Signal

# kwargs: membership
membership_started = Signal()
# kwargs: membership
membership_ended = Signal()
