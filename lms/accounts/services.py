"""Writes about accounts that mean something beyond saving a form: the audit entry of a change
to what an account may do (administrator rights, groups such as Trainers, active or not)."""

from __future__ import annotations

AUDIT_ROLE_CHANGE = "accounts.role_change"


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
