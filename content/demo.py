"""A change awaiting review for ``seed_demo`` (owned by content), so that the demo reviewer's
"Awaiting your review" panel has something to approve.

The demo trainer edits a module's summary and submits it to the "Course review" workflow, as
the Wagtail editor's "Submit to Course review" does. The live page is unchanged until a reviewer
approves. Idempotent: nothing is submitted while a change to that module is in review.
"""

from django.db import transaction
from wagtail.models import WorkflowState

from .models import ModulePage
from .moderation import ensure_course_review_workflow

DEMO_SUMMARY_SUFFIX = " Now with a short practice example to try with a family this week."


@transaction.atomic
def submit_demo_change(trainer) -> WorkflowState | None:
    """Submit a trainer's edit of the first live module for review; ``None`` if there is no
    module or a change to it is already in review."""
    page = ModulePage.objects.live().order_by("path").first()
    if page is None:
        return None
    if WorkflowState.objects.active().for_instance(page).exists():
        return None
    draft = page.get_latest_revision_as_object()
    if not draft.summary.endswith(DEMO_SUMMARY_SUFFIX):
        limit = ModulePage._meta.get_field("summary").max_length
        draft.summary = (draft.summary[: limit - len(DEMO_SUMMARY_SUFFIX)]) + DEMO_SUMMARY_SUFFIX
    draft.save_revision(user=trainer)
    workflow = ensure_course_review_workflow()
    return workflow.start(page, trainer)
