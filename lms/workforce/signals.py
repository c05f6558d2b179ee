"""Signals other apps listen to when someone's place in the workforce changes.

Sent inside the service's transaction, so receivers' writes commit or roll back with it.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

_bulk_write = ContextVar("workforce_bulk_write", default=False)


@contextmanager
def bulk_write():
    """Inside, receivers that refresh read models row by row (on every saved standing or
    summary) stand down: the bulk writer promises to send ``people_changed`` for everyone it
    touched once it is done, which is one set-based refresh instead of one per person."""
    token = _bulk_write.set(True)
    try:
        yield
    finally:
        _bulk_write.reset(token)


def in_bulk_write() -> bool:
    return _bulk_write.get()


# kwargs: membership
membership_started = Signal()
# kwargs: membership
membership_ended = Signal()
# kwargs: starts: [(user_id, job_role, start_date), ...] for memberships a bulk write started
# (an import's chunk) without sending ``membership_started`` for each.
memberships_started_in_bulk = Signal()
# Bulk writes (imports, recognised learning) skip the per-row signals above and tell the read
# models once instead. kwargs: user_ids, defer_aggregates (bool). A receiver refreshes what it
# keeps about these people and returns the unit ids whose aggregates it left for later when
# ``defer_aggregates`` is set.
people_changed = Signal()
# kwargs: unit_ids: the aggregates left for later by ``people_changed`` are due now.
aggregates_due = Signal()
# The default job roles were loaded (``load_default_job_roles``); receivers load what hangs on
# them (the default role requirements) and return lines for the command to print. No kwargs.
default_job_roles_loaded = Signal()


def send_people_changed(user_ids, *, defer_aggregates: bool = False) -> set[int]:
    """Tell the read models that these people's records changed; returns the units whose
    aggregates wait for ``send_aggregates_due`` (only when ``defer_aggregates``)."""
    ids = sorted({i for i in user_ids if i is not None})
    units: set[int] = set()
    if not ids:
        return units
    for _receiver, response in people_changed.send(
        sender=None, user_ids=ids, defer_aggregates=defer_aggregates
    ):
        units |= set(response or ())
    return units


def send_aggregates_due(unit_ids) -> None:
    if unit_ids:
        aggregates_due.send(sender=None, unit_ids=sorted(unit_ids))
