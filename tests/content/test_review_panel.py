"""A reviewer's dashboard lists what awaits their review, each with visible Approve and Request
changes buttons (issue 15, item 14: Approve was hidden in an unlabelled menu)."""

import re

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState

from content.models import ModulePage
from tests.content.admin_forms import edit_form_data

pytestmark = pytest.mark.django_db


def submit_for_review(client, trainer, page):
    client.force_login(trainer)
    data = edit_form_data(client, page, body_text={0: "<p>Watch the eyes, calmly.</p>"})
    data["action-submit"] = "Submit to Course review"
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    return WorkflowState.objects.get(object_id=str(page.pk), status="in_progress")


def forms_on(html: str) -> dict[str, str]:
    """Button text -> the action of its form."""
    found = {}
    for action, body in re.findall(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', html, re.S):
        for text in re.findall(r"<button[^>]*>([^<]+)", body):
            found[text.strip()] = action
    return found


def test_the_reviewer_approves_from_a_visible_button_on_the_dashboard(
    loaded_mini, client, trainer, reviewer
):
    page = ModulePage.objects.get(slug="first-module", url_path__contains="/alpha/")
    state = submit_for_review(client, trainer, page)
    client.force_login(reviewer)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Awaiting your review" in html
    assert page.title in html
    forms = forms_on(html)
    task_state = state.current_task_state
    assert forms["Approve"] == reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]
    )
    assert forms["Request changes"] == reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, "reject", task_state.pk]
    )
    client.post(forms["Approve"], {"comment": ""})
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_a_trainer_sees_no_review_panel(loaded_mini, client, trainer):
    client.force_login(trainer)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Awaiting your review" not in html
