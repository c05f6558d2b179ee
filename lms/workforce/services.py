"""Writes to the workforce: units, memberships, invitations and staff import.

Every function is keyword-only and transactional. Memberships start and end only here, so the
``membership_started`` / ``membership_ended`` signals always fire (other apps assign required
training and refresh coverage on them), and every role change is written to the audit log
(``workforce.membership_*``) with who made it when the caller knows (``by``).
"""

import re
import secrets
from datetime import date, timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.celery import enqueue_on_commit

from . import signals
from .models import Administrator, Invitation, JobRole, Membership, OrganisationUnit
from .selectors import administers_unit, forget_account_flags, forget_roles, manages_unit

User = get_user_model()

INVITATION_VALID_DAYS = getattr(settings, "INVITATION_VALID_DAYS", 14)


# --- Units ----------------------------------------------------------------------------------


def _check_parent(kind: str, parent: OrganisationUnit | None) -> None:
    expected = OrganisationUnit.expected_depth(kind)
    actual = 1 if parent is None else parent.depth + 1
    if expected != actual:
        needs = {1: "no parent", 2: "a region as its parent", 3: "an organisation as its parent"}
        raise ValidationError(
            {"parent": f"A {OrganisationUnit.Kind(kind).label.lower()} needs {needs[expected]}."}
        )


@transaction.atomic
def unit_create(
    *,
    name: str,
    code: str,
    kind: str,
    parent: OrganisationUnit | None = None,
    sector: str = "",
) -> OrganisationUnit:
    _check_parent(kind, parent)
    unit = OrganisationUnit(name=name, code=code, kind=kind, sector=sector)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return OrganisationUnit.add_root(instance=unit)
    parent.refresh_from_db()
    return parent.add_child(instance=unit)


@transaction.atomic
def unit_update(
    *, unit: OrganisationUnit, parent: OrganisationUnit | None = None, **fields
) -> OrganisationUnit:
    for name, value in fields.items():
        setattr(unit, name, value)
    _check_parent(unit.kind, parent)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit.save()
    current_parent = unit.get_parent()
    if parent is not None and (current_parent is None or current_parent.pk != parent.pk):
        unit.move(parent, pos="sorted-child")
        unit.refresh_from_db()
    return unit


# --- Memberships ----------------------------------------------------------------------------

# Role changes in the audit log (Wagtail's "Site history" report), written on the membership.
AUDIT_MEMBERSHIP_START = "workforce.membership_start"
AUDIT_MEMBERSHIP_END = "workforce.membership_end"
AUDIT_MEMBERSHIP_MOVE = "workforce.membership_move"
AUDIT_MANAGER_GRANTED = "workforce.manager_granted"
AUDIT_MEMBERSHIP_CORRECT = "workforce.membership_correct"


def membership_audit_data(membership: Membership, **extra) -> dict:
    """What the audit log records of a membership change (here and in bulk by imports)."""
    return {
        "person_id": membership.user_id,
        "unit": membership.unit.name,
        "unit_id": membership.unit_id,
        "job_role": membership.job_role.name if membership.job_role else None,
        "is_manager": membership.is_manager,
        "start_date": membership.start_date.isoformat(),
        "end_date": membership.end_date.isoformat() if membership.end_date else None,
        **extra,
    }


def _audit(membership: Membership, action: str, by, **extra) -> None:
    from wagtail.log_actions import log

    log(membership, action, user=by, data=membership_audit_data(membership, **extra))


def _start(
    *, user, unit, job_role, is_manager: bool, start_date: date | None
) -> tuple[Membership, bool, bool]:
    """``(membership, created, manager_rights_granted)``; see ``membership_start``."""
    start_date = start_date or timezone.localdate()
    existing = (
        Membership.objects.select_for_update()
        .filter(user=user, unit=unit, job_role=job_role, end_date__isnull=True)
        .first()
    )
    if existing:
        if is_manager and not existing.is_manager:
            existing.is_manager = True
            existing.save(update_fields=["is_manager"])
            forget_roles(user)
            return existing, False, True
        return existing, False, False
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user,
                unit=unit,
                job_role=job_role,
                is_manager=is_manager,
                start_date=start_date,
            )
    except IntegrityError:
        # A concurrent request created it first.
        return (
            Membership.objects.get(user=user, unit=unit, job_role=job_role, end_date__isnull=True),
            False,
            False,
        )
    forget_roles(user)
    signals.membership_started.send(sender=Membership, membership=membership)
    return membership, True, False


@transaction.atomic
def membership_start(
    *,
    user,
    unit: OrganisationUnit,
    job_role: JobRole | None,
    is_manager: bool = False,
    start_date: date | None = None,
    by=None,
) -> tuple[Membership, bool]:
    """Start (or return the already open) membership of ``user`` in ``unit`` and ``job_role``.

    Returns ``(membership, created)``. Safe to call twice: the second call changes nothing except
    granting manager rights if asked. ``by`` (who made the change, when known) goes into the
    audit log with it.
    """
    membership, created, granted = _start(
        user=user, unit=unit, job_role=job_role, is_manager=is_manager, start_date=start_date
    )
    if created:
        _audit(membership, AUDIT_MEMBERSHIP_START, by)
    elif granted:
        _audit(membership, AUDIT_MANAGER_GRANTED, by)
    return membership, created


def _end(membership: Membership, end_date: date | None) -> Membership:
    end_date = end_date or timezone.localdate()
    if end_date < membership.start_date:
        raise ValidationError({"end_date": "The end date must be on or after the start date."})
    membership.end_date = end_date
    membership.save(update_fields=["end_date"])
    forget_roles(membership.user)
    signals.membership_ended.send(sender=Membership, membership=membership)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, end_date: date | None = None, by=None) -> Membership:
    _end(membership, end_date)
    _audit(membership, AUDIT_MEMBERSHIP_END, by)
    return membership


def _loggable(value):
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "pk", value)


@transaction.atomic
def membership_correct(*, membership: Membership, changes: dict, by=None) -> Membership:
    """Save an administrator's correction of a membership (``{field: (old, new)}``: unit, job
    role, manager rights, dates) and write what changed to the audit log. Starting, ending and
    moving have their own services; this is for putting a wrong record right."""
    for name, (_old, new) in changes.items():
        setattr(membership, name, new)
    membership.save(update_fields=list(changes))
    forget_roles(membership.user)
    if "job_role" in changes and membership.job_role_id and membership.end_date is None:
        # A corrected role requires what any start in that role requires.
        signals.membership_started.send(sender=Membership, membership=membership)
    _audit(
        membership,
        AUDIT_MEMBERSHIP_CORRECT,
        by,
        changed={name: [_loggable(o), _loggable(n)] for name, (o, n) in changes.items()},
    )
    return membership


@transaction.atomic
def membership_move(
    *,
    membership: Membership,
    to_unit: OrganisationUnit,
    on: date | None = None,
    by=None,
    job_role: JobRole | None = None,
) -> Membership:
    """Move someone to another team, in the same role or (``job_role``) a new one: the old
    membership ends the day before. One audit entry (on the new membership) records the move.
    The new role's required courses are assigned as for any start."""
    on = on or timezone.localdate()
    _end(membership, max(membership.start_date, on - timedelta(1)))
    new, _, _ = _start(
        user=membership.user,
        unit=to_unit,
        job_role=job_role or membership.job_role,
        is_manager=membership.is_manager,
        start_date=on,
    )
    _audit(
        new,
        AUDIT_MEMBERSHIP_MOVE,
        by,
        from_membership_id=membership.pk,
        from_unit=membership.unit.name,
        from_unit_id=membership.unit_id,
        from_job_role=membership.job_role.name if membership.job_role else None,
    )
    return new


# --- People ---------------------------------------------------------------------------------


def _person_for_email(*, email: str, display_name: str = "") -> tuple["User", bool]:
    """The user with this address, or a new one with no password yet (they set it when they
    accept their invitation)."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user:
        return user, False
    user = User.objects.create_user(email=email, password=None, display_name=display_name)
    return user, True


# --- Invitations ----------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def invitation_url(token: str) -> str:
    from django.urls import reverse

    from lms.site_url import site_url

    return f"{site_url()}{reverse('workforce:join', args=[token])}"


def _send_invitation(invitation: Invitation, token: str) -> None:
    from .tasks import send_invitation_email

    enqueue_on_commit(send_invitation_email, invitation.pk, token)


@transaction.atomic
def invitation_create(
    *,
    invited_by,
    email: str,
    unit: OrganisationUnit,
    job_role: JobRole | None,
    is_manager: bool = False,
    display_name: str = "",
) -> tuple[Invitation, bool]:
    """Invite someone by email to ``unit`` in ``job_role``. Returns ``(invitation, created)``.

    Inviting the same address to the same unit and role again while an invitation is open
    returns the open one (a double submit sends one email).
    """
    if not manages_unit(invited_by, unit):
        raise PermissionDenied("You can only invite people to units you manage.")
    email = email.strip().lower()
    validate_email(email)
    existing = (
        Invitation.objects.select_for_update()
        .filter(email=email, unit=unit, job_role=job_role)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if existing and existing.status == "pending":
        return existing, False
    if existing:  # expired: retire it so a fresh one can be sent
        existing.revoked_at = timezone.now()
        existing.save(update_fields=["revoked_at"])
    token = _new_token()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                email=email,
                display_name=display_name.strip(),
                unit=unit,
                job_role=job_role,
                is_manager=is_manager,
                invited_by=invited_by,
                token_hash=Invitation.hash_token(token),
                expires_at=timezone.now() + timedelta(days=INVITATION_VALID_DAYS),
            )
    except IntegrityError:
        return Invitation.objects.pending().get(email=email, unit=unit, job_role=job_role), False
    _send_invitation(invitation, token)
    return invitation, True


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by) -> Invitation:
    """Send a fresh link (the old one stops working) and extend the expiry."""
    if not manages_unit(by, invitation.unit):
        raise PermissionDenied("You can only resend invitations to units you manage.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("This invitation has already been used or withdrawn.")
    token = _new_token()
    invitation.token_hash = Invitation.hash_token(token)
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_VALID_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    if not manages_unit(by, invitation.unit):
        raise PermissionDenied("You can only withdraw invitations to units you manage.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.accepted_at and not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link refers to, whatever its state, or None."""
    return (
        Invitation.objects.select_related("unit", "job_role")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


class InvitationNotUsable(Exception):
    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


@transaction.atomic
def invitation_accept(
    *, token: str, user=None, display_name: str = "", password: str = ""
) -> tuple[Invitation, "User"]:
    """Use an invitation once. Either ``user`` (already signed in, same address) accepts it, or a
    new account is set up with ``display_name`` and ``password``. The address is marked verified
    (the person proved they receive mail there) and the person lands in the unit and role."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationNotUsable("unknown")
    if invitation.status != "pending":
        raise InvitationNotUsable(invitation.status)
    if user is not None:
        if user.email.lower() != invitation.email:
            raise InvitationNotUsable("wrong_user")
    else:
        user, _ = _person_for_email(email=invitation.email, display_name=display_name)
        if user.has_usable_password():
            raise InvitationNotUsable("has_account")
        user.display_name = display_name.strip() or user.display_name
        user.set_password(password)
        user.save()
    EmailAddress.objects.filter(user=user).exclude(email__iexact=invitation.email).update(
        primary=False
    )
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=invitation.email, defaults={"primary": True, "verified": True}
    )
    if not (address.verified and address.primary):
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    # The role was given by whoever sent the invitation.
    membership_start(
        user=user,
        unit=invitation.unit,
        job_role=invitation.job_role,
        is_manager=invitation.is_manager,
        by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation, user


# --- Staff import ---------------------------------------------------------------------------
# The import itself lives in ``imports``; these names are its public surface.

from .imports import (  # noqa: E402, F401
    IMPORT_COLUMNS,
    staff_import_apply,
    staff_import_cancel,
    staff_import_check,
    staff_import_confirm,
    staff_import_run,
)

NOT_CSV = "This does not look like a CSV file. Save it from your spreadsheet as 'CSV UTF-8'."
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def refuse_binary(content: str) -> None:
    """A NUL character never occurs in a CSV file saved as text (it does in a spreadsheet's own
    format, or in UTF-16), and no database text column can hold one."""
    if "\x00" in content:
        raise ValidationError(NOT_CSV)


# --- Default job roles ----------------------------------------------------------------------

DEFAULT_JOB_ROLES_FILE = Path(__file__).with_name("job_roles.yaml")


class DefaultJobRolesError(Exception):
    pass


@transaction.atomic
def load_default_job_roles(
    path=DEFAULT_JOB_ROLES_FILE, report: list[str] | None = None
) -> tuple[int, int]:
    """Create the default job roles that are missing. Returns ``(created, already_present)``.

    Roles that exist (by code) are left alone, so an administrator's edits survive. Then the
    apps that hang defaults on the roles load them (the courses each role requires, see
    ``default_job_roles_loaded``); what they say is added to ``report``.
    """
    import yaml

    from content.models import Tier

    entries = yaml.safe_load(path.read_text())
    tiers = {t.code: t for t in Tier.objects.all()}
    missing = sorted({e["tier"] for e in entries} - set(tiers))
    if missing:
        raise DefaultJobRolesError(
            f"Tiers {', '.join(missing)} do not exist yet; run `manage.py load_curriculum` first."
        )
    created = kept = 0
    for entry in entries:
        _, was_created = JobRole.objects.get_or_create(
            code=entry["code"],
            defaults={"name": entry["name"], "required_tier": tiers[entry["tier"]]},
        )
        created += was_created
        kept += not was_created
    for _, lines in signals.default_job_roles_loaded.send(sender=JobRole):
        if report is not None:
            report.extend(lines or [])
    return created, kept


# --- Organisation administration -----------------------------------------------------------

AUDIT_ADMINISTRATOR_GRANT = "workforce.administrator_grant"
AUDIT_ADMINISTRATOR_END = "workforce.administrator_end"
AUDIT_TEAM_CREATE = "workforce.team_create"
AUDIT_TEAM_CHANGE = "workforce.team_change"


def _check_administers(by, unit: OrganisationUnit, what: str) -> None:
    if by is not None and not administers_unit(by, unit):
        raise PermissionDenied(f"You can only {what} in an organisation you administer.")


@transaction.atomic
def administrator_grant(*, user, unit: OrganisationUnit, by=None) -> tuple[Administrator, bool]:
    """Make ``user`` an administrator of an organisation or a region (``(grant, created)``;
    granting twice changes nothing). Only site administrators grant (the Wagtail admin)."""
    from wagtail.log_actions import log

    if unit.kind == OrganisationUnit.Kind.TEAM:
        raise ValidationError(
            {"unit": "Choose an organisation or a region: teams are run by their managers."}
        )
    existing = Administrator.objects.active().filter(user=user, unit=unit).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            grant = Administrator.objects.create(user=user, unit=unit, granted_by=by)
    except IntegrityError:
        return Administrator.objects.active().get(user=user, unit=unit), False
    forget_account_flags()
    forget_roles(user)
    log(
        grant,
        AUDIT_ADMINISTRATOR_GRANT,
        user=by,
        data={"person_id": user.pk, "unit": unit.name, "unit_id": unit.pk},
    )
    return grant, True


@transaction.atomic
def administrator_end(*, grant: Administrator, by=None) -> Administrator:
    """End an administrator's rights (the grant is kept, with when it ended)."""
    from wagtail.log_actions import log

    if grant.ended_at is None:
        grant.ended_at = timezone.now()
        grant.save(update_fields=["ended_at"])
        forget_account_flags()
        forget_roles(grant.user)
        log(
            grant,
            AUDIT_ADMINISTRATOR_END,
            user=by,
            data={"person_id": grant.user_id, "unit": grant.unit.name, "unit_id": grant.unit_id},
        )
    return grant


def _unused_code(name: str, parent: OrganisationUnit) -> str:
    from django.utils.text import slugify

    base = slugify(f"{parent.code}-{name}")[:50].strip("-") or "team"
    code, n = base, 1
    while OrganisationUnit.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def team_create(
    *, organisation: OrganisationUnit, name: str, code: str = "", by=None
) -> OrganisationUnit:
    """A new team in an organisation that ``by`` administers (a code is made from the names
    when none is given)."""
    _check_administers(by, organisation, "add teams")
    if organisation.kind != OrganisationUnit.Kind.ORGANISATION:
        raise ValidationError({"organisation": "Teams sit in an organisation."})
    name = name.strip()
    if OrganisationUnit.objects.filter(
        path__startswith=organisation.path, depth=organisation.depth + 1, name__iexact=name
    ).exists():
        raise ValidationError({"name": f"{organisation.name} already has a team called {name}."})
    team = unit_create(
        name=name,
        code=code or _unused_code(name, organisation),
        kind=OrganisationUnit.Kind.TEAM,
        parent=organisation,
    )
    from wagtail.log_actions import log

    log(team, AUDIT_TEAM_CREATE, user=by, data={"organisation_id": organisation.pk})
    return team


@transaction.atomic
def team_change(*, team: OrganisationUnit, name: str, is_active: bool, by=None) -> OrganisationUnit:
    """Rename a team, or close it to new people (``is_active``): nothing is deleted."""
    _check_administers(by, team, "change teams")
    if team.kind != OrganisationUnit.Kind.TEAM:
        raise ValidationError({"name": "Only teams are changed here."})
    name = name.strip()
    parent = team.get_parent()
    if (
        OrganisationUnit.objects.filter(
            path__startswith=parent.path, depth=team.depth, name__iexact=name
        )
        .exclude(pk=team.pk)
        .exists()
    ):
        raise ValidationError({"name": f"{parent.name} already has a team called {name}."})
    before = {"name": team.name, "is_active": team.is_active}
    team = unit_update(unit=team, parent=parent, name=name, is_active=is_active)
    from wagtail.log_actions import log

    log(
        team,
        AUDIT_TEAM_CHANGE,
        user=by,
        data={"before": before, "after": {"name": team.name, "is_active": team.is_active}},
    )
    return team


@transaction.atomic
def membership_change(
    *,
    membership: Membership,
    by,
    unit: OrganisationUnit,
    job_role: JobRole | None,
    end_date: date | None = None,
    on: date | None = None,
) -> Membership:
    """An administrator's change to someone's place in the organisation, as one decision: a new
    team (a move, counted once, in the new team), a new job role (assigned what it requires) or
    an end date (a leaver: ended, never deleted). Both the old and the new unit must be ones
    ``by`` administers."""
    _check_administers(by, membership.unit, "change people's roles")
    _check_administers(by, unit, "move people")
    if membership.end_date is not None:
        raise ValidationError("This membership has already ended.")
    if end_date is not None:
        return membership_end(membership=membership, end_date=end_date, by=by)
    changed_role = (job_role.pk if job_role else None) != membership.job_role_id
    if unit.pk == membership.unit_id and not changed_role:
        return membership
    if changed_role and job_role is None:
        raise ValidationError({"job_role": "Choose their new job role."})
    # A dated change (the old membership ends the day before), so coverage on a past date
    # still shows what was true then.
    return membership_move(membership=membership, to_unit=unit, on=on, by=by, job_role=job_role)
