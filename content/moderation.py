"""Moderation of course content: who may author and who approves.

Trainers add and edit course pages and submit them for review; Reviewers approve them through
the "Course review" workflow (a group approval task for Reviewers) before anything is published.
A data migration (``0005_moderation``) sets up the groups and the workflow; the catalogue page
usually appears later (the curriculum loader creates it), so the loader calls
``ensure_catalogue_moderation`` for it. Every function here is idempotent.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .groups import REVIEWERS, TRAINERS

WORKFLOW_NAME = "Course review"
TASK_NAME = "Approval by Reviewers"

# Page permissions on the catalogue (and so on every course and module below it).
PAGE_PERMISSIONS = {
    TRAINERS: ["add_page", "change_page"],
    REVIEWERS: ["add_page", "change_page", "publish_page"],
}
# Model permissions: (app_label, codename).
MODEL_PERMISSIONS = {
    TRAINERS: [
        ("wagtailadmin", "access_admin"),
        ("content", "view_tier"),
        ("content", "change_tier"),
        ("content", "view_competencyarea"),
        ("content", "change_competencyarea"),
        # The glossary is the courses' vocabulary: trainers keep it up to date.
        *[("glossary", f"{action}_glossaryterm") for action in ("view", "add", "change")],
        # Trainers schedule workshop sessions.
        *[("workshops", f"{action}_workshopsession") for action in ("view", "add", "change")],
    ],
    REVIEWERS: [
        ("wagtailadmin", "access_admin"),
        *[
            ("content", f"{action}_{model}")
            for model in ("tier", "competencyarea")
            for action in ("view", "add", "change", "delete")
        ],
        *[("glossary", f"{action}_glossaryterm") for action in ("view", "add", "change", "delete")],
    ],
}
# Images and documents in the root collection, for lesson images and downloadable resources.
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_authoring_groups() -> dict[str, Group]:
    """The Trainers and Reviewers groups; a group that is missing is created with its
    permissions (an existing group is left as its administrators set it)."""
    groups = {}
    for name in (TRAINERS, REVIEWERS):
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.add(*[_permission(*p) for p in MODEL_PERMISSIONS[name]])
            root = Collection.get_first_root_node()
            for app_label, codename in COLLECTION_PERMISSIONS:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root, permission=_permission(app_label, codename)
                )
        groups[name] = group
    return groups


@transaction.atomic
def ensure_course_review_workflow() -> Workflow:
    """The "Course review" workflow with its one task: approval by the Reviewers group."""
    groups = ensure_authoring_groups()
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.workflow_tasks.exists():
        task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
        if task is None:
            task = GroupApprovalTask.objects.create(name=TASK_NAME)
            task.groups.set([groups[REVIEWERS]])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


@transaction.atomic
def ensure_catalogue_moderation(catalogue: Page) -> list[str]:
    """Give Trainers and Reviewers their page permissions on the catalogue and assign the
    "Course review" workflow to it unless it already has a workflow of its own.

    Returns what it changed, for the loader's report (empty when nothing was needed).
    """
    changes = []
    groups = ensure_authoring_groups()
    for name, codenames in PAGE_PERMISSIONS.items():
        for codename in codenames:
            _, created = GroupPagePermission.objects.get_or_create(
                group=groups[name], page=catalogue, permission=_permission("wagtailcore", codename)
            )
            if created:
                changes.append(f"gave {name} the {codename.removesuffix('_page')} permission")
    if not WorkflowPage.objects.filter(page=catalogue).exists():
        workflow = ensure_course_review_workflow()
        WorkflowPage.objects.create(page=catalogue, workflow=workflow)
        changes.append(f'assigned the "{workflow.name}" workflow')
    return changes
