"""Writes about accounts that mean something beyond saving a form: the audit entry of a change
to what an account may do (administrator rights, groups such as Trainers, active or not), and
single sign-on's: placing a person who first signs in with their organisation's account in that
organisation, and the audit entry of a refused sign-in."""

from __future__ import annotations

from django.db import transaction

AUDIT_ROLE_CHANGE = "accounts.role_change"
AUDIT_SSO_JOINED = "accounts.sso_joined"
AUDIT_SSO_REFUSED = "accounts.sso_refused"


def access_snapshot(user) -> dict:
    """What an account may do, as it is in the database now."""
    return {
        "administrator": user.is_superuser,
        "active": user.is_active,
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }


def audit_access_change(*, user, by, before: dict | None, after: dict) -> bool:
    """Write a change of administrator rights, groups or active status to the audit log
    (nothing if nothing changed). ``before`` is None for a new account."""
    from wagtail.log_actions import log

    if before == after or (before is None and not (after["administrator"] or after["groups"])):
        return False
    log(user, AUDIT_ROLE_CHANGE, user=by, data={"before": before, "after": after})
    return True


def place_in_organisation(*, user, sign_on):
    """Place a person whose account single sign-on has just made in the organisation, with no
    team or job role yet: its administrators see them as needing a team and role. Running it
    again (a retried callback) adds nothing."""
    from wagtail.log_actions import log

    from lms.workforce.models import Membership

    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, unit=sign_on.organisation, job_role=None, end_date=None
        )
    if created:
        log(
            user,
            AUDIT_SSO_JOINED,
            user=user,
            data={"organisation": sign_on.organisation.code, "provider": sign_on.app.name},
        )
    return membership


def audit_sso_refusal(*, app, reason: str, detail: str = "", email: str = "") -> None:
    """Write a refused single sign-on (an unknown domain, a tampered or expired response, a
    wrong audience...) to the audit log, against the identity provider."""
    from wagtail.log_actions import log

    if app is None or app.pk is None:
        return
    log(
        app,
        AUDIT_SSO_REFUSED,
        data={"reason": reason, "detail": str(detail)[:500], "email": email},
    )
