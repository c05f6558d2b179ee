from lms.celery import idempotent_task


@idempotent_task
def send_invitation_email(invitation_id: int, token: str) -> None:
    from .emails import send_invitation

    send_invitation(invitation_id=invitation_id, token=token)
