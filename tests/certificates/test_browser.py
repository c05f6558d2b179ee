"""The certificate journey in Chromium, with axe-core (WCAG 2.2 AA) on each page: a learner
completes a course, finds the certificate on their page within seconds, downloads it, and a
stranger checks it with its code; the training record shows its progress and is offered for
download. No page breaks the Content Security Policy."""

import io
import time

import pytest
from pypdf import PdfReader

from certificates.models import Certificate
from tests.browser import assert_accessible, new_page
from tests.certificates.factories import make_course
from tests.factories import TierFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    # Restores the rows migrations create (the home page, collections) that a flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_complete_download_and_verify_in_chromium(browser, live_server):
    course = make_course(
        title="Holding the Baby in Mind", tier=TierFactory(code="T1"), modules=1, cpd_hours="1.25"
    )
    learner = UserFactory(display_name="Priya Patel", email="priya@example.org")
    page = new_page(browser, live_server, learner)

    # Enrol and complete the only module through the course pages.
    page.goto(course.url)
    page.locator(f'form[action="/learn/courses/{course.pk}/enrol/"] button').click()
    module = course.modules().first()
    page.goto(module.url)
    started = time.monotonic()
    page.locator(f'form[action="/learn/modules/{module.pk}/complete/"] button').click()
    page.wait_for_load_state()

    # The certificate is on the learner's page within seconds.
    page.goto("/certificates/")
    row = page.locator("tr", has_text="Holding the Baby in Mind")
    row.get_by_role("link", name="Download PDF").wait_for()
    assert time.monotonic() - started < 10
    certificate = Certificate.objects.get(user=learner)
    assert certificate.number in row.inner_text()
    assert "Valid" in row.inner_text()
    assert_accessible(page)

    with page.expect_download() as download:
        row.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"certificate-{certificate.number}.pdf"
    with open(download.value.path(), "rb") as handle:
        text = " ".join(PdfReader(io.BytesIO(handle.read())).pages[0].extract_text().split())
    assert "Priya Patel" in text and "Holding the Baby in Mind" in text
    assert certificate.display_code in text

    # Anyone holding the code can check it, typed in any case and spacing.
    stranger = new_page(browser, live_server)
    stranger.goto("/certificates/verify/")
    assert_accessible(stranger)
    stranger.get_by_label("Verification code").fill(certificate.code.lower())
    stranger.get_by_role("button", name="Check certificate").click()
    stranger.wait_for_load_state()
    assert stranger.url.endswith(f"/certificates/verify/{certificate.display_code}/")
    result = stranger.locator(".verify-result").inner_text()
    assert "Valid" in result and "genuine" in result
    assert "Priya Patel" in stranger.locator("main").inner_text()
    assert "priya@example.org" not in stranger.content()
    assert_accessible(stranger)

    stranger.goto("/certificates/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ/")
    assert "Certificate not found" in stranger.locator("h1").inner_text()
    assert_accessible(stranger)

    # The training record: requested, built (in the background), offered for download.
    page.goto("/certificates/")
    page.get_by_role("button", name="Create my training record").click()
    page.get_by_role("link", name="Download your training record (PDF)").wait_for()
    assert "Your training record is ready" in page.locator("main").inner_text()
    assert_accessible(page)


def test_the_training_record_page_follows_progress_and_reloads_when_ready(browser, live_server):
    from certificates import services
    from certificates.models import TrainingRecord

    learner = UserFactory(display_name="Priya Patel", email="priya@example.org")
    record = TrainingRecord.objects.create(user=learner)  # waiting for a worker
    page = new_page(browser, live_server, learner)
    page.goto(f"/certificates/training-record/{record.pk}/")
    assert "Waiting to start: 0% done" in page.locator("main").inner_text()
    assert_accessible(page)

    services.build_training_record(record_id=record.pk)  # the worker's job

    # The page's script polls the status and reloads itself once the record is ready.
    page.get_by_role("link", name="Download your training record (PDF)").wait_for(timeout=15000)
    assert page.csp_errors == []
