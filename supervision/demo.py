"""Demo supervision history for ``seed_demo`` (owned by the lead), so that a fresh install's
supervision pages look alive. Idempotent: every record is keyed on a stable submission key.

The demo supervisor proposes an agreement to the demo practitioner and it waits for the
practitioner's answer, so that the demo walks through accepting, recording, reflecting and
signing off in the browser.
"""

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import services
from .models import SupervisionAgreement

_NAMESPACE = uuid.UUID("6c1d7f3e-8a55-4c35-9d0e-3b7b1f0e2a41")


def _key(*parts) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts))


def _terms(supervisor, supervisees, key, *, start_days_ago: int, review_in_days: int):
    today = timezone.localdate()
    return services.agreement_create(
        supervisor=supervisor,
        supervisees=supervisees,
        type=SupervisionAgreement.Type.REFLECTIVE,
        format=SupervisionAgreement.Format.INDIVIDUAL,
        modality=SupervisionAgreement.Modality.IN_PERSON,
        frequency=SupervisionAgreement.Frequency.FORTNIGHTLY,
        start_date=today - timedelta(days=start_days_ago),
        review_date=today + timedelta(days=review_in_days),
        confidentiality=(
            "What we discuss stays between us, except where a child, parent or "
            "practitioner may be at risk; then we follow safeguarding procedures together."
        ),
        submission_key=key,
    )


@transaction.atomic
def propose_demo_agreement(*, supervisor, supervisee) -> SupervisionAgreement:
    """An individual reflective agreement proposed by ``supervisor``, waiting for
    ``supervisee`` to accept it (left as it is if they have answered since)."""
    services.ensure_default_targets()
    agreement, _ = _terms(
        supervisor,
        [supervisee],
        _key("proposed", supervisor.pk, supervisee.pk),
        start_days_ago=0,
        review_in_days=180,
    )
    return agreement


@transaction.atomic
def seed_demo_supervision(*, supervisor, supervisees: list) -> list[SupervisionAgreement]:
    """For each supervisee: an accepted individual agreement with ``supervisor``, three
    signed-off fortnightly sessions (with an open action carried forward) and a draft awaiting
    the supervisee's reflection. Returns the agreements."""
    services.ensure_default_targets()
    today = timezone.localdate()
    agreements = []
    for person in supervisees:
        agreement, _ = _terms(
            supervisor,
            [person],
            _key("agreement", supervisor.pk, person.pk),
            start_days_ago=60,
            review_in_days=120,
        )
        services.agreement_accept(agreement=agreement, user=person)
        for n, days_ago in enumerate((44, 30, 16)):
            session, created = services.session_create(
                agreement=agreement,
                author=supervisor,
                date=today - timedelta(days=days_ago),
                duration_minutes=60,
                attendees=[person],
                discussion="Thinking together about a family where the baby's cues are hard "
                "to read, and what the visits stir up for the practitioner.",
                case_references="Family A (baby 3 months)",
                next_session_on=today - timedelta(days=days_ago - 14),
                actions=[
                    {"text": "Try narrating the baby's cues aloud with the parent", "owner": person}
                ]
                if n == 2
                else [],
                submission_key=_key("session", agreement.pk, n),
            )
            if created:
                services.reflection_save(
                    session=session,
                    user=person,
                    reflection="I noticed I rush to fill silences; slowing down helped.",
                )
            services.session_sign_off(session=session, user=supervisor)
        services.session_create(
            agreement=agreement,
            author=supervisor,
            date=today - timedelta(days=2),
            duration_minutes=50,
            attendees=[person],
            discussion="Returning to the family from last time; noticing progress.",
            next_session_on=today + timedelta(days=12),
            submission_key=_key("session", agreement.pk, "draft"),
        )
        agreements.append(agreement)
    return agreements
