"""Background jobs of drafts: forgetting the ones nobody came back to."""

from lms import privacy
from lms.celery import idempotent_task


@idempotent_task(name="drafts.purge_stale")
def purge_stale() -> int:
    """Daily: delete drafts untouched for ``DRAFT_RETENTION_DAYS`` (30 by default). Returns how
    many were deleted; running it again deletes nothing more."""
    return privacy.stale_drafts().delete()[0]
