"""A manager moves their staff in, in a real browser: upload a staff file, read the preview
(row problems and what would change; nothing saved), confirm, follow the progress and read the
result. axe-core checks each page against WCAG 2.2 AA."""

import pytest

from lms.workforce.models import Membership, StaffImport
from tests.browser import assert_accessible, new_page
from tests.factories import JobRoleFactory, MembershipFactory, UnitFactory, UserFactory, tiers

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STAFF = (
    "email,name,unit,job_role,start_date\n"
    "asha.patel@example.org,Asha Patel,e2e-hv,e2e-hv-role,2026-01-05\n"
    "ben.jones@example.org,Ben Jones,e2e-hv,e2e-hv-role,\n"
    "not-an-email,Broken Row,e2e-hv,e2e-hv-role,\n"
)


def test_a_manager_imports_staff_upload_preview_confirm_progress_result(browser, live_server):
    from playwright.sync_api import expect

    framework = tiers()
    region = UnitFactory.region(name="North", code="e2e-north")
    trust = UnitFactory.organisation(region, name="Riverside Trust", code="e2e-trust")
    UnitFactory.team(trust, name="Health Visiting", code="e2e-hv")
    JobRoleFactory(code="e2e-hv-role", name="Health visitor", required_tier=framework["T2"])
    manager = UserFactory(display_name="Mo Manager")
    MembershipFactory(user=manager, unit=trust, is_manager=True, job_role=None)

    page = new_page(browser, live_server, manager)
    page.context.set_default_timeout(15_000)
    page.goto("/workforce/import/")
    assert_accessible(page, "upload page")
    page.get_by_label("Staff file (CSV)").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": STAFF.encode()}
    )
    page.get_by_label("Organisation").select_option(label="Riverside Trust")
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="What this import would do")).to_be_visible()
    expect(page.get_by_text("New people: 2")).to_be_visible()
    expect(page.get_by_text("'not-an-email' is not a valid email address.")).to_be_visible()
    assert not Membership.objects.filter(user__email="asha.patel@example.org").exists()
    assert_accessible(page, "preview")

    page.get_by_role("button", name="Import 2 rows").click()
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("value", "100")
    expect(page.get_by_text("Imported", exact=True)).to_be_visible()
    expect(page.get_by_text("3 of 3 rows done")).to_be_visible()
    assert_accessible(page, "result")
    done = StaffImport.objects.get()
    assert done.status == StaffImport.Status.IMPORTED and done.counts["new"] == 2
    assert Membership.objects.filter(unit__code="e2e-hv").count() == 2
