"""The session backend: Django's sessions in the database, read by a written query."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_signed_in_session_is_read_back_on_the_next_request(client, user_factory):
    client.force_login(user_factory())
    assert client.get(reverse("courses:dashboard")).status_code == 200


def test_an_expired_session_is_not_read(client, user_factory):
    client.force_login(user_factory())
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_session_key_is_a_new_anonymous_session(client, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 302
