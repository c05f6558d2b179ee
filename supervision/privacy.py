"""Personal data held by supervision: the agreements and sessions a person is party to, as
supervisor or supervisee.

The export holds what the person can read in the app: for a supervisor, every session of their
agreements with every supervisee's reflection; for a supervisee, the sessions they attended with
their own reflection only (never another group member's). Other people appear by the name the
app shows, never with their email address.

Erasure removes the person's own reflections and their name and addresses wherever someone wrote
them in the shared records. The records stay: they are also the other party's record, and their
hours count toward targets and coverage. An erased supervisor is shown as "Erased person".
"""

from __future__ import annotations

from django.db.models import F, Prefetch, Q

from lms.personal_data import REMOVED_TEXT, identifying_strings, plain, redact

from .models import (
    AgreementParty,
    AgreementReview,
    SessionAction,
    SessionAttendance,
    SessionCorrection,
    SupervisionAgreement,
    SupervisionSession,
)
from .permissions import agreements_visible_to, sessions_readable_by

SECTION = "supervision"


def _names(people) -> list[str]:
    return [str(p) for p in people]


def _agreement(agreement: SupervisionAgreement, user) -> dict:
    return {
        "id": agreement.pk,
        "my_role": "supervisor" if agreement.supervisor_id == user.pk else "supervisee",
        "supervisor": str(agreement.supervisor),
        "supervisees": [
            {"name": str(p.supervisee), "status": p.status} for p in agreement.parties.all()
        ],
        "type": agreement.get_type_display(),
        "format": agreement.get_format_display(),
        "modality": agreement.get_modality_display(),
        "frequency": agreement.get_frequency_display(),
        "start_date": agreement.start_date,
        "review_date": agreement.review_date,
        "ended_on": agreement.ended_on,
        "confidentiality_terms": agreement.confidentiality,
        "reviews": [
            {
                "reviewed_on": r.reviewed_on,
                "reviewed_by": str(r.reviewed_by),
                "notes": r.notes,
                "next_review_date": r.next_review_date,
            }
            for r in agreement.reviews.all()
        ],
    }


def _session(session: SupervisionSession, user) -> dict:
    is_supervisor = session.agreement.supervisor_id == user.pk
    attendances = list(session.attendances.all())
    # What the session page shows: the supervisor reads every reflection, a supervisee only
    # their own.
    reflections = [a for a in attendances if is_supervisor or a.supervisee_id == user.pk]
    return {
        "id": session.pk,
        "agreement_id": session.agreement_id,
        "my_role": "supervisor" if is_supervisor else "supervisee",
        "date": session.date,
        "duration_minutes": session.duration_minutes,
        "type": session.agreement.get_type_display(),
        "format": session.get_format_display(),
        "status": session.get_status_display(),
        "counts_toward_target": session.is_countable,
        "supervisor": str(session.agreement.supervisor),
        "attended_by": _names(a.supervisee for a in attendances),
        "themes": [t.name for t in session.themes.all()]
        + (["Practitioner wellbeing"] if session.theme_wellbeing else []),
        "anonymised_case_references": session.case_references,
        "discussion": session.discussion,
        "learning_needs": [t.name for t in session.learning_needs.all()],
        "learning_needs_notes": session.learning_needs_notes,
        "next_session_on": session.next_session_on,
        "signed_off_at": session.signed_off_at,
        "signed_off_by": str(session.signed_off_by) if session.signed_off_by else None,
        "reflections": [
            {
                "by": str(a.supervisee),
                "text": a.reflection,
                "submitted_at": a.reflection_submitted_at,
            }
            for a in reflections
        ],
        "actions": [
            {
                "text": action.text,
                "owner": str(action.owner),
                "due_date": action.due_date,
                "status": action.get_status_display(),
                "done_at": action.done_at,
            }
            for action in session.actions.all()
        ],
        "corrections": [
            {"by": str(c.author), "at": c.created_at, "text": c.text}
            for c in session.corrections.all()
        ],
    }


def export(user) -> dict:
    agreements = (
        agreements_visible_to(user)
        .select_related("supervisor")
        .prefetch_related(
            Prefetch("parties", queryset=AgreementParty.objects.select_related("supervisee")),
            Prefetch("reviews", queryset=AgreementReview.objects.select_related("reviewed_by")),
        )
        .order_by("start_date", "pk")
    )
    sessions = (
        sessions_readable_by(user)
        .select_related("agreement__supervisor", "signed_off_by")
        .prefetch_related(
            Prefetch(
                "attendances",
                queryset=SessionAttendance.objects.select_related("supervisee"),
            ),
            "themes",
            "learning_needs",
            Prefetch("actions", queryset=SessionAction.objects.select_related("owner")),
            Prefetch("corrections", queryset=SessionCorrection.objects.select_related("author")),
        )
        .order_by("date", "pk")
    )
    return plain(
        {
            "agreements": [_agreement(a, user) for a in agreements],
            "sessions": [_session(s, user) for s in sessions],
        }
    )


def _redact_rows(queryset, fields: list[str], needles: list[str]) -> list[int]:
    """Replace ``needles`` in ``fields`` of the rows that mention them; returns their ids."""
    mentioning = Q(pk__in=[])
    for field in fields:
        for needle in needles:
            mentioning |= Q(**{f"{field}__icontains": needle})
    changed = []
    for row in queryset.filter(mentioning):
        before = [getattr(row, field) for field in fields]
        for field in fields:
            setattr(row, field, redact(getattr(row, field), needles))
        if [getattr(row, field) for field in fields] != before:
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, fields)
    return [row.pk for row in changed]


def erase(user) -> dict:
    needles = identifying_strings(user)
    reflections = (
        SessionAttendance.objects.filter(supervisee=user)
        .exclude(reflection="")
        .exclude(reflection=REMOVED_TEXT)
        .update(reflection=REMOVED_TEXT)
    )
    session_ids = list(
        SupervisionSession.objects.filter(
            Q(agreement__supervisor=user) | Q(attendances__supervisee=user)
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    agreement_ids = list(
        SupervisionAgreement.objects.filter(Q(supervisor=user) | Q(parties__supervisee=user))
        .distinct()
        .values_list("pk", flat=True)
    )
    sessions = _redact_rows(
        SupervisionSession.objects.filter(pk__in=session_ids),
        ["case_references", "discussion", "learning_needs_notes"],
        needles,
    )
    # Someone editing a draft that was just redacted must not save the old text back.
    SupervisionSession.objects.filter(pk__in=sessions).update(version=F("version") + 1)
    others = [
        # Other attendees' reflections are theirs, but may name the person.
        _redact_rows(
            SessionAttendance.objects.filter(session_id__in=session_ids).exclude(supervisee=user),
            ["reflection"],
            needles,
        ),
        _redact_rows(SessionAction.objects.filter(session_id__in=session_ids), ["text"], needles),
        _redact_rows(
            SessionCorrection.objects.filter(session_id__in=session_ids), ["text"], needles
        ),
        _redact_rows(
            SupervisionAgreement.objects.filter(pk__in=agreement_ids), ["confidentiality"], needles
        ),
        _redact_rows(
            AgreementReview.objects.filter(agreement_id__in=agreement_ids), ["notes"], needles
        ),
    ]
    return {
        "own_reflections_removed": reflections,
        "sessions_kept": len(session_ids),
        "agreements_kept": len(agreement_ids),
        "shared_texts_with_name_removed": len(sessions) + sum(len(ids) for ids in others),
    }
