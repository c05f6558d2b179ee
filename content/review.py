"""The reviewer's panel on the admin dashboard: every change awaiting their review, each with
visible Approve and Request changes buttons (Wagtail's own panel keeps them in an unlabelled
menu). The buttons post to Wagtail's own workflow actions, so approving here is approving."""

from django.urls import reverse
from wagtail.admin.ui.components import Component
from wagtail.models import Page, TaskState


class AwaitingReviewPanel(Component):
    name = "awaiting_review"
    order = 50  # first on the dashboard
    template_name = "content/admin/awaiting_review_panel.html"

    def __init__(self, items: list[dict]):
        self.items = items

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["items"] = self.items
        context["csrf_token"] = parent_context.get("csrf_token")
        return context


def awaiting_review(user) -> list[dict]:
    """The pages awaiting ``user``'s review, newest first, with the URLs of their actions."""
    states = (
        TaskState.objects.reviewable_by(user)
        .select_related("revision", "revision__user", "workflow_state")
        .order_by("-started_at")
    )
    items = []
    for state in states:
        page = state.revision.content_object
        if not isinstance(page, Page):
            continue

        def action(name, page=page, state=state):
            return reverse("wagtailadmin_pages:workflow_action", args=[page.pk, name, state.pk])

        items.append(
            {
                "page": page,
                "submitted_by": state.revision.user,
                "submitted_at": state.started_at,
                "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
                "preview_url": reverse(
                    "wagtailadmin_pages:workflow_preview", args=[page.pk, state.task_id]
                ),
                "approve_url": action("approve"),
                "reject_url": action("reject"),
            }
        )
    return items


def add_review_panel(request, panels) -> None:
    """``construct_homepage_panels``: the panel, for anyone with something to review."""
    items = awaiting_review(request.user)
    if items:
        panels.append(AwaitingReviewPanel(items))
