"""The learner's pages: my certificates, downloads (own only) and the training record."""

import io
import time
from datetime import timedelta

import pytest
from django.db import reset_queries
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates import services
from certificates.models import Certificate, TrainingRecord
from tests.certificates.factories import make_completion, make_course

pytestmark = pytest.mark.django_db

MINE = "/certificates/"


def test_my_certificates_needs_sign_in(client):
    response = client.get(MINE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_my_certificates_lists_only_my_own_with_download_and_verify_links(
    client, issue, holder, other, course
):
    mine = issue()
    theirs = issue(user=other)
    client.force_login(holder)
    response = client.get(reverse("certificates:mine"))
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.number in html and theirs.number not in html
    assert reverse("certificates:pdf", args=[mine.number]) in html
    assert mine.verify_path() in html
    assert "Valid" in html
    assert "Understanding Babies: States and Cues" in html


def test_the_list_takes_the_same_number_of_queries_for_many_certificates(
    client, holder, framework_tiers, django_assert_max_num_queries
):
    client.force_login(holder)
    for _ in range(2):
        completion = make_completion(holder, make_course(tier=framework_tiers["T1"]))
        services.issue_certificate(completion_id=completion.pk)
    client.get(MINE)  # the first request after a publication reads the page tree
    reset_queries()  # Django's query log keeps 9,000 queries; the set-up above fills it
    with django_assert_max_num_queries(12) as few:
        client.get(MINE)
    few = len(few.captured_queries)
    for _ in range(6):
        completion = make_completion(holder, make_course(tier=framework_tiers["T2"]))
        services.issue_certificate(completion_id=completion.pk)
    client.get(MINE)
    reset_queries()
    with django_assert_max_num_queries(few):
        response = client.get(MINE)
    assert response.content.decode().count("Download PDF") == 8


def test_the_holder_downloads_their_pdf_as_an_attachment(client, certificate, holder):
    client.force_login(holder)
    response = client.get(reverse("certificates:pdf", args=[certificate.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-{certificate.number}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    # by id too
    assert client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code == 200


def test_someone_else_gets_404_for_my_certificate(client, certificate, other):
    client.force_login(other)
    assert client.get(reverse("certificates:pdf", args=[certificate.number])).status_code == 404
    assert client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("certificates:pdf", args=["IMH-2026-999999"])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, certificate):
    response = client.get(reverse("certificates:pdf", args=[certificate.number]))
    assert response.status_code == 302


def test_administrators_can_download_any_certificate(client, certificate, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("certificates:pdf", args=[certificate.number])).status_code == 200


def test_a_revoked_certificate_can_no_longer_be_downloaded_by_its_holder(
    client, certificate, holder, admin_user
):
    services.revoke_certificate(certificate=certificate, by=admin_user, reason="Issued in error")
    client.force_login(holder)
    assert client.get(reverse("certificates:pdf", args=[certificate.number])).status_code == 404
    html = client.get(MINE).content.decode()
    assert "Revoked" in html and "Not available" in html


def test_media_urls_are_never_exposed(certificate):
    with pytest.raises(ValueError):
        certificate.pdf.url  # noqa: B018


# --- Training record ------------------------------------------------------------------------


def test_asking_for_a_training_record_builds_it_in_the_background_and_offers_the_download(
    client, certificate, holder, django_capture_on_commit_callbacks
):
    client.force_login(holder)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:training_record_request"))
    record = TrainingRecord.objects.get(user=holder)
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:training_record", args=[record.pk])
    assert record.status == TrainingRecord.Status.READY and record.progress == 100

    page = client.get(response["Location"]).content.decode()
    assert "Your training record is ready" in page
    status = client.get(reverse("certificates:training_record_status", args=[record.pk])).json()
    assert status == {"status": "ready", "label": "Ready", "progress": 100, "done": True}

    download = client.get(reverse("certificates:training_record_pdf", args=[record.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment; filename=")
    text = PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages[0].extract_text()
    text = " ".join(text.split())
    assert "Training record" in text and "Siobhán O’Connor" in text
    assert certificate.number in text
    assert "siobhan@example.org" in text


def test_while_the_record_is_being_built_the_page_shows_progress_without_inline_script(
    client, holder
):
    client.force_login(holder)
    record, created = services.request_training_record(user=holder)  # on_commit never runs here
    assert created and record.status == TrainingRecord.Status.QUEUED
    html = client.get(reverse("certificates:training_record", args=[record.pk])).content.decode()
    assert "Waiting to start: 0% done" in html
    assert "<progress" in html
    assert "certificates/training_record.js" in html
    assert "<script>" not in html
    assert 'style="' not in html


def test_a_double_submit_joins_the_request_already_in_progress(client, holder):
    client.force_login(holder)
    first = client.post(reverse("certificates:training_record_request"))
    second = client.post(reverse("certificates:training_record_request"))
    assert first["Location"] == second["Location"]
    assert TrainingRecord.objects.filter(user=holder).count() == 1


def test_training_records_are_private_to_their_owner(client, holder, other):
    record, _ = services.request_training_record(user=holder)
    services.build_training_record(record_id=record.pk)
    client.force_login(other)
    for name in ("training_record", "training_record_status", "training_record_pdf"):
        assert client.get(reverse(f"certificates:{name}", args=[record.pk])).status_code == 404


def test_the_training_record_lists_roles_tiers_completions_certificates_and_supervision(
    holder, framework_tiers, make_member, org_tree
):
    from certificates import selectors
    from courses.models import TierStanding
    from tests.factories import JobRoleFactory

    role = JobRoleFactory(code="hv", name="Health visitor", required_tier=framework_tiers["T2"])
    make_member(org_tree["hv_team"], user=holder, job_role=role)
    TierStanding.objects.create(
        user=holder,
        tier=framework_tiers["T1"],
        valid_until=timezone.localdate() + timedelta(days=400),
    )
    course = make_course(title="Attachment Essentials", tier=framework_tiers["T1"])
    old = make_completion(holder, course, completed_at=timezone.now() - timedelta(days=4 * 365))
    new = make_completion(holder, course)
    for completion in (old, new):
        services.issue_certificate(completion_id=completion.pk)

    record, _ = services.request_training_record(user=holder)
    services.build_training_record(record_id=record.pk)
    record.refresh_from_db()
    with record.file.open("rb") as handle:
        reader = PdfReader(handle)
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in [
        "Health Visiting North (Riverside NHS Trust)",
        "Health visitor",
        "T2 Skilled",
        "T1 Informed",
        "Below your role's requirement",
        "Attachment Essentials",
        "Current",
        "Expired",
        *[c.number for c in Certificate.objects.all()],
        "Reflective supervision",
        "Hours in the last 12 months",
    ]:
        assert expected in text, expected
    # long URLs wrap inside their table cell
    unwrapped = "".join(text.split())
    for certificate in Certificate.objects.all():
        assert certificate.verify_url() in unwrapped
    assert selectors.training_record_context(holder)["record"].current_count == 1


def test_a_record_of_fifty_completions_is_built_in_well_under_two_seconds(
    holder, framework_tiers, django_assert_max_num_queries
):
    courses = [make_course(tier=framework_tiers["T1"]) for _ in range(10)]
    start = timezone.now() - timedelta(days=5 * 365)
    for n in range(50):
        completion = make_completion(
            holder, courses[n % 10], completed_at=start + timedelta(days=30 * n)
        )
        services.ensure_certificate(completion_id=completion.pk)
    record, _ = services.request_training_record(user=holder)
    # CPU time, so that a busy machine does not make the test fail; it includes the first
    # (cold) use of the record's stylesheet and fonts in this process.
    began = time.process_time()
    with django_assert_max_num_queries(40):
        services.build_training_record(record_id=record.pk)
    elapsed = time.process_time() - began
    record.refresh_from_db()
    assert record.status == TrainingRecord.Status.READY
    assert elapsed < 1.5, f"took {elapsed:.2f}s of CPU"
    with record.file.open("rb") as handle:
        assert len(PdfReader(handle).pages) >= 2


def test_each_certificate_link_on_the_dashboard_opens_that_certificate(
    client, certificate, holder, other
):
    """Issue 15, item 12: every "Certificate" link on /learn/ led to the general page."""
    client.force_login(holder)
    page = client.get(reverse("courses:dashboard")).content.decode()
    link = reverse("certificates:for_completion", args=[certificate.completion_id])
    assert f'href="{link}"' in page
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert certificate.pdf_filename() in response["Content-Disposition"]
    client.force_login(other)
    assert client.get(link).status_code == 404
