from django.utils import timezone

from lms.emails import send_templated_email

from .models import Invitation


def send_invitation(*, invitation_id: int, token: str) -> None:
    """Email an invitation link, unless the invitation has meanwhile been used or withdrawn, or
    the token has been replaced by a newer one (a resend)."""
    from .services import invitation_url

    invitation = (
        Invitation.objects.select_related("unit", "job_role", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.status != "pending":
        return
    if invitation.token_hash != Invitation.hash_token(token):
        return
    send_templated_email(
        to=[invitation.email],
        template_prefix="workforce/email/invitation",
        context={"invitation": invitation, "url": invitation_url(token)},
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())


def send_import_finished(*, staff_import_id: int) -> None:
    """Tell the uploader that their staff import has ended (imported, cancelled or failed)."""
    from django.urls import reverse

    from lms.site_url import site_url

    from .models import StaffImport

    staff_import = (
        StaffImport.objects.select_related("uploaded_by").filter(pk=staff_import_id).first()
    )
    if staff_import is None or staff_import.uploaded_by is None or not staff_import.is_finished:
        return
    send_templated_email(
        to=[staff_import.uploaded_by.email],
        template_prefix="workforce/email/import_finished",
        context={
            "staff_import": staff_import,
            "counts": staff_import.counts,
            "url": site_url() + reverse("workforce:import_detail", args=[staff_import.pk]),
        },
    )
