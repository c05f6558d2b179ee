"""Writes: agreements, drafting, sign-off and its lock, corrections, actions, double submits,
the signal other apps rely on, and notifications."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from supervision import selectors, services
from supervision.models import (
    SessionAction,
    SessionCorrection,
    SupervisionAgreement,
    SupervisionNotification,
    SupervisionSession,
)
from supervision.signals import session_signed_off
from supervision.tasks import send_session_notification
from tests.factories import UserFactory

from .factories import make_agreement, make_session

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def pair(framework_tiers):
    supervisor = UserFactory(display_name="Sam Supervisor")
    supervisee = UserFactory(display_name="Priya Practitioner")
    return supervisor, supervisee, make_agreement(supervisor, [supervisee])


def draft(agreement, author, **kwargs):
    values = {
        "agreement": agreement,
        "author": author,
        "date": TODAY() - timedelta(days=1),
        "duration_minutes": 60,
        "attendees": [p.supervisee for p in agreement.parties.all()],
        "discussion": "Explored a worry about a family's sleep routine",
    }
    values.update(kwargs)
    return services.session_create(**values)[0]


# --- Agreements -----------------------------------------------------------------------------


def agreement_kwargs(supervisor, supervisees, **overrides):
    values = {
        "supervisor": supervisor,
        "supervisees": supervisees,
        "type": "reflective",
        "format": "individual",
        "modality": "video",
        "frequency": "fortnightly",
        "start_date": TODAY(),
        "review_date": TODAY() + timedelta(days=180),
        "confidentiality": "Between us, except safeguarding.",
    }
    values.update(overrides)
    return values


def test_nobody_can_supervise_themselves(framework_tiers):
    person = UserFactory()
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(**agreement_kwargs(person, [person]))
    assert "cannot supervise yourself" in str(exc.value)
    assert not SupervisionAgreement.objects.exists()


def test_submitting_an_agreement_twice_creates_one(framework_tiers):
    supervisor, supervisee = UserFactory(), UserFactory()
    key = uuid.uuid4()
    first, created = services.agreement_create(
        **agreement_kwargs(supervisor, [supervisee]), submission_key=key
    )
    again, created_again = services.agreement_create(
        **agreement_kwargs(supervisor, [supervisee]), submission_key=key
    )
    assert created and not created_again and first == again
    assert SupervisionAgreement.objects.count() == 1


def test_sessions_need_an_accepted_agreement(framework_tiers):
    supervisor, supervisee = UserFactory(), UserFactory()
    agreement, _ = services.agreement_create(**agreement_kwargs(supervisor, [supervisee]))
    with pytest.raises(ValidationError, match="accepted"):
        draft(agreement, supervisor, attendees=[supervisee])
    services.agreement_accept(agreement=agreement, user=supervisee)
    services.agreement_accept(agreement=agreement, user=supervisee)  # idempotent
    assert draft(agreement, supervisor, attendees=[supervisee]).pk


def test_only_named_supervisees_can_accept(pair):
    supervisor, _, agreement = pair
    with pytest.raises(PermissionDenied):
        services.agreement_accept(agreement=agreement, user=supervisor)


def test_a_review_moves_the_review_date_on(pair):
    _supervisor, supervisee, agreement = pair
    next_date = TODAY() + timedelta(days=200)
    services.agreement_review(agreement=agreement, user=supervisee, next_review_date=next_date)
    agreement.refresh_from_db()
    assert agreement.review_date == next_date
    assert agreement.reviews.get().reviewed_by == supervisee
    with pytest.raises(PermissionDenied):
        services.agreement_review(
            agreement=agreement, user=UserFactory(), next_review_date=next_date
        )


# --- Drafting -------------------------------------------------------------------------------


def test_either_party_drafts_and_a_supervisee_must_have_attended(pair):
    _supervisor, supervisee, agreement = pair
    assert draft(agreement, supervisee).created_by == supervisee
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        draft(agreement, stranger)


@pytest.mark.parametrize("minutes", [0, 4, 481, 1000])
def test_duration_outside_5_to_480_minutes_is_refused(pair, minutes):
    supervisor, _, agreement = pair
    with pytest.raises(ValidationError) as exc:
        draft(agreement, supervisor, duration_minutes=minutes)
    assert "between 5 and 480 minutes" in exc.value.message_dict["duration_minutes"][0]
    assert not SupervisionSession.objects.exists()


def test_a_session_in_the_future_is_refused(pair):
    supervisor, _, agreement = pair
    with pytest.raises(ValidationError) as exc:
        draft(agreement, supervisor, date=TODAY() + timedelta(days=1))
    assert "cannot be in the future" in exc.value.message_dict["date"][0]


def test_identifiers_in_free_text_are_refused_by_the_service_too(pair):
    supervisor, _, agreement = pair
    with pytest.raises(ValidationError) as exc:
        draft(agreement, supervisor, case_references="Baby NHS 943 476 5919")
    assert "NHS number" in exc.value.message_dict["case_references"][0]


def test_submitting_a_session_twice_creates_one(pair):
    supervisor, supervisee, agreement = pair
    key = uuid.uuid4()
    first = draft(agreement, supervisor, submission_key=key)
    second = draft(agreement, supervisor, submission_key=key)
    assert first == second
    assert SupervisionSession.objects.count() == 1
    assert first.attendances.get().supervisee == supervisee


def test_two_people_editing_one_draft_do_not_overwrite_each_other(pair):
    supervisor, supervisee, agreement = pair
    session = draft(agreement, supervisor)
    fields = {"date": session.date, "duration_minutes": 60}
    services.session_update(
        session=session, user=supervisee, version=1, discussion="Supervisee's words", **fields
    )
    with pytest.raises(services.StaleEdit):
        services.session_update(
            session=session, user=supervisor, version=1, discussion="Older copy", **fields
        )
    session.refresh_from_db()
    assert session.discussion == "Supervisee's words" and session.version == 2


# --- Sign-off, lock and corrections ---------------------------------------------------------


def test_sign_off_locks_the_record_and_counts_its_hours(pair):
    supervisor, supervisee, agreement = pair
    session = draft(agreement, supervisor, duration_minutes=90)
    assert selectors.hours_in_window(supervisee) == 0
    session, changed = services.session_sign_off(session=session, user=supervisor)
    assert changed and session.is_locked
    assert session.signed_off_by == supervisor and session.signed_off_at
    assert selectors.hours_in_window(supervisee) == 1.5
    assert ModelLogEntry.objects.filter(
        action=services.AUDIT_SIGN_OFF, object_id=str(session.pk), user=supervisor
    ).exists()
    with pytest.raises(services.RecordLocked):
        services.session_update(
            session=session,
            user=supervisor,
            version=session.version,
            date=session.date,
            duration_minutes=480,
        )
    with pytest.raises(services.RecordLocked):
        services.reflection_save(session=session, user=supervisee, reflection="Late words")
    session.refresh_from_db()
    assert session.duration_minutes == 90


def test_only_the_sessions_supervisor_can_sign_off(pair):
    supervisor, supervisee, agreement = pair
    session = draft(agreement, supervisor)
    for someone in (supervisee, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.session_sign_off(session=session, user=someone)
    session.refresh_from_db()
    assert not session.is_locked


def test_signal_is_sent_once_inside_the_transaction_with_the_supervisees(pair):
    supervisor, supervisee, agreement = pair
    session = draft(agreement, supervisor)
    calls = []

    def receiver(sender, session, supervisees, **kwargs):
        calls.append((session.pk, list(supervisees), transaction.get_connection().in_atomic_block))

    session_signed_off.connect(receiver)
    try:
        services.session_sign_off(session=session, user=supervisor)
        _, changed = services.session_sign_off(session=session, user=supervisor)
    finally:
        session_signed_off.disconnect(receiver)
    assert not changed
    assert calls == [(session.pk, [supervisee], True)]


def test_a_failing_listener_rolls_the_sign_off_back(pair):
    supervisor, _, agreement = pair
    session = draft(agreement, supervisor)

    def broken(**kwargs):
        raise RuntimeError("listener failed")

    session_signed_off.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.session_sign_off(session=session, user=supervisor)
    finally:
        session_signed_off.disconnect(broken)
    session.refresh_from_db()
    assert not session.is_locked


def test_corrections_are_appended_with_author_and_time_and_never_change_the_record(pair):
    supervisor, supervisee, agreement = pair
    session = draft(agreement, supervisor, discussion="Original words")
    with pytest.raises(ValidationError, match="still a draft"):
        services.correction_add(session=session, user=supervisee, text="Too early")
    services.session_sign_off(session=session, user=supervisor)
    key = uuid.uuid4()
    correction, _ = services.correction_add(
        session=session, user=supervisee, text="It was 75 minutes, not 60.", submission_key=key
    )
    services.correction_add(
        session=session, user=supervisee, text="It was 75 minutes, not 60.", submission_key=key
    )
    services.correction_add(session=session, user=supervisor, text="Agreed.")
    assert [(c.author, c.text) for c in session.corrections.all()] == [
        (supervisee, "It was 75 minutes, not 60."),
        (supervisor, "Agreed."),
    ]
    assert correction.created_at is not None
    session.refresh_from_db()
    assert session.discussion == "Original words" and session.duration_minutes == 60
    with pytest.raises(PermissionDenied):
        services.correction_add(session=session, user=UserFactory(), text="Not mine")
    with pytest.raises(ValidationError):
        services.correction_add(session=session, user=supervisor, text="DOB 01/02/2024")
    assert SessionCorrection.objects.count() == 2


# --- Actions --------------------------------------------------------------------------------


def test_open_actions_carry_forward_until_marked_done(pair):
    supervisor, supervisee, agreement = pair
    first = draft(
        agreement,
        supervisor,
        date=TODAY() - timedelta(days=20),
        actions=[
            {"text": "Read the chapter on containment", "owner": supervisee},
            {"text": "Find the referral pathway", "owner": supervisor},
        ],
    )
    services.session_sign_off(session=first, user=supervisor)
    second = draft(agreement, supervisor, date=TODAY() - timedelta(days=5))
    carried = selectors.carried_forward_actions(agreement, before=second)
    assert [a.text for a in carried] == [
        "Read the chapter on containment",
        "Find the referral pathway",
    ]
    # Marking done works on a signed-off session's actions: it tracks, it does not edit.
    services.action_set_status(action=carried[0], user=supervisee, done=True)
    assert [a.text for a in selectors.carried_forward_actions(agreement, before=second)] == [
        "Find the referral pathway"
    ]
    done = SessionAction.objects.get(text__startswith="Read")
    assert done.done_by == supervisee and done.done_at
    with pytest.raises(PermissionDenied):
        services.action_set_status(action=done, user=UserFactory(), done=False)


# --- Notifications --------------------------------------------------------------------------


def test_supervisee_is_asked_to_reflect_and_supervisor_told_when_ready(
    pair, django_capture_on_commit_callbacks
):
    supervisor, supervisee, agreement = pair
    with django_capture_on_commit_callbacks(execute=True):
        session = draft(agreement, supervisor)
    assert [m.to for m in mail.outbox] == [[supervisee.email]]
    assert "waiting for your reflection" in mail.outbox[0].subject
    assert "sleep routine" not in mail.outbox[0].body  # no content leaves the app
    with django_capture_on_commit_callbacks(execute=True):
        services.reflection_save(session=session, user=supervisee, reflection="I noticed…")
    assert [m.to for m in mail.outbox][1:] == [[supervisor.email]]
    # A retried task sends nothing twice.
    send_session_notification.delay(session.pk, supervisee.pk, "awaiting_reflection")
    assert len(mail.outbox) == 2
    assert SupervisionNotification.objects.count() == 2


def test_a_supervisee_drafting_is_not_emailed_about_their_own_draft(
    pair, django_capture_on_commit_callbacks
):
    _, supervisee, agreement = pair
    with django_capture_on_commit_callbacks(execute=True):
        draft(agreement, supervisee)
    assert mail.outbox == []


def test_group_sign_off_credits_each_attendee(framework_tiers):
    supervisor = UserFactory()
    a, b = UserFactory(), UserFactory()
    group = make_agreement(supervisor, [a, b], format=SupervisionAgreement.Format.GROUP)
    session = make_session(group, signed_off=False, minutes=120)
    services.session_sign_off(session=session, user=supervisor)
    assert selectors.hours_by_user([a.pk, b.pk]) == {a.pk: 2, b.pk: 2}


def test_demo_history_is_idempotent_and_leaves_the_demo_pair_free(framework_tiers):
    from supervision.demo import seed_demo_supervision

    supervisor, colleague = UserFactory(), UserFactory()
    for _ in range(2):
        seed_demo_supervision(supervisor=supervisor, supervisees=[colleague])
    assert SupervisionAgreement.objects.count() == 1
    assert SupervisionSession.objects.count() == 4
    assert selectors.hours_in_window(colleague) == 3
    assert len(selectors.carried_forward_actions(SupervisionAgreement.objects.get())) == 1
