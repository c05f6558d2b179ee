"""Data protection (UK GDPR): one person's data as a file, erasure, and retention.

Every app that holds personal data has a ``privacy.py`` with ``SECTION`` (its key in the
export), ``export(user) -> dict`` (JSON-ready: dates as ISO 8601 strings, decimals as strings)
and ``erase(user) -> dict`` (what it removed or anonymised, as counts). ``REGISTRY`` lists them;
the export runs them in that order, erasure in reverse, so that the account is anonymised last
(the other apps find the person's data by their name and addresses first).

- ``export_personal_data``: everything about a person, for them to download (right of access
  and portability), logged as ``privacy.export``.
- ``erase_person``: erasure by an administrator, in one transaction, logged as
  ``privacy.erase``. Idempotent.
- ``apply_retention``: erases people who left long ago and purges files and rows kept only for a
  while (``manage.py apply_retention``).

Like ``lms.reports``, this module sits on top: it imports every app and no app imports it.
What is kept, why and for how long: docs/data-protection.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from wagtail.log_actions import log

from certificates import privacy as certificates_privacy
from courses import privacy as courses_privacy
from courses.xapi import privacy as xapi_privacy
from lms.accounts import privacy as accounts_privacy
from lms.reports import privacy as reports_privacy
from lms.workforce import privacy as workforce_privacy
from supervision import privacy as supervision_privacy

logger = logging.getLogger(__name__)
User = get_user_model()

REGISTRY = (
    accounts_privacy,
    workforce_privacy,
    courses_privacy,
    xapi_privacy,
    certificates_privacy,
    supervision_privacy,
    reports_privacy,
)
FORMAT_VERSION = 1

AUDIT_EXPORT = "privacy.export"
AUDIT_ERASE = "privacy.erase"

REASON_MAX_LENGTH = 1000


# --- Export ---------------------------------------------------------------------------------


def export_personal_data(*, user, by=None) -> dict:
    """All the personal data held about ``user``, as a JSON-ready dict, and an audit entry
    (by ``by`` when an administrator exports it for someone, else by the person)."""
    data = {
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.localtime().isoformat(),
        "site": {"name": settings.SITE_NAME, "url": settings.SITE_URL},
        "subject": {
            "account_id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
        },
    }
    for module in REGISTRY:
        data[module.SECTION] = module.export(user)
    log(
        user,
        AUDIT_EXPORT,
        user=by or user,
        data={"format_version": FORMAT_VERSION, "sections": [m.SECTION for m in REGISTRY]},
    )
    return data


def export_filename(on: date | None = None) -> str:
    return f"my-data-{(on or timezone.localdate()).isoformat()}.json"


# --- Erasure --------------------------------------------------------------------------------


@dataclass
class Erasure:
    person: object
    erased: bool  # False: the person had already been erased, nothing was done
    summary: dict = field(default_factory=dict)


def check_erasable(*, person, by) -> None:
    """Raise ``PermissionDenied`` unless ``by`` is an administrator (or None: the retention
    job), and ``ValidationError`` if ``person`` may not be erased: nobody erases themselves, and
    the last active administrator cannot be erased (nobody could administer the site)."""
    if by is not None and not by.is_superuser:
        raise PermissionDenied("Only administrators can erase a person.")
    if by is not None and by.pk == person.pk:
        raise ValidationError("You cannot erase your own account. Ask another administrator.")
    if (
        person.is_superuser
        and not User.objects.filter(is_superuser=True, is_active=True, erased_at__isnull=True)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise ValidationError(
            "This is the last administrator. Make someone else an administrator first."
        )


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason, so the audit log explains it."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"Keep the reason to {REASON_MAX_LENGTH:,} characters or fewer."}
        )
    return reason


@transaction.atomic
def erase_person(*, person, by, reason: str) -> Erasure:
    """Remove or anonymise ``person``'s personal data in every app, in one transaction.

    The account stays, anonymised, so that memberships, completions, standings, supervision
    hours and coverage figures are unchanged and certificate numbers still verify. Audit log
    entries stay (accountability). Erasing someone already erased does nothing. ``by`` is
    None when the retention job erases.
    """
    if by is not None and not by.is_superuser:
        raise PermissionDenied("Only administrators can erase a person.")
    reason = _clean_reason(reason)
    locked = User.objects.select_for_update().get(pk=person.pk)
    if locked.erased_at is not None:
        return Erasure(person=locked, erased=False)
    check_erasable(person=locked, by=by)
    summary = {}
    for module in reversed(REGISTRY):
        summary[module.SECTION] = module.erase(locked)
    log(locked, AUDIT_ERASE, user=by, data={"reason": reason, "summary": summary})
    logger.info("Erased the personal data of account %s", locked.pk)
    return Erasure(person=locked, erased=True, summary=summary)


# --- Retention ------------------------------------------------------------------------------


def retention_years() -> int:
    return settings.RETENTION_YEARS_AFTER_LEAVING


def _days(name: str) -> timedelta:
    """A retention period in days, from the setting ``name`` (lms/settings/base.py)."""
    return timedelta(days=getattr(settings, name))


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def leavers(on: date | None = None) -> QuerySet:
    """People whose every membership ended more than ``RETENTION_YEARS_AFTER_LEAVING`` years
    before ``on`` (people with no membership at all, administrators and people already erased
    are left alone), with ``left_on``, the end of their last membership."""
    from lms.workforce.models import Membership

    cutoff = _years_before(on or timezone.localdate(), retention_years())
    recent = Membership.objects.filter(user=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=cutoff)
    )
    return (
        User.objects.filter(erased_at__isnull=True, is_superuser=False)
        .filter(Exists(Membership.objects.filter(user=OuterRef("pk"))))
        .exclude(Exists(recent))
        .annotate(left_on=Max("memberships__end_date"))
        .order_by("left_on", "pk")
    )


@dataclass
class Retention:
    applied: bool
    leavers: list = field(default_factory=list)  # (account id, left on)
    erased: int = 0
    training_records: int = 0
    invitations: int = 0
    staff_imports: int = 0
    drafts: int = 0


def _expired_training_records():
    from certificates.models import TrainingRecord
    from certificates.services import IN_PROGRESS

    cutoff = timezone.now() - _days("TRAINING_RECORD_RETENTION_DAYS")
    return TrainingRecord.objects.filter(requested_at__lt=cutoff).exclude(status__in=IN_PROGRESS)


def _old_invitations():
    """Invitations that were accepted, withdrawn or expired more than
    ``INVITATION_RETENTION_DAYS`` ago: they only hold an address and a name."""
    from lms.workforce.models import Invitation

    cutoff = timezone.now() - _days("INVITATION_RETENTION_DAYS")
    return Invitation.objects.filter(
        Q(accepted_at__lt=cutoff)
        | Q(revoked_at__lt=cutoff)
        | Q(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lt=cutoff)
    )


def _old_staff_imports():
    """Uploaded staff files (and their line-by-line reports) older than
    ``STAFF_IMPORT_RETENTION_DAYS``: the people they created are in the memberships."""
    from lms.workforce.models import StaffImport

    return StaffImport.objects.filter(
        created_at__lt=timezone.now() - _days("STAFF_IMPORT_RETENTION_DAYS")
    )


def stale_drafts():
    """Drafts nobody has come back to for ``DRAFT_RETENTION_DAYS``: the text of a form its author
    abandoned, kept only so that a timed-out session loses nothing."""
    from lms.drafts.models import FormDraft

    return FormDraft.objects.filter(updated_at__lt=timezone.now() - _days("DRAFT_RETENTION_DAYS"))


def apply_retention(*, apply: bool = False, on: date | None = None) -> Retention:
    """What the retention rules remove today; with ``apply=True``, remove it. Each person is
    erased in their own transaction (one failure does not undo the others)."""
    from certificates.services import purge_training_records

    people = list(leavers(on))
    result = Retention(applied=apply, leavers=[(p.pk, p.left_on) for p in people])
    if not apply:
        result.training_records = _expired_training_records().count()
        result.invitations = _old_invitations().count()
        result.staff_imports = _old_staff_imports().count()
        result.drafts = stale_drafts().count()
        return result
    reason = f"Retention: left more than {retention_years()} years ago"
    for person in people:
        try:
            result.erased += erase_person(person=person, by=None, reason=reason).erased
        except ValidationError:
            logger.exception("Retention could not erase account %s", person.pk)
    result.training_records = purge_training_records(
        older_than=_days("TRAINING_RECORD_RETENTION_DAYS")
    )
    result.invitations = _old_invitations().delete()[0]
    result.staff_imports = _old_staff_imports().delete()[0]
    result.drafts = stale_drafts().delete()[0]
    return result
