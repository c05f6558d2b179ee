"""The browser flow through the Django test client: agree, record, reflect, sign off; bad
input gets a clear message and keeps what was typed; list pages take constant queries."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision import selectors
from supervision.models import (
    SessionAttendance,
    SupervisionAgreement,
    SupervisionSession,
)
from tests.factories import MembershipFactory, UserFactory

from .factories import build_world, make_agreement, make_session, role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def session_post(html: str, **overrides) -> dict:
    data = {
        "date": (TODAY() - timedelta(days=1)).isoformat(),
        "duration_minutes": "60",
        "discussion": "We explored how the visit left me feeling.",
        "case_references": "Family A (baby 4 months)",
        "next_session_on": (TODAY() + timedelta(days=13)).isoformat(),
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "30",
        "actions-0-text": "",
        "actions-1-text": "",
    }
    if 'name="submission_key"' in html:
        data["submission_key"] = hidden(html, "submission_key")
    data.update(overrides)
    return data


@pytest.fixture
def people(org_tree, framework_tiers):
    start = TODAY() - timedelta(days=500)
    supervisor = UserFactory(display_name="Sam Supervisor")
    supervisee = UserFactory(display_name="Priya Practitioner")
    manager = UserFactory(display_name="Max Manager")
    MembershipFactory(
        user=supervisor, unit=org_tree["hv_team"], job_role=role("T4"), start_date=start
    )
    MembershipFactory(
        user=supervisee, unit=org_tree["hv_team"], job_role=role("T2"), start_date=start
    )
    MembershipFactory(
        user=manager, unit=org_tree["hv_team"], job_role=None, is_manager=True, start_date=start
    )
    return supervisor, supervisee, manager


def test_agree_record_reflect_and_sign_off_in_the_browser(client, people):
    supervisor, supervisee, manager = people

    # The supervisor proposes an agreement, choosing a colleague from their organisation.
    client.force_login(supervisor)
    page = client.get(reverse("supervision:agreement_create")).content.decode()
    assert "Priya Practitioner" in page
    response = client.post(
        reverse("supervision:agreement_create"),
        {
            "supervisees": [supervisee.pk],
            "type": "reflective",
            "format": "individual",
            "modality": "video",
            "frequency": "fortnightly",
            "start_date": TODAY().isoformat(),
            "review_date": (TODAY() + timedelta(days=180)).isoformat(),
            "confidentiality": "Between us, except safeguarding.",
            "submission_key": hidden(page, "submission_key"),
        },
    )
    agreement = SupervisionAgreement.objects.get()
    assert response.url == reverse("supervision:agreement", args=[agreement.pk])
    # No sessions before the supervisee accepts.
    response = client.get(reverse("supervision:session_create", args=[agreement.pk]))
    assert response.status_code == 302

    # The supervisee sees it waiting on their page and accepts.
    client.force_login(supervisee)
    home = client.get(reverse("supervision:home")).content.decode()
    assert "Agreements waiting for your answer" in home
    client.post(reverse("supervision:agreement_accept", args=[agreement.pk]))
    assert agreement.parties.get().accepted_at is not None

    # The supervisor records the session with an action.
    client.force_login(supervisor)
    url = reverse("supervision:session_create", args=[agreement.pk])
    page = client.get(url).content.decode()
    response = client.post(
        url,
        session_post(
            page,
            attendees=[supervisee.pk],
            **{
                "actions-0-text": "Read about containment",
                "actions-0-owner": str(supervisee.pk),
                "actions-0-due_date": (TODAY() + timedelta(days=10)).isoformat(),
            },
        ),
    )
    session = SupervisionSession.objects.get()
    assert response.url == reverse("supervision:session", args=[session.pk])
    assert session.actions.get().owner == supervisee
    assert not session.is_locked

    # The supervisee adds their reflection.
    client.force_login(supervisee)
    assert "Add your reflection" in client.get(reverse("supervision:home")).content.decode()
    client.post(
        reverse("supervision:reflection", args=[session.pk]),
        {"reflection": "I noticed my shoulders drop when we slowed down."},
    )
    attendance = SessionAttendance.objects.get()
    assert attendance.reflection_submitted_at is not None
    assert selectors.hours_in_window(supervisee) == 0

    # The supervisor sees it awaiting sign-off and signs it off.
    client.force_login(supervisor)
    home = client.get(reverse("supervision:home")).content.decode()
    assert "Records awaiting your sign-off" in home
    client.post(reverse("supervision:sign_off", args=[session.pk]))
    session.refresh_from_db()
    assert session.is_locked

    # The supervisee's hours move toward their target...
    client.force_login(supervisee)
    home = client.get(reverse("supervision:home")).content.decode()
    assert "1.00 of 12.0 hours" in home
    assert selectors.supervision_summary(supervisee).hours_12m == Decimal("1.00")

    # ... and their manager sees the hours, never the content.
    client.force_login(manager)
    team = client.get(reverse("supervision:team")).content.decode()
    assert "Priya Practitioner" in team and "1.00" in team
    for secret in ("Family A", "shoulders", "containment", "how the visit"):
        assert secret not in team
    assert client.get(reverse("supervision:session", args=[session.pk])).status_code == 404


def test_supervisee_can_draft_and_the_next_session_carries_actions_forward(client, people):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    first = make_session(agreement, on=TODAY() - timedelta(days=14))
    first.actions.create(text="Try the cue cards", owner=supervisee)
    client.force_login(supervisee)
    url = reverse("supervision:session_create", args=[agreement.pk])
    page = client.get(url).content.decode()
    assert "Try the cue cards" in page  # shown as a carried-forward action to tick
    action = first.actions.get()
    response = client.post(
        url, session_post(page, attendees=[supervisee.pk], done_actions=[action.pk])
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    second = SupervisionSession.objects.exclude(pk=first.pk).get()
    assert second.created_by == supervisee


# --- Bad input ------------------------------------------------------------------------------


def post_session_form(client, agreement, user, **overrides):
    client.force_login(user)
    url = reverse("supervision:session_create", args=[agreement.pk])
    page = client.get(url).content.decode()
    attendees = [p.supervisee.pk for p in agreement.parties.all()]
    return client.post(url, session_post(page, attendees=attendees, **overrides))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "3", "Enter a duration between 5 and 480 minutes"),
        ("duration_minutes", "481", "Enter a duration between 5 and 480 minutes"),
        ("date", "2999-01-01", "The session date cannot be in the future"),
    ],
)
def test_bad_session_input_gets_a_clear_message_and_keeps_the_text(
    client, people, field, value, message
):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    response = post_session_form(
        client, agreement, supervisor, **{field: value, "discussion": "Words I must not lose"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "There is a problem" in html
    assert "Words I must not lose" in html
    assert not SupervisionSession.objects.exists()


def test_identifiers_are_named_by_field_and_the_text_is_kept(client, people):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    text = "Baby (DOB 12/03/2024) seen with mum; NHS 943 476 5919"
    response = post_session_form(client, agreement, supervisor, case_references=text)
    html = response.content.decode()
    assert "Anonymised case references: This looks like it contains" in html
    assert "a date of birth (12/03/2024)" in html
    assert "an NHS number (943 476 5919)" in html
    assert text in html  # still in the textarea, to edit
    assert not SupervisionSession.objects.exists()


def test_identifiers_in_an_action_are_caught(client, people):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    response = post_session_form(
        client,
        agreement,
        supervisor,
        **{"actions-0-text": "Ring mum on 07700 900123", "actions-0-owner": str(supervisor.pk)},
    )
    html = response.content.decode()
    assert "a phone number (07700 900123)" in html
    assert "Ring mum on 07700 900123" in html
    assert not SupervisionSession.objects.exists()


def test_double_submit_of_a_session_creates_one(client, people):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    client.force_login(supervisor)
    url = reverse("supervision:session_create", args=[agreement.pk])
    data = session_post(client.get(url).content.decode(), attendees=[supervisee.pk])
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.url == second.url
    assert SupervisionSession.objects.count() == 1


def test_supervisor_cannot_be_their_own_supervisee(client, people):
    supervisor, _, _ = people
    client.force_login(supervisor)
    page = client.get(reverse("supervision:agreement_create")).content.decode()
    response = client.post(
        reverse("supervision:agreement_create"),
        {
            "supervisee_emails": supervisor.email.upper(),
            "type": "reflective",
            "format": "individual",
            "modality": "video",
            "frequency": "fortnightly",
            "start_date": TODAY().isoformat(),
            "review_date": (TODAY() + timedelta(days=30)).isoformat(),
            "confidentiality": "Terms I typed carefully",
            "submission_key": hidden(page, "submission_key"),
        },
    )
    html = response.content.decode()
    assert "You cannot supervise yourself" in html
    assert "Terms I typed carefully" in html
    assert not SupervisionAgreement.objects.exists()


def test_unknown_email_is_explained(client, people):
    supervisor, _, _ = people
    client.force_login(supervisor)
    page = client.get(reverse("supervision:agreement_create")).content.decode()
    response = client.post(
        reverse("supervision:agreement_create"),
        {
            "supervisee_emails": "nobody@example.org",
            "type": "reflective",
            "format": "individual",
            "modality": "video",
            "frequency": "fortnightly",
            "start_date": TODAY().isoformat(),
            "review_date": (TODAY() + timedelta(days=30)).isoformat(),
            "confidentiality": "Terms",
            "submission_key": hidden(page, "submission_key"),
        },
    )
    assert "No account uses nobody@example.org" in response.content.decode()


def test_signing_off_someone_elses_session(client, org_tree):
    w = build_world(org_tree)
    # The supervisee, who can read the record, is told why not.
    client.force_login(w.practitioner)
    response = client.post(reverse("supervision:sign_off", args=[w.draft.pk]))
    assert response.status_code == 403
    assert "only Sam Supervisor can sign it off" in response.content.decode()
    # Another supervisor cannot even tell it exists.
    client.force_login(w.other_supervisor)
    assert client.post(reverse("supervision:sign_off", args=[w.draft.pk])).status_code == 404
    w.draft.refresh_from_db()
    assert not w.draft.is_locked


def test_editing_a_signed_off_record_explains_and_keeps_the_text_for_a_correction(client, org_tree):
    w = build_world(org_tree)
    client.force_login(w.supervisor)
    url = reverse("supervision:session_edit", args=[w.signed.pk])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 409
    assert "can no longer be edited" in html
    assert reverse("supervision:correction_create", args=[w.signed.pk]) in html
    response = client.post(
        url,
        {
            "date": w.signed.date.isoformat(),
            "duration_minutes": "480",
            "discussion": "A better summary I wrote later",
            "version": str(w.signed.version),
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "A better summary I wrote later" in html  # prefilled in the correction form
    w.signed.refresh_from_db()
    assert w.signed.duration_minutes == 90
    assert w.signed.discussion != "A better summary I wrote later"
    # Adding the correction appends it under the record.
    response = client.post(
        reverse("supervision:correction_create", args=[w.signed.pk]),
        {
            "text": "A better summary I wrote later",
            "submission_key": hidden(html, "submission_key"),
        },
    )
    page = client.get(response.url).content.decode()
    assert "A better summary I wrote later" in page and "Sam Supervisor" in page


def test_a_stale_edit_keeps_the_users_text(client, org_tree):
    w = build_world(org_tree)
    url = reverse("supervision:session_edit", args=[w.draft.pk])
    client.force_login(w.supervisor)
    data = {
        "date": w.draft.date.isoformat(),
        "duration_minutes": "60",
        "discussion": "My careful edit",
        "version": str(w.draft.version),
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "30",
    }
    SupervisionSession.objects.filter(pk=w.draft.pk).update(version=5)  # someone else saved
    response = client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this session" in html and "My careful edit" in html
    assert 'name="version" value="5"' in html
    # Saving again, deliberately, replaces the other version.
    response = client.post(url, {**data, "version": "5"})
    assert response.status_code == 302
    w.draft.refresh_from_db()
    assert w.draft.discussion == "My careful edit"


def test_review_due_is_shown_to_both_parties_and_a_review_clears_it(client, org_tree):
    w = build_world(org_tree)
    SupervisionAgreement.objects.filter(pk=w.agreement.pk).update(
        review_date=TODAY() - timedelta(days=1)
    )
    for person in (w.practitioner, w.supervisor):
        client.force_login(person)
        assert "Review due" in client.get(reverse("supervision:home")).content.decode()
    url = reverse("supervision:agreement_review", args=[w.agreement.pk])
    page = client.get(url).content.decode()
    client.post(
        url,
        {
            "next_review_date": (TODAY() + timedelta(days=180)).isoformat(),
            "notes": "Keep fortnightly",
            "submission_key": hidden(page, "submission_key"),
        },
    )
    w.agreement.refresh_from_db()
    assert w.agreement.review_date == TODAY() + timedelta(days=180)
    assert "Review due" not in client.get(reverse("supervision:home")).content.decode()


# --- Query counts ---------------------------------------------------------------------------


def grow(w, n):
    """Add n more supervisees with signed-off sessions, actions and drafts."""
    for i in range(n):
        person = UserFactory()
        MembershipFactory(
            user=person,
            unit=w.practitioner.memberships.first().unit,
            job_role=role("T3", "family-nurse"),
            start_date=TODAY() - timedelta(days=400),
        )
        agreement = make_agreement(w.supervisor, [person])
        session = make_session(agreement, on=TODAY() - timedelta(days=i + 1))
        session.actions.create(text=f"Action {i}", owner=w.supervisor)
        make_session(agreement, on=TODAY(), signed_off=False)
        for _ in range(2):
            make_session(make_agreement(UserFactory(), [w.practitioner]), on=TODAY())


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("supervisor", "supervision:home"),
        ("practitioner", "supervision:home"),
        ("manager", "supervision:team"),
    ],
)
def test_list_pages_take_a_constant_number_of_queries(
    client, org_tree, django_assert_max_num_queries, who, url_name
):
    w = build_world(org_tree)
    user = getattr(w, who)
    client.force_login(user)
    url = reverse(url_name)
    grow(w, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # creates the default targets on first use
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    budget = len(small.captured_queries)  # read now: Django's query log is a bounded window
    grow(w, 8)
    client.get(url)  # warm again: new memberships clear the cached ones
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


def test_team_person_page_query_count(client, org_tree, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = build_world(org_tree)
    client.force_login(w.manager)
    url = reverse("supervision:team_person", args=[w.practitioner.pk])
    client.get(url)  # creates the default targets on first use
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(20):
        make_session(w.agreement, on=TODAY() - timedelta(days=30 + i))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Signed off") >= 21


# --- Exports --------------------------------------------------------------------------------


def test_csv_log_lists_own_sessions_and_neutralises_formulas(client, org_tree):
    w = build_world(org_tree)
    w.supervisor.display_name = '=HYPERLINK("http://evil")'
    w.supervisor.save()
    client.force_login(w.practitioner)
    response = client.get(reverse("supervision:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Date"
    body = rows[1:]
    assert len(body) == 2  # the signed-off and the draft session; not other people's
    supervisor_cells = {r[5] for r in body}
    assert supervisor_cells == {'\'=HYPERLINK("http://evil")'}
    signed = next(r for r in body if r[6] == "Signed off")
    assert signed[1] == "90" and signed[8] == "Yes"
    assert "Family A" not in text and "anxiety" not in text  # content never exported


def test_pdf_log_is_a_pdf_with_the_persons_sessions(client, org_tree):
    from pypdf import PdfReader

    w = build_world(org_tree)
    client.force_login(w.practitioner)
    response = client.get(reverse("supervision:export_pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Supervision log" in text and "Priya Practitioner" in text
    assert "Sam Supervisor" in text
    assert "Family A" not in text


def test_editing_a_draft_changes_adds_and_deletes_actions(client, org_tree):
    w = build_world(org_tree)
    keep = w.draft.actions.create(text="Keep me", owner=w.practitioner)
    drop = w.draft.actions.create(text="Drop me", owner=w.supervisor)
    client.force_login(w.practitioner)
    url = reverse("supervision:session_edit", args=[w.draft.pk])
    html = client.get(url).content.decode()
    assert 'value="Keep me"' in html and 'value="Drop me"' in html
    response = client.post(
        url,
        {
            "date": w.draft.date.isoformat(),
            "duration_minutes": "75",
            "discussion": "Edited by the supervisee",
            "version": str(w.draft.version),
            "actions-TOTAL_FORMS": "3",
            "actions-INITIAL_FORMS": "2",
            "actions-MIN_NUM_FORMS": "0",
            "actions-MAX_NUM_FORMS": "30",
            "actions-0-id": str(keep.pk),
            "actions-0-text": "Keep me, reworded",
            "actions-0-owner": str(w.practitioner.pk),
            "actions-1-id": str(drop.pk),
            "actions-1-text": "Drop me",
            "actions-1-owner": str(w.supervisor.pk),
            "actions-1-DELETE": "on",
            "actions-2-text": "A new one",
            "actions-2-owner": str(w.supervisor.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    w.draft.refresh_from_db()
    assert w.draft.duration_minutes == 75 and w.draft.version == 2
    assert sorted(w.draft.actions.values_list("text", flat=True)) == [
        "A new one",
        "Keep me, reworded",
    ]


def test_an_action_without_an_owner_is_explained(client, people):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    response = post_session_form(
        client, agreement, supervisor, **{"actions-0-text": "Read the chapter"}
    )
    html = response.content.decode()
    assert "Choose who will do this action." in html and "Read the chapter" in html
    assert not SupervisionSession.objects.exists()


# --- What each role sees, and why (issue 15, items 7 and 8) -----------------------------------


def test_only_those_who_may_supervise_are_offered_to_set_up_an_agreement(client, people):
    supervisor, supervisee, manager = people
    offer = "Set up an agreement as supervisor"
    client.force_login(supervisee)  # a health visitor (T2)
    assert offer not in client.get(reverse("supervision:home")).content.decode()
    assert client.get(reverse("supervision:agreement_create")).status_code == 404
    for user in (supervisor, manager):  # T4 practitioner; line manager
        client.force_login(user)
        assert offer in client.get(reverse("supervision:home")).content.decode()
        assert client.get(reverse("supervision:agreement_create")).status_code == 200


def test_an_agreement_waiting_for_an_answer_is_not_no_agreement(client, people):
    supervisor, supervisee, _ = people
    make_agreement(supervisor, [supervisee], accepted=False)
    client.force_login(supervisee)
    html = client.get(reverse("supervision:home")).content.decode()
    mine = html.split('id="mine-heading"')[1]
    assert "no supervision agreement yet" not in mine
    assert "waiting for your answer" in mine


def test_the_supervisor_sees_the_agreement_named_after_the_supervisee(client, people):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    client.force_login(supervisor)
    html = client.get(reverse("supervision:agreement", args=[agreement.pk])).content.decode()
    assert f"supervision with {supervisee.display_name}</h1>" in html
    assert f"with {supervisor.display_name}" not in html
    client.force_login(supervisee)
    html = client.get(reverse("supervision:agreement", args=[agreement.pk])).content.decode()
    assert f"supervision with {supervisor.display_name}</h1>" in html


def test_each_supervision_status_comes_with_its_reason(client, org_tree, framework_tiers):
    """Two supervisees with the same 3 hours: one in post all year (behind: 12 expected), one
    who started a month ago (on track: 1 expected by today, pro rata)."""
    today = TODAY()
    supervisor = UserFactory(display_name="Sam Supervisor")
    MembershipFactory(user=supervisor, unit=org_tree["hv_team"], job_role=role("T4"))
    long_ago = UserFactory(display_name="Lou Longserving")
    new = UserFactory(display_name="Nia New")
    MembershipFactory(
        user=long_ago,
        unit=org_tree["hv_team"],
        job_role=role("T2"),
        start_date=today - timedelta(days=500),
    )
    MembershipFactory(
        user=new, unit=org_tree["hv_team"], job_role=role("T2"), start_date=today - timedelta(30)
    )
    agreement = make_agreement(supervisor, [long_ago, new], format="group")
    make_session(agreement, on=today - timedelta(days=3), minutes=180)
    client.force_login(supervisor)
    html = client.get(reverse("supervision:home")).content.decode()
    rows = {
        name: html.split(f"<td>{name}</td>")[1].split("</tr>")[0]
        for name in ("Lou Longserving", "Nia New")
    }
    assert "Behind" in rows["Lou Longserving"]
    assert "3 hours in the last 12 months; 12 expected by today" in rows["Lou Longserving"]
    assert "On track" in rows["Nia New"]
    assert "3 hours in the last 12 months; 1 expected by today, pro rata from" in rows["Nia New"]
    assert "(target 12 hours in 12 months)" in rows["Nia New"]


def test_the_walkthrough_identifiers_are_refused_and_the_text_kept(client, people):
    """Issue 15, item 9: "NHS 943.476.5919, d.o.b. 2026-02-03, 12 Acacia Avenue" was saved."""
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    text = "NHS 943.476.5919, d.o.b. 2026-02-03, 12 Acacia Avenue"
    html = post_session_form(client, agreement, supervisor, discussion=text).content.decode()
    assert "an NHS number (943.476.5919)" in html
    assert "a date of birth (2026-02-03)" in html
    assert text in html  # kept, to edit
    assert not SupervisionSession.objects.exists()


def test_what_may_identify_someone_is_saved_with_a_warning(client, people):
    supervisor, supervisee, _ = people
    agreement = make_agreement(supervisor, [supervisee])
    text = "Visited baby Lily Smith at 12 Acacia Avenue; ref 943.476.5918"
    response = post_session_form(client, agreement, supervisor, discussion=text)
    session = SupervisionSession.objects.get()
    assert session.discussion == text  # saved as typed
    page = client.get(response["Location"]).content.decode()
    assert "Check what you wrote: it may contain" in page
    assert "a street address (12 Acacia Avenue)" in page
    assert "a child&#x27;s full name (Lily Smith)" in page
    assert "a ten-digit number that may be a mistyped NHS number (943.476.5918)" in page
