"""The public verification pages: what they show, to whom, and how fast one may ask."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def verify(client, code, **extra):
    return client.get(reverse("certificates:verify", args=[code]), **extra)


def test_a_valid_certificate_shows_holder_course_tier_dates_and_nothing_else_personal(
    client, certificate
):
    response = verify(client, certificate.display_code)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This is a genuine certificate and it is valid until" in html
    assert "verify-result--valid" in html
    for expected in [
        "Siobhán O’Connor",
        "Understanding Babies: States and Cues",
        "T1 Informed",
        certificate.number,
        certificate.display_code,
        f"{certificate.valid_until.day} {certificate.valid_until:%B %Y}",
        f"{certificate.issued_on.day} {certificate.issued_on:%B %Y}",
    ]:
        assert expected in html, expected
    assert "siobhan@example.org" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "no-store"


def test_an_expired_certificate_says_so(client, issue):
    certificate = issue(completed_at=timezone.now() - timedelta(days=4 * 365))
    assert certificate.status == Certificate.Status.EXPIRED
    html = verify(client, certificate.display_code).content.decode()
    assert "but it expired after" in html
    assert "verify-result--expired" in html
    assert "Expired after" in html


def test_a_revoked_certificate_says_so_without_the_reason(client, certificate, admin_user):
    services.revoke_certificate(
        certificate=certificate, by=admin_user, reason="Completed on someone else's account"
    )
    html = verify(client, certificate.display_code).content.decode()
    assert "verify-result--revoked" in html
    assert "This certificate was revoked on" in html
    assert "is no longer valid" in html
    assert "someone else" not in html


@pytest.mark.parametrize("transform", [str.lower, lambda c: c.replace("-", ""), str.upper])
def test_codes_in_the_url_are_read_however_they_were_typed(client, certificate, transform):
    response = verify(client, transform(certificate.display_code))
    assert response.status_code == 200
    assert certificate.number in response.content.decode()


def test_an_unknown_code_gets_a_clear_not_found_page_with_the_form(client, certificate):
    response = verify(client, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Certificate not found" in html
    assert "No certificate has this code" in html
    assert 'name="code"' in html
    assert "Siobhán" not in html


def test_the_lookup_form_sends_a_typed_code_to_its_page(client, certificate):
    page = client.get(reverse("certificates:verify_lookup"))
    assert page.status_code == 200
    assert '<meta name="robots" content="noindex">' in page.content.decode()
    response = client.get(reverse("certificates:verify_lookup"), {"code": certificate.code.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:verify", args=[certificate.display_code])


def test_the_lookup_form_explains_a_malformed_code_and_keeps_what_was_typed(client):
    response = client.get(reverse("certificates:verify_lookup"), {"code": "K7QD-M2XP"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "16 letters and numbers" in html
    assert 'value="K7QD-M2XP"' in html


def test_lookups_are_rate_limited_per_client(client, certificate, settings):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = (5, 300)
    for _ in range(5):
        assert verify(client, certificate.display_code).status_code == 200
    response = verify(client, certificate.display_code)
    assert response.status_code == 429
    assert "Too many checks" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    # another client is not affected
    other = verify(client, certificate.display_code, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_unknown_codes_use_up_the_allowance_faster(client, settings):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = (30, 300)
    statuses = [verify(client, f"ZZZZ-ZZZZ-ZZZZ-{n:04d}").status_code for n in range(9)]
    assert statuses[:8] == [404] * 8
    assert statuses[8] == 429


def test_the_verify_lookup_url_is_public(client):
    assert reverse("certificates:verify_lookup") == "/certificates/verify/"
    assert client.get("/certificates/verify/").status_code == 200
