"""Writes to supervision: default targets, agreements (create, accept, decline, review),
session records (create, edit, reflect, sign off), actions, corrections and the audit log.

Every function is keyword-only and transactional. Rules that protect a record (who may change
it, the lock after sign-off, the bounds on duration and dates) are checked here, so that no view
or task can skip them; forms repeat the simple ones to show errors next to the field.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.celery import enqueue_on_commit
from lms.site_url import site_url

from . import identifiers
from .models import (
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    AgreementParty,
    AgreementReview,
    SessionAction,
    SessionAttendance,
    SessionCorrection,
    SupervisionAgreement,
    SupervisionSession,
    SupervisionTarget,
)
from .signals import session_signed_off

User = get_user_model()

# Defaults from the domain brief: T2 12 h in 12 months; T3 and T4 1 h a fortnight (26 h a year),
# overdue after 28 days without a session. T1 has no target.
DEFAULT_TARGETS = {
    "T2": {"hours": Decimal("12"), "window_months": 12, "max_gap_days": None},
    "T3": {"hours": Decimal("26"), "window_months": 12, "max_gap_days": 28},
    "T4": {"hours": Decimal("26"), "window_months": 12, "max_gap_days": 28},
}

AUDIT_VIEW_RECORD = "supervision.view_record"
AUDIT_EXPORT_LOG = "supervision.export_log"
AUDIT_SIGN_OFF = "supervision.sign_off"
AUDIT_CORRECTION = "supervision.add_correction"


class RecordLocked(Exception):
    """The session is signed off: its fields can no longer be edited."""


class StaleEdit(Exception):
    """Someone else saved the record after this edit began."""


# --- Targets --------------------------------------------------------------------------------


@transaction.atomic
def ensure_default_targets() -> list[SupervisionTarget]:
    """Create the default targets for tiers that exist and have none. Idempotent: targets that
    exist (perhaps edited in the admin) are left as they are. Returns the ones created."""
    from content.models import Tier

    created = []
    for tier in Tier.objects.filter(code__in=DEFAULT_TARGETS):
        target, was_created = SupervisionTarget.objects.get_or_create(
            tier=tier, defaults=DEFAULT_TARGETS[tier.code]
        )
        if was_created:
            created.append(target)
    return created


# --- Checks shared with forms ---------------------------------------------------------------


def check_free_text(fields: dict[str, str]) -> None:
    """Raise a ValidationError naming each field whose text holds an obvious identifier."""
    errors = {}
    for name, text in fields.items():
        findings = identifiers.find_identifiers(text or "")
        if findings:
            errors[name] = identifiers.describe(findings)
    if errors:
        raise ValidationError(errors)


def check_session_date(value: date | None, *, field: str = "date") -> None:
    if value and value > timezone.localdate():
        raise ValidationError(
            {
                field: "The session date cannot be in the future. Record a session once it has "
                "happened; put a planned date in 'Date of the next session'."
            }
        )


def check_duration(minutes: int | None) -> None:
    if minutes is None or not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise ValidationError(
            {
                "duration_minutes": f"Enter a duration between {MIN_SESSION_MINUTES} and "
                f"{MAX_SESSION_MINUTES} minutes (8 hours)."
            }
        )


# --- Agreements -----------------------------------------------------------------------------


def _by_key(model, key):
    return model.objects.filter(submission_key=key).first() if key else None


@transaction.atomic
def agreement_create(
    *,
    supervisor,
    supervisees: list,
    type: str,
    format: str,
    modality: str,
    frequency: str,
    start_date: date,
    review_date: date,
    confidentiality: str,
    submission_key: uuid.UUID | None = None,
) -> tuple[SupervisionAgreement, bool]:
    """The supervisor proposes an agreement (creating it is their acceptance); each supervisee
    then accepts it. Returns ``(agreement, created)``; the same ``submission_key`` twice
    returns the first agreement."""
    existing = _by_key(SupervisionAgreement, submission_key)
    if existing:
        return existing, False
    errors = {}
    supervisees = list(dict.fromkeys(supervisees))
    if not supervisees:
        errors["supervisees"] = "Choose at least one supervisee."
    elif any(s.pk == supervisor.pk for s in supervisees):
        errors["supervisees"] = "You cannot supervise yourself: remove your own name."
    elif format == SupervisionAgreement.Format.INDIVIDUAL and len(supervisees) > 1:
        errors["supervisees"] = (
            "An individual agreement has one supervisee. Choose 'Group' to supervise several "
            "people together."
        )
    if review_date and start_date and review_date < start_date:
        errors["review_date"] = "The review date must be on or after the start date."
    if errors:
        raise ValidationError(errors)
    check_free_text({"confidentiality": confidentiality})
    try:
        with transaction.atomic():
            agreement = SupervisionAgreement.objects.create(
                supervisor=supervisor,
                type=type,
                format=format,
                modality=modality,
                frequency=frequency,
                start_date=start_date,
                review_date=review_date,
                confidentiality=confidentiality,
                created_by=supervisor,
                submission_key=submission_key,
            )
    except IntegrityError:
        if submission_key and (existing := _by_key(SupervisionAgreement, submission_key)):
            return existing, False
        raise
    AgreementParty.objects.bulk_create(
        [AgreementParty(agreement=agreement, supervisee=s) for s in supervisees]
    )
    return agreement, True


def _party_for(agreement: SupervisionAgreement, user) -> AgreementParty:
    party = (
        AgreementParty.objects.select_for_update()
        .filter(agreement=agreement, supervisee=user)
        .first()
    )
    if party is None:
        raise PermissionDenied("Only a supervisee named in the agreement can answer it.")
    return party


@transaction.atomic
def agreement_accept(*, agreement: SupervisionAgreement, user) -> AgreementParty:
    """The supervisee accepts; sessions can then be recorded with them. Idempotent."""
    party = _party_for(agreement, user)
    if party.accepted_at is None:
        party.accepted_at = timezone.now()
        party.declined_at = None
        party.save(update_fields=["accepted_at", "declined_at"])
    return party


@transaction.atomic
def agreement_decline(*, agreement: SupervisionAgreement, user) -> AgreementParty:
    party = _party_for(agreement, user)
    if party.accepted_at is not None:
        raise ValidationError(
            "You have already accepted this agreement; ask your supervisor to end it."
        )
    if party.declined_at is None:
        party.declined_at = timezone.now()
        party.save(update_fields=["declined_at"])
    return party


@transaction.atomic
def agreement_review(
    *,
    agreement: SupervisionAgreement,
    user,
    next_review_date: date,
    notes: str = "",
    submission_key: uuid.UUID | None = None,
) -> AgreementReview:
    """Record a review by either party and move the agreement's review date on."""
    existing = _by_key(AgreementReview, submission_key)
    if existing:
        return existing
    agreement = SupervisionAgreement.objects.select_for_update().get(pk=agreement.pk)
    is_party = (
        agreement.supervisor_id == user.pk
        or agreement.parties.filter(supervisee=user, accepted_at__isnull=False).exists()
    )
    if not is_party:
        raise PermissionDenied("Only the people in this agreement can review it.")
    today = timezone.localdate()
    if next_review_date <= today:
        raise ValidationError({"next_review_date": "The next review date must be in the future."})
    check_free_text({"notes": notes})
    review = AgreementReview.objects.create(
        agreement=agreement,
        reviewed_by=user,
        reviewed_on=today,
        notes=notes,
        next_review_date=next_review_date,
        submission_key=submission_key,
    )
    agreement.review_date = next_review_date
    agreement.save(update_fields=["review_date"])
    return review


@transaction.atomic
def agreement_end(*, agreement: SupervisionAgreement, user, ended_on: date | None = None):
    if agreement.supervisor_id != user.pk:
        raise PermissionDenied("Only the supervisor can end an agreement.")
    agreement.ended_on = ended_on or timezone.localdate()
    agreement.save(update_fields=["ended_on"])
    return agreement


# --- Sessions -------------------------------------------------------------------------------


def session_parties(session: SupervisionSession) -> set[int]:
    """User ids of everyone who may read and draft the session: supervisor and attendees."""
    ids = {session.agreement.supervisor_id}
    ids.update(a.supervisee_id for a in session.attendances.all())
    return ids


def _validate_session_fields(*, date_: date, duration_minutes: int, texts: dict) -> None:
    errors = {}
    for check in (
        lambda: check_session_date(date_),
        lambda: check_duration(duration_minutes),
        lambda: check_free_text(texts),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _save_actions(session, actions: list[dict], allowed_owner_ids: set[int]) -> None:
    """Apply an edited list of actions: ``{"id"?, "text", "owner", "due_date", "delete"?}``."""
    existing = {a.pk: a for a in session.actions.all()}
    for item in actions:
        action_id = item.get("id")
        if item.get("delete"):
            if action_id in existing:
                existing[action_id].delete()
            continue
        if not item.get("text"):
            continue
        owner = item["owner"]
        if owner.pk not in allowed_owner_ids:
            raise ValidationError("An action's owner must be the supervisor or an attendee.")
        if action_id in existing:
            action = existing[action_id]
            action.text, action.owner, action.due_date = item["text"], owner, item.get("due_date")
            action.save(update_fields=["text", "owner", "due_date"])
        else:
            SessionAction.objects.create(
                session=session, text=item["text"], owner=owner, due_date=item.get("due_date")
            )


@transaction.atomic
def session_create(
    *,
    agreement: SupervisionAgreement,
    author,
    date: date,
    duration_minutes: int,
    attendees: list,
    themes=(),
    theme_wellbeing: bool = False,
    case_references: str = "",
    discussion: str = "",
    learning_needs=(),
    learning_needs_notes: str = "",
    next_session_on: date | None = None,
    actions: list[dict] | None = None,
    submission_key: uuid.UUID | None = None,
) -> tuple[SupervisionSession, bool]:
    """Either party drafts a session of an agreement. Attendees must have accepted the
    agreement; a supervisee drafting must be one of them. Returns ``(session, created)``."""
    existing = _by_key(SupervisionSession, submission_key)
    if existing:
        return existing, False
    agreement = SupervisionAgreement.objects.select_for_update().get(pk=agreement.pk)
    accepted = set(
        agreement.parties.filter(accepted_at__isnull=False).values_list("supervisee_id", flat=True)
    )
    if author.pk != agreement.supervisor_id and author.pk not in accepted:
        raise PermissionDenied("Only the supervisor or a supervisee of this agreement can do that.")
    attendees = list(dict.fromkeys(attendees))
    errors = {}
    if not attendees:
        errors["attendees"] = "Choose who attended."
    elif any(a.pk not in accepted for a in attendees):
        errors["attendees"] = "Only supervisees who have accepted the agreement can attend."
    elif author.pk != agreement.supervisor_id and author.pk not in {a.pk for a in attendees}:
        errors["attendees"] = "Include yourself: you can only record sessions you attended."
    if errors:
        raise ValidationError(errors)
    texts = {
        "case_references": case_references,
        "discussion": discussion,
        "learning_needs_notes": learning_needs_notes,
    }
    _validate_session_fields(date_=date, duration_minutes=duration_minutes, texts=texts)
    check_free_text({"actions": " \n".join(a.get("text", "") for a in actions or [])})
    try:
        with transaction.atomic():
            session = SupervisionSession.objects.create(
                agreement=agreement,
                date=date,
                duration_minutes=duration_minutes,
                format=agreement.format,
                theme_wellbeing=theme_wellbeing,
                next_session_on=next_session_on,
                created_by=author,
                submission_key=submission_key,
                **texts,
            )
    except IntegrityError:
        if submission_key and (existing := _by_key(SupervisionSession, submission_key)):
            return existing, False
        raise
    SessionAttendance.objects.bulk_create(
        [SessionAttendance(session=session, supervisee=a) for a in attendees]
    )
    session.themes.set(themes)
    session.learning_needs.set(learning_needs)
    _save_actions(session, actions or [], {agreement.supervisor_id, *(a.pk for a in attendees)})
    _notify_awaiting_reflection(session, exclude=author)
    return session, True


def _lock_for_edit(session: SupervisionSession, user) -> SupervisionSession:
    session = (
        SupervisionSession.objects.select_for_update()
        .select_related("agreement")
        .get(pk=session.pk)
    )
    if user.pk not in session_parties(session):
        raise PermissionDenied("Only the supervisor or an attendee can change this session.")
    if session.is_locked:
        raise RecordLocked
    return session


@transaction.atomic
def session_update(
    *,
    session: SupervisionSession,
    user,
    version: int,
    date: date,
    duration_minutes: int,
    themes=(),
    theme_wellbeing: bool = False,
    case_references: str = "",
    discussion: str = "",
    learning_needs=(),
    learning_needs_notes: str = "",
    next_session_on: date | None = None,
    actions: list[dict] | None = None,
) -> SupervisionSession:
    """Edit a draft. Raises ``RecordLocked`` once signed off and ``StaleEdit`` when someone
    saved it after ``version`` was read."""
    session = _lock_for_edit(session, user)
    if session.version != version:
        raise StaleEdit
    texts = {
        "case_references": case_references,
        "discussion": discussion,
        "learning_needs_notes": learning_needs_notes,
    }
    _validate_session_fields(date_=date, duration_minutes=duration_minutes, texts=texts)
    check_free_text({"actions": " \n".join(a.get("text", "") for a in actions or [])})
    session.date = date
    session.duration_minutes = duration_minutes
    session.theme_wellbeing = theme_wellbeing
    session.next_session_on = next_session_on
    for name, value in texts.items():
        setattr(session, name, value)
    session.version += 1
    session.save()
    session.themes.set(themes)
    session.learning_needs.set(learning_needs)
    _save_actions(session, actions or [], session_parties(session))
    return session


@transaction.atomic
def reflection_save(
    *, session: SupervisionSession, user, reflection: str, submit: bool = True
) -> SessionAttendance:
    """A supervisee writes their own reflection on a draft session. Submitting it tells the
    supervisor the record is ready for sign-off once every attendee has."""
    session = SupervisionSession.objects.select_for_update().get(pk=session.pk)
    attendance = SessionAttendance.objects.filter(session=session, supervisee=user).first()
    if attendance is None:
        raise PermissionDenied("Only a supervisee who attended can write a reflection.")
    if session.is_locked:
        raise RecordLocked
    check_free_text({"reflection": reflection})
    attendance.reflection = reflection
    if submit and attendance.reflection_submitted_at is None:
        attendance.reflection_submitted_at = timezone.now()
    attendance.save(update_fields=["reflection", "reflection_submitted_at"])
    if submit and not session.attendances.filter(reflection_submitted_at__isnull=True).exists():
        _notify_awaiting_sign_off(session)
    return attendance


@transaction.atomic
def session_sign_off(*, session: SupervisionSession, user) -> tuple[SupervisionSession, bool]:
    """The session's supervisor signs it off, which locks it and counts its hours. Returns
    ``(session, changed)``; signing off twice changes nothing and sends no second signal."""
    from wagtail.log_actions import log

    session = (
        SupervisionSession.objects.select_for_update()
        .select_related("agreement")
        .get(pk=session.pk)
    )
    if session.agreement.supervisor_id != user.pk:
        raise PermissionDenied(
            "Only the supervisor who led this session can sign it off. If you are a supervisee, "
            "add your reflection and your supervisor will sign it off."
        )
    if session.is_locked:
        return session, False
    # The checks a draft may have slipped past (e.g. a session dated today, edited later).
    _validate_session_fields(
        date_=session.date, duration_minutes=session.duration_minutes, texts={}
    )
    session.status = SupervisionSession.Status.SIGNED_OFF
    session.signed_off_at = timezone.now()
    session.signed_off_by = user
    session.version += 1
    session.save(
        update_fields=["status", "signed_off_at", "signed_off_by", "version", "updated_at"]
    )
    supervisees = list(User.objects.filter(supervision_attendances__session=session))
    log(session, AUDIT_SIGN_OFF, user=user)
    session_signed_off.send(sender=SupervisionSession, session=session, supervisees=supervisees)
    return session, True


@transaction.atomic
def correction_add(
    *,
    session: SupervisionSession,
    user,
    text: str,
    submission_key: uuid.UUID | None = None,
) -> tuple[SessionCorrection, bool]:
    """Append a correction to a signed-off session (its fields stay as they were)."""
    from wagtail.log_actions import log

    existing = _by_key(SessionCorrection, submission_key)
    if existing:
        return existing, False
    session = SupervisionSession.objects.select_related("agreement").get(pk=session.pk)
    if user.pk not in session_parties(session):
        raise PermissionDenied("Only the supervisor or an attendee can correct this session.")
    if not session.is_locked:
        raise ValidationError("This session is still a draft: edit it instead.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter the correction."})
    check_free_text({"text": text})
    correction = SessionCorrection.objects.create(
        session=session, author=user, text=text, submission_key=submission_key
    )
    log(session, AUDIT_CORRECTION, user=user, data={"correction_id": correction.pk})
    return correction, True


@transaction.atomic
def action_set_status(*, action: SessionAction, user, done: bool) -> SessionAction:
    """Mark an action done (or open again). Allowed after sign-off: tracking an action is not
    editing the record."""
    action = (
        SessionAction.objects.select_for_update()
        .select_related("session__agreement")
        .get(pk=action.pk)
    )
    parties = {action.session.agreement.supervisor_id}
    parties.update(
        action.session.agreement.parties.filter(accepted_at__isnull=False).values_list(
            "supervisee_id", flat=True
        )
    )
    if user.pk not in parties:
        raise PermissionDenied("Only the people in this agreement can update its actions.")
    if done and action.status != SessionAction.Status.DONE:
        action.status, action.done_at, action.done_by = (
            SessionAction.Status.DONE,
            timezone.now(),
            user,
        )
    elif not done and action.status != SessionAction.Status.OPEN:
        action.status, action.done_at, action.done_by = SessionAction.Status.OPEN, None, None
    action.save(update_fields=["status", "done_at", "done_by"])
    return action


# --- Audit ----------------------------------------------------------------------------------


def audit_view(*, session: SupervisionSession, user) -> None:
    """Write who read a record's content, and when, to the audit log."""
    from wagtail.log_actions import log

    log(session, AUDIT_VIEW_RECORD, user=user)


def audit_export(*, user, fmt: str) -> None:
    from wagtail.log_actions import log

    log(user, AUDIT_EXPORT_LOG, user=user, data={"format": fmt})


# --- Notifications --------------------------------------------------------------------------


def _notify_awaiting_reflection(session: SupervisionSession, *, exclude) -> None:
    from .tasks import send_session_notification

    for attendee_id in session.attendances.values_list("supervisee_id", flat=True):
        if attendee_id != exclude.pk:
            enqueue_on_commit(
                send_session_notification, session.pk, attendee_id, "awaiting_reflection"
            )


def _notify_awaiting_sign_off(session: SupervisionSession) -> None:
    from .tasks import send_session_notification

    enqueue_on_commit(
        send_session_notification,
        session.pk,
        session.agreement.supervisor_id,
        "awaiting_sign_off",
    )


def send_notification(*, session_id: int, recipient_id: int, kind: str) -> bool:
    """Email one notification once (a retried task finds it sent and does nothing). The email
    names the session's date only: no content leaves the app."""
    from django.urls import reverse

    from lms.emails import send_templated_email

    from .models import SupervisionNotification

    session = (
        SupervisionSession.objects.select_related("agreement__supervisor")
        .filter(pk=session_id)
        .first()
    )
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if session is None or recipient is None or session.is_locked:
        return False
    with transaction.atomic():
        _, created = SupervisionNotification.objects.get_or_create(
            session=session, recipient=recipient, kind=kind
        )
        if not created:
            return False

        send_templated_email(
            to=[recipient.email],
            template_prefix=f"supervision/email/{kind}",
            context={
                "recipient": recipient,
                "session": session,
                "url": site_url() + reverse("supervision:session", args=[session.pk]),
            },
        )
    return True
