from lms.celery import idempotent_task


@idempotent_task
def send_invitation_email(invitation_id: int, token: str) -> None:
    from .emails import send_invitation

    send_invitation(invitation_id=invitation_id, token=token)


@idempotent_task
def send_invitation_emails(pairs: list) -> None:
    """Invitations made in bulk (a staff import's chunk): ``[(invitation id, token), ...]``."""
    from .emails import send_invitation

    for invitation_id, token in pairs:
        send_invitation(invitation_id=invitation_id, token=token)


@idempotent_task(soft_time_limit=3300, time_limit=3600)
def run_staff_import(staff_import_id: int) -> None:
    """Apply a confirmed staff import in chunks (see ``lms.workforce.imports``). Redelivered
    after a killed worker, it carries on from the last chunk that was committed."""
    from .imports import staff_import_run

    staff_import_run(staff_import_id=staff_import_id)


@idempotent_task
def send_import_finished_email(staff_import_id: int) -> None:
    from .emails import send_import_finished

    send_import_finished(staff_import_id=staff_import_id)


@idempotent_task(name="workforce.resume_imports")
def resume_imports() -> list[int]:
    """Every few minutes (beat): restart imports that have stalled."""
    from .imports import resume_stalled_imports

    return resume_stalled_imports()
