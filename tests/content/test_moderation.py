"""Moderation: trainers edit and submit, reviewers approve, and nothing is live before that."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import GroupPagePermission, WorkflowPage, WorkflowState

from content.groups import REVIEWERS, TRAINERS
from content.models import CourseIndexPage, ModulePage
from tests.content.admin_forms import edit_form_data

pytestmark = pytest.mark.django_db


def module(slug="first-module", course="alpha") -> ModulePage:
    return ModulePage.objects.get(slug=slug, url_path__contains=f"/{course}/")


def page_permissions(group_name: str, catalogue) -> set[str]:
    return set(
        GroupPagePermission.objects.filter(group__name=group_name, page=catalogue).values_list(
            "permission__codename", flat=True
        )
    )


def test_groups_exist_after_migrations_with_admin_access_and_snippet_permissions():
    trainers = Group.objects.get(name=TRAINERS)
    reviewers = Group.objects.get(name=REVIEWERS)
    trainer_perms = set(trainers.permissions.values_list("codename", flat=True))
    reviewer_perms = set(reviewers.permissions.values_list("codename", flat=True))
    assert {"access_admin", "change_tier", "change_competencyarea"} <= trainer_perms
    assert {"add_glossaryterm", "change_glossaryterm"} <= trainer_perms
    assert not trainer_perms & {"add_tier", "delete_tier", "delete_competencyarea"}
    assert {"access_admin", "add_tier", "change_tier", "delete_tier"} <= reviewer_perms
    assert {"add_competencyarea", "change_competencyarea", "delete_competencyarea"} <= (
        reviewer_perms
    )


def test_loading_the_catalogue_sets_up_page_permissions_and_the_workflow(loaded_mini):
    catalogue = CourseIndexPage.objects.get()
    assert page_permissions(TRAINERS, catalogue) == {"add_page", "change_page"}
    assert page_permissions(REVIEWERS, catalogue) == {"add_page", "change_page", "publish_page"}
    workflow = WorkflowPage.objects.get(page=catalogue).workflow
    assert workflow.name == "Course review"
    task = workflow.tasks.get().specific
    assert list(task.groups.values_list("name", flat=True)) == [REVIEWERS]
    # A course inherits it.
    assert module().get_workflow() == workflow

    # Loading again changes nothing.
    loaded_mini.load()
    assert WorkflowPage.objects.filter(page=catalogue).count() == 1
    assert GroupPagePermission.objects.filter(page=catalogue).count() == 5


def test_trainer_submits_reviewer_approves_then_learners_see_it(
    loaded_mini, client, trainer, reviewer
):
    page = module()
    live_url = page.url
    assert "Watch the baby" in client.get(live_url).content.decode()

    # A trainer edits the module and submits it for review.
    client.force_login(trainer)
    data = edit_form_data(
        client, page, body_text={0: "<p>Watch the eyes and hands of the baby, calmly.</p>"}
    )
    data["action-submit"] = "Submit to Course review"
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    state = WorkflowState.objects.get(
        object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS
    )
    assert state.workflow.name == "Course review"

    # Not live yet: learners still see the approved text.
    client.logout()
    body = client.get(live_url).content.decode()
    assert "Watch the eyes and hands of the baby" not in body
    assert "Watch the baby" in body

    # While it is in review, the page is locked for the trainer: no further edits, no publishing.
    client.force_login(trainer)
    data = edit_form_data(client, page, body_text={0: "<p>Published by a trainer.</p>"})
    data["action-publish"] = "Publish"
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    client.logout()
    assert "Published by a trainer" not in client.get(live_url).content.decode()
    assert page.revisions.count() == 2  # the loader's and the one submitted

    # The reviewer approves the submitted revision...
    client.force_login(reviewer)
    state.refresh_from_db()
    task_state = state.current_task_state
    response = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]),
        {"comment": "Clear and accurate."},
    )
    assert response.status_code in (200, 302)
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED

    # ... and learners see it.
    client.logout()
    page.refresh_from_db()
    assert page.live_revision == state.current_task_state.revision
    assert "Watch the eyes and hands of the baby, calmly." in client.get(live_url).content.decode()


def test_rejected_change_never_goes_live(loaded_mini, client, trainer, reviewer):
    page = module()
    client.force_login(trainer)
    data = edit_form_data(client, page, body_text={0: "<p>A doubtful claim.</p>"})
    data["action-submit"] = "Submit to Course review"
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    state = WorkflowState.objects.get(object_id=str(page.pk))

    client.force_login(reviewer)
    client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[page.pk, "reject", state.current_task_state.pk],
        ),
        {"comment": "Please check the evidence."},
    )
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    client.logout()
    assert "A doubtful claim" not in client.get(page.url).content.decode()


def test_trainer_can_open_the_admin_and_edit_courses_but_not_the_home_page(
    loaded_mini, client, trainer
):
    client.force_login(trainer)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert client.get(reverse("wagtailadmin_pages:edit", args=[module().pk])).status_code == 200
    home = CourseIndexPage.objects.get().get_parent()
    assert client.get(reverse("wagtailadmin_pages:edit", args=[home.pk])).status_code in (302, 403)
