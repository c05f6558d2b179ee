"""What courses does when something happens elsewhere (connected in ``CoursesConfig.ready``).

Receivers are thin: they call a service or enqueue a task.
"""

from lms.celery import enqueue_on_commit


def on_membership_started(sender, membership, **kwargs):
    """Someone started in a job role: enrol them on what the role requires (in the same
    transaction as the membership)."""
    from . import services

    if membership.job_role_id is None:
        return
    services.enrol_required_courses(
        user=membership.user, job_roles=[membership.job_role], on=membership.start_date
    )


def on_memberships_started_in_bulk(sender, starts=(), **kwargs):
    """Many people started in job roles at once (a staff import's chunk): enrol them set-based."""
    from . import services

    services.enrol_required_in_bulk(starts=starts)


def on_session_signed_off(sender, supervisees=(), **kwargs):
    """Supervision hours changed: the tiers held from T2 up depend on them."""
    from . import services

    for person in supervisees:
        services.refresh_standing(user=person)


def on_course_published(sender, instance, **kwargs):
    """A course was published, unpublished or deleted: which courses are core to a tier may have
    changed, so everyone's standing is recomputed after the commit (in the background). A core
    course published for the first time is also assigned to everyone whose role requires it."""
    from content.models import CoursePage
    from lms.workforce.models import JobRole

    from . import tasks

    # Only core courses count towards tiers. (A course switched from core to optional is caught
    # by the nightly refresh.)
    if not isinstance(instance, CoursePage) or not instance.required_for_tier:
        return
    first_publication = (
        instance.live
        and instance.first_published_at is not None
        and instance.first_published_at == instance.last_published_at
    )
    role_ids = (
        list(
            JobRole.objects.filter(
                is_active=True, required_tier__order__gte=instance.tier.order
            ).values_list("pk", flat=True)
        )
        if first_publication
        else []
    )
    # Outside a transaction (Wagtail publishes without one) these are sent at once; either way a
    # broker outage is logged, never raised at the person publishing.
    enqueue_on_commit(tasks.refresh_standings)
    for role_id in role_ids:
        enqueue_on_commit(tasks.enrol_role_members, role_id)


def on_enrolment_rule_saved(sender, instance, raw=False, **kwargs):
    """An enrolment rule was added or switched on: people already in the role get the course
    too (in the background, after the commit)."""
    from . import tasks

    if raw or not instance.is_active:
        return
    enqueue_on_commit(tasks.enrol_role_members, instance.job_role_id)


def on_default_job_roles_loaded(sender, **kwargs) -> list[str]:
    """The default job roles were loaded: load the default role requirements (the enrolment
    rules of ``content/curriculum/role_requirements.yaml``) and say what happened."""
    from . import services

    outcome = services.load_default_role_requirements()
    lines = [f"  enrolment rule created: {rule}" for rule in outcome.created]
    lines.append(
        f"Role requirements: {len(outcome.created)} created, {outcome.kept} loaded before "
        "(left as they are)."
    )
    if outcome.waiting:
        lines.append(
            "Not loaded yet (job role or course missing; run `manage.py load_curriculum` "
            "first): " + "; ".join(outcome.waiting)
        )
    return lines
