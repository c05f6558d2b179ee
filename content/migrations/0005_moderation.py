"""Authoring groups and the "Course review" workflow.

Trainers edit and submit; Reviewers approve (a group approval task) and publish. The catalogue
page usually does not exist yet when this runs (``load_curriculum`` creates it and then assigns
the workflow and page permissions through ``content.moderation``); if it does, they are
assigned here. Historical models only, so the migration keeps working as the code changes.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRAINERS = "Trainers"
REVIEWERS = "Reviewers"
WORKFLOW_NAME = "Course review"
TASK_NAME = "Approval by Reviewers"

PAGE_PERMISSIONS = {
    TRAINERS: ["add_page", "change_page"],
    REVIEWERS: ["add_page", "change_page", "publish_page"],
}
MODEL_PERMISSIONS = {
    TRAINERS: [
        ("wagtailadmin", "access_admin"),
        ("content", "view_tier"),
        ("content", "change_tier"),
        ("content", "view_competencyarea"),
        ("content", "change_competencyarea"),
    ],
    REVIEWERS: [("wagtailadmin", "access_admin")]
    + [
        ("content", f"{action}_{model}")
        for model in ("tier", "competencyarea")
        for action in ("view", "add", "change", "delete")
    ],
}
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def _ensure_permissions_exist(apps):
    # Django creates model permissions after all migrations; this one needs them now.
    for app_label in ("wagtailcore", "wagtailimages", "wagtaildocs", "content"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def set_up_moderation(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    Group = apps.get_model("auth.Group")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    CourseIndexPage = apps.get_model("content.CourseIndexPage")

    _ensure_permissions_exist(apps)

    def permission(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    groups = {}
    root_collection = Collection.objects.filter(depth=1).first()
    for name in (TRAINERS, REVIEWERS):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*[permission(*p) for p in MODEL_PERMISSIONS[name]])
        if root_collection is not None:
            for app_label, codename in COLLECTION_PERMISSIONS:
                GroupCollectionPermission.objects.get_or_create(
                    group=group,
                    collection=root_collection,
                    permission=permission(app_label, codename),
                )
        groups[name] = group

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
        if task is None:
            content_type, _ = ContentType.objects.get_or_create(
                app_label="wagtailcore", model="groupapprovaltask"
            )
            task = GroupApprovalTask.objects.create(
                name=TASK_NAME, content_type=content_type, active=True
            )
            task.groups.set([groups[REVIEWERS]])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)

    for catalogue in CourseIndexPage.objects.all():
        for name, codenames in PAGE_PERMISSIONS.items():
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=groups[name],
                    page_id=catalogue.pk,
                    permission=permission("wagtailcore", codename),
                )
        if not WorkflowPage.objects.filter(page_id=catalogue.pk).exists():
            WorkflowPage.objects.create(page_id=catalogue.pk, workflow=workflow)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0004_standard_page_curriculum_record_cpd_hours"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(set_up_moderation, migrations.RunPython.noop)]
