"""Drafts of reflections and supervision notes: saved by the page's script, private to their
author, kept across a session timeout, discarded when the form is saved; bad input gets a
clear JSON message and stores nothing."""

import json
import time

import pytest
from django.urls import reverse

from lms.accounts import sessions
from lms.drafts.models import FormDraft
from supervision.models import SessionAttendance
from tests.factories import UserFactory
from tests.supervision.factories import make_agreement, make_session

pytestmark = pytest.mark.django_db

URL = "/accounts/drafts/"


def save(client, key, fields, **headers):
    return client.post(
        URL, json.dumps({"key": key, "fields": fields}), content_type="application/json", **headers
    )


@pytest.fixture
def supervision(org_tree):
    supervisor, supervisee = UserFactory(), UserFactory()
    agreement = make_agreement(supervisor, [supervisee])
    session = make_session(agreement, signed_off=False, discussion="We talked.")
    return supervisor, supervisee, session


def test_a_draft_is_saved_read_back_and_replaced(client):
    user = UserFactory()
    client.force_login(user)
    assert save(client, "/learn/", {"reflection-1": "First thoughts"}).json() == {"saved": True}
    assert save(client, "/learn/", {"reflection-1": "Second thoughts"}).status_code == 200
    draft = client.get(URL, {"key": "/learn/"}).json()
    assert draft["fields"] == {"reflection-1": "Second thoughts"}
    assert FormDraft.objects.count() == 1


def test_an_empty_draft_is_forgotten(client):
    client.force_login(UserFactory())
    save(client, "/learn/", {"reflection-1": "Thoughts"})
    assert save(client, "/learn/", {"reflection-1": "  "}).json() == {"saved": False}
    assert not FormDraft.objects.exists()


def test_drafts_are_private_to_their_author(client):
    author, other = UserFactory(), UserFactory()
    client.force_login(author)
    save(client, "/supervision/sessions/1/reflection/", {"reflection": "Private"})
    client.force_login(other)
    assert client.get(URL, {"key": "/supervision/sessions/1/reflection/"}).json()["fields"] is None
    client.delete(URL + "?key=/supervision/sessions/1/reflection/")
    assert FormDraft.objects.filter(user=author).exists()


def test_visitors_who_are_not_signed_in_get_403(client):
    assert client.get(URL, {"key": "/learn/"}).status_code == 403
    assert save(client, "/learn/", {"a": "b"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "Send the draft as JSON"),
        ("[1, 2]", "Send the draft as JSON"),
        (json.dumps({"key": "https://elsewhere.example/", "fields": {}}), "name the page"),
        (json.dumps({"key": "/learn/?x=1", "fields": {}}), "name the page"),
        (json.dumps({"key": "/" + "a" * 300, "fields": {}}), "name the page"),
        (json.dumps({"key": "/learn/", "fields": ["a"]}), "at most 100 fields"),
        (json.dumps({"key": "/learn/", "fields": {"a": 1}}), "name and its text"),
        (json.dumps({"key": "/learn/", "fields": {"a": "x\x00"}}), "NUL"),
        (json.dumps({"key": "/learn/", "fields": {"a": "x" * 200_001}}), "200,000 characters"),
    ],
)
def test_bad_drafts_are_refused_with_a_message(client, body, message):
    client.force_login(UserFactory())
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not FormDraft.objects.exists()
    assert client.get(URL, {"key": "//evil"}).status_code == 400


def test_a_draft_is_kept_across_an_idle_timeout_and_offered_after_signing_in(
    client, supervision, password
):
    _, supervisee, session = supervision
    supervisee.set_password(password)
    supervisee.save()
    page = reverse("supervision:reflection", args=[session.pk])
    client.force_login(supervisee)
    assert f'data-draft-key="{page}"' in client.get(page).content.decode()
    # The warning shows and saves the draft without counting as activity.
    state = client.session
    state[sessions.SEEN] = time.time() - 28 * 60
    state.save()
    save(client, page, {"reflection": "Half a thought about"}, HTTP_X_SESSION_PASSIVE="1")
    # Nobody comes back: the next request finds the session over.
    state = client.session
    state[sessions.SEEN] = time.time() - 31 * 60
    state.save()
    response = client.get(page)
    assert response.url == reverse("account_login") + "?next=" + page.replace("/", "%2F")
    # Signing in again leads back to the form, whose draft is still there.
    response = client.post(
        response.url, {"login": supervisee.email, "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == page
    assert client.get(URL, {"key": page}).json()["fields"] == {"reflection": "Half a thought about"}


def test_saving_the_supervision_reflection_discards_its_draft(client, supervision):
    _, supervisee, session = supervision
    page = reverse("supervision:reflection", args=[session.pk])
    client.force_login(supervisee)
    save(client, page, {"reflection": "Draft"})
    response = client.post(page, {"reflection": "What I noticed in the room."})
    assert response.status_code == 302
    assert SessionAttendance.objects.get().reflection == "What I noticed in the room."
    assert not FormDraft.objects.exists()


def test_a_refused_save_keeps_the_draft(client, supervision):
    _, supervisee, session = supervision
    page = reverse("supervision:reflection", args=[session.pk])
    client.force_login(supervisee)
    save(client, page, {"reflection": "Draft"})
    response = client.post(page, {"reflection": ""})
    assert response.status_code == 200  # the form again, with its message
    assert FormDraft.objects.filter(key=page).exists()


def test_a_supervision_note_form_carries_its_draft_key(client, supervision):
    supervisor, _, session = supervision
    client.force_login(supervisor)
    page = reverse("supervision:session_edit", args=[session.pk])
    assert f'data-draft-key="{page}"' in client.get(page).content.decode()


def test_drafts_are_in_the_persons_data_export_and_go_when_they_are_erased(client):
    from lms.accounts import privacy

    user = UserFactory()
    client.force_login(user)
    save(client, "/learn/", {"reflection-1": "Thoughts"})
    exported = privacy.export(user)["drafts"]
    assert exported[0]["page"] == "/learn/"
    assert exported[0]["fields"] == {"reflection-1": "Thoughts"}
    assert privacy.erase(user)["drafts_deleted"] == 1
    assert not FormDraft.objects.exists()


def test_discarding_a_draft_answers_as_reading_it_then_would(client):
    client.force_login(UserFactory())
    save(client, "/learn/", {"reflection-1": "Half a thought"})
    response = client.delete(URL + "?key=/learn/")
    assert response.json() == {"key": "/learn/", "fields": None}
    assert client.get(URL, {"key": "/learn/"}).json()["fields"] is None


def test_drafts_nobody_came_back_to_are_purged_after_the_retention_period(settings):
    """The daily job forgets drafts untouched for DRAFT_RETENTION_DAYS; recent ones stay."""
    from datetime import timedelta

    from django.utils import timezone

    from lms.drafts.tasks import purge_stale

    settings.DRAFT_RETENTION_DAYS = 30
    user = UserFactory()
    old = FormDraft.objects.create(user=user, key="/learn/old/", fields={"a": "left behind"})
    recent = FormDraft.objects.create(user=user, key="/learn/new/", fields={"a": "in progress"})
    FormDraft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))
    FormDraft.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - timedelta(days=29))

    assert purge_stale.delay().get() == 1
    assert list(FormDraft.objects.values_list("pk", flat=True)) == [recent.pk]
    assert purge_stale.delay().get() == 0  # running again deletes nothing more
