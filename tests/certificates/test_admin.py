"""Certificates in the Wagtail admin: list, search, filter, export, inspect, and the revoke /
reinstate / reissue actions with their audit log."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certificates.models import Certificate

pytestmark = pytest.mark.django_db

INDEX = "/admin/certificates/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_list_shows_number_holder_course_issued_and_status(admin_client, certificate):
    response = admin_client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    for expected in [certificate.number, "Siobhán O’Connor", "Understanding Babies", "Valid"]:
        assert expected in html


def test_search_by_number_name_email_or_code(admin_client, issue, other):
    mine = issue()
    theirs = issue(user=other)
    for term in [mine.number, "siobhan@example", "O’Connor", mine.code.lower()]:
        html = admin_client.get(INDEX, {"q": term}).content.decode()
        assert mine.number in html and theirs.number not in html, term


def test_filter_by_status(admin_client, issue, other):
    expired = issue(completed_at=timezone.now() - timedelta(days=4 * 365))
    valid = issue(user=other)
    html = admin_client.get(INDEX, {"status": "expired"}).content.decode()
    assert expired.number in html and valid.number not in html
    html = admin_client.get(INDEX, {"status": "valid"}).content.decode()
    assert valid.number in html and expired.number not in html


def test_csv_export_neutralises_formulas_in_names(admin_client, issue, user_factory):
    sneaky = user_factory(display_name='=HYPERLINK("http://x.test")', email="s@example.org")
    issue(user=sneaky)
    response = admin_client.get(INDEX, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["Holder name"].startswith("'=")
    assert rows[0]["Email"] == "s@example.org"
    assert rows[0]["Status"] == "Valid"


def test_xlsx_export_is_offered(admin_client, certificate):
    response = admin_client.get(INDEX, {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_inspect_shows_the_record_and_the_actions(admin_client, certificate):
    html = admin_client.get(f"{INDEX}inspect/{certificate.pk}/").content.decode()
    assert certificate.display_code in html
    assert certificate.pdf_sha256 in html
    assert f"{INDEX}revoke/{certificate.pk}/" in html
    assert f"{INDEX}reissue/{certificate.pk}/" in html
    assert f"/certificates/{certificate.number}/pdf/" in html


def test_certificates_cannot_be_added_edited_or_deleted_in_the_admin(admin_client, certificate):
    assert admin_client.get(f"{INDEX}new/").status_code in (302, 403)
    assert admin_client.get(f"{INDEX}edit/{certificate.pk}/").status_code in (302, 403)
    assert admin_client.get(f"{INDEX}delete/{certificate.pk}/").status_code in (302, 403)


def test_revoking_asks_for_a_reason_then_revokes_and_logs_it(admin_client, certificate, admin_user):
    url = f"{INDEX}revoke/{certificate.pk}/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    certificate.refresh_from_db()
    assert not certificate.is_revoked

    response = admin_client.post(url, {"reason": "Completed on a shared account"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_by == admin_user
    entry = ModelLogEntry.objects.get(action="certificates.revoke")
    assert entry.data["reason"] == "Completed on a shared account"
    # the audit log shows it in the certificate's history
    history = admin_client.get(f"{INDEX}history/{certificate.pk}/").content.decode()
    assert "Revoked" in history


def test_reinstate_then_reissue_from_the_admin(
    admin_client, certificate, admin_user, holder, django_capture_on_commit_callbacks
):
    from certificates import services

    services.revoke_certificate(certificate=certificate, by=admin_user, reason="Mistake")
    response = admin_client.post(f"{INDEX}reissue/{certificate.pk}/", {"reason": "Name"})
    assert "Reinstate it first" in response.content.decode()

    admin_client.post(f"{INDEX}reinstate/{certificate.pk}/", {"reason": "Revoked in error"})
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID

    holder.display_name = "Siobhán Whitfield"
    holder.save()
    old_sha = certificate.pdf_sha256
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{INDEX}reissue/{certificate.pk}/", {"reason": "Name"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.holder_name == "Siobhán Whitfield"
    assert certificate.pdf_sha256 != old_sha
    assert list(
        ModelLogEntry.objects.filter(object_id=str(certificate.pk))
        .order_by("timestamp")
        .values_list("action", flat=True)
    ) == ["certificates.revoke", "certificates.reinstate", "certificates.reissue"]


def test_staff_without_the_manage_permission_cannot_revoke(client, certificate, user_factory):
    viewer = user_factory(is_staff=True)
    group = Group.objects.create(name="Certificate viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_certificate"),
    )
    viewer.groups.add(group)
    client.force_login(viewer)
    assert client.get(INDEX).status_code == 200
    response = client.post(f"{INDEX}revoke/{certificate.pk}/", {"reason": "No"})
    assert response.status_code in (302, 403)
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    html = client.get(f"{INDEX}inspect/{certificate.pk}/").content.decode()
    assert f"{INDEX}revoke/{certificate.pk}/" not in html

    group.permissions.add(Permission.objects.get(codename="manage_certificate"))
    viewer = type(viewer).objects.get(pk=viewer.pk)  # drop the permission cache
    client.force_login(viewer)
    assert client.post(f"{INDEX}revoke/{certificate.pk}/", {"reason": "Yes"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked
