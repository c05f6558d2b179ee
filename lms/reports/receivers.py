"""Keeping the coverage read models current: every change that can move a figure refreshes the
people it concerns, in the same transaction (connected in ``ReportsConfig.ready``).

Receivers are thin and never break the write they follow: a failure is logged and the refresh
retried by a task after the commit (the daily ``reports.refresh_stale_facts`` and
``manage.py rebuild_coverage`` repair anything else).
"""

import logging

from django.db import DatabaseError, transaction

from lms.celery import enqueue_on_commit

logger = logging.getLogger(__name__)


def _refresh(user_ids) -> None:
    from lms.workforce.signals import in_bulk_write

    from . import facts, tasks

    if in_bulk_write():
        return  # the bulk writer sends people_changed for everyone once it is done

    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return
    try:
        with transaction.atomic():
            facts.refresh_people(ids)
    except DatabaseError:
        logger.exception("Coverage refresh failed for %s people; retrying after commit", len(ids))
        enqueue_on_commit(tasks.refresh_people, ids)


def _rebuild_later() -> None:
    """Rebuild everything once after the commit, however many changes the transaction made.

    The pending rebuild is found among the transaction's own on-commit callbacks, so a rolled
    back transaction leaves nothing behind that could hold back the next one's rebuild."""
    from django.db import connection

    from . import tasks

    if any(getattr(entry[1], "rebuilds_coverage", False) for entry in connection.run_on_commit):
        return

    def send():
        enqueue_on_commit(tasks.rebuild_coverage)  # sent at once; a broker outage is logged

    send.rebuilds_coverage = True
    transaction.on_commit(send)


def on_summary_saved(sender, instance, raw=False, **kwargs):
    """Learner summaries are saved by every service that changes standings, due dates or
    completions (``refresh_learner_summary``), after the tier standings."""
    if not raw:
        _refresh([instance.user_id])


def on_standing_changed(sender, instance, raw=False, **kwargs):
    """A tier standing or a completion (course figures count completions) changed."""
    if not raw:
        _refresh([instance.user_id])


def on_progress_saved(sender, instance, created=False, raw=False, **kwargs):
    """A module opened for the first time: the person has started."""
    if created and not raw:
        from courses.models import Enrolment

        user_id = (
            Enrolment.objects.filter(pk=instance.enrolment_id)
            .values_list("user_id", flat=True)
            .first()
        )
        # Entries count someone with module progress as started, even before their learner
        # summary says so later in the same transaction.
        _refresh([user_id])


def on_membership_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh([instance.user_id])


def on_job_role_saved(sender, instance, created=False, raw=False, **kwargs):
    """A role's required tier may have changed: everyone in the role, after the commit."""
    if created or raw:
        return
    from lms.workforce.models import Membership

    from . import tasks

    ids = list(
        Membership.objects.filter(job_role=instance).values_list("user_id", flat=True).distinct()
    )
    if ids:
        enqueue_on_commit(tasks.refresh_people, ids)


def on_session_signed_off(sender, supervisees=(), **kwargs):
    _refresh([person.pk for person in supervisees])


def on_framework_changed(sender, raw=False, **kwargs):
    """Courses published or withdrawn, enrolment rules, supervision targets or tiers changed:
    what is required of whom changes for everyone."""
    if not raw:
        _rebuild_later()


def on_people_changed(sender, user_ids=(), defer_aggregates=False, **kwargs):
    """A bulk write (an import's chunk, recognised learning): entries now, and the units' tallies
    now or when the writer says they are due (``on_aggregates_due``). Returns those units."""
    from . import facts

    return facts.refresh_people(user_ids, tallies=not defer_aggregates)


def on_aggregates_due(sender, unit_ids=(), **kwargs):
    from . import facts

    facts.refresh_tallies(unit_ids)
