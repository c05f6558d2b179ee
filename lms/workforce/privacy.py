"""Personal data held by the workforce: where the person works (memberships), invitations sent
to their addresses, and the lines about them in staff import files.

Erasure keeps memberships (coverage figures are counted from them; they stay attached to the
anonymised account), deletes invitations to the person's addresses, and removes the person's
lines from stored staff import files and reports.
"""

from __future__ import annotations

import hashlib

from django.db.models import Q
from django.utils import timezone

from lms.personal_data import ERASED_NAME, email_addresses, erased_email, plain, redact

from .models import Invitation, Membership, StaffImport, StaffNumber

SECTION = "workforce"


def export(user) -> dict:
    today = timezone.localdate()
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("unit", "job_role", "job_role__required_tier")
        .order_by("start_date", "pk")
    )
    invitations = (
        Invitation.objects.filter(email__in=email_addresses(user))
        .select_related("unit", "job_role")
        .order_by("created_at", "pk")
    )
    return plain(
        {
            "memberships": [
                {
                    "unit": m.unit.name,
                    "unit_kind": m.unit.get_kind_display(),
                    "unit_code": m.unit.code,
                    "job_role": m.job_role.name if m.job_role else None,
                    "required_tier": m.job_role.required_tier.code if m.job_role else None,
                    "manager_of_unit": m.is_manager,
                    "start_date": m.start_date,
                    "end_date": m.end_date,
                    "current": m.is_active_on(today),
                }
                for m in memberships
            ],
            "staff_numbers": [
                {"organisation": n.organisation.name, "number": n.number}
                for n in StaffNumber.objects.filter(user=user).select_related("organisation")
            ],
            "invitations": [
                {
                    "email": i.email,
                    "name_given": i.display_name,
                    "unit": i.unit.name,
                    "job_role": i.job_role.name if i.job_role else None,
                    "manager_of_unit": i.is_manager,
                    "created_at": i.created_at,
                    "sent_at": i.sent_at,
                    "expires_at": i.expires_at,
                    "accepted_at": i.accepted_at,
                    "status": i.status,
                }
                for i in invitations
            ],
        }
    )


def _scrub_csv(content: str, needles: list[str]) -> tuple[str, int]:
    """``content`` without the lines that mention one of ``needles`` (the header is kept)."""
    lines = content.splitlines(keepends=True)
    kept, removed = lines[:1], 0
    for line in lines[1:]:
        if any(n in line.lower() for n in needles):
            removed += 1
        else:
            kept.append(line)
    return "".join(kept), removed


def _scrub_staff_imports(user, addresses: list[str]) -> int:
    """Remove the person's lines from the stored files and their rows' email and name from the
    reports (the row stays, so the report's counts still add up)."""
    if not addresses:
        return 0
    scrubbed = 0
    replacement = erased_email(user.pk)
    mentioning = Q(pk__in=[])
    for address in addresses:
        mentioning |= Q(content__icontains=address)
    for staff_import in StaffImport.objects.select_for_update().filter(mentioning):
        rows = staff_import.report.get("rows", []) if isinstance(staff_import.report, dict) else []
        content, _ = _scrub_csv(staff_import.content, addresses)
        for row in rows:
            if (row.get("email") or "").lower() not in addresses:
                continue
            row["email"] = replacement
            row["name"] = ERASED_NAME if row.get("name") else ""
            row["errors"] = [redact(e, addresses, replacement) for e in row.get("errors", [])]
        staff_import.content = content
        staff_import.content_sha256 = hashlib.sha256(content.encode()).hexdigest()
        staff_import.save(update_fields=["content", "content_sha256", "report"])
        scrubbed += 1
    return scrubbed


def erase(user) -> dict:
    addresses = email_addresses(user)
    invitations = Invitation.objects.filter(email__in=addresses).delete()[0]
    invitations += Invitation.objects.filter(accepted_by=user).delete()[0]
    return {
        "staff_numbers_deleted": StaffNumber.objects.filter(user=user).delete()[0],
        "memberships_kept": Membership.objects.filter(user=user).count(),
        "invitations_deleted": invitations,
        "staff_imports_scrubbed": _scrub_staff_imports(user, addresses),
    }
