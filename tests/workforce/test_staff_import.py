import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.workforce import services
from lms.workforce.models import Invitation, Membership, StaffImport
from tests.factories import JobRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


GOOD = """email,name,unit,job_role,manager,start_date
asha.patel@example.org,Asha Patel,hv-north,health-visitor,no,2026-01-05
ben.jones@example.org,Ben Jones,midwives,Midwife,,
"""


@pytest.fixture
def manager(org_tree, make_member, framework_tiers):
    JobRoleFactory(
        code="health-visitor", name="Health visitor", required_tier=framework_tiers["T2"]
    )
    JobRoleFactory(code="midwife", name="Midwife", required_tier=framework_tiers["T2"])
    return make_member(org_tree["trust"], is_manager=True).user


@pytest.fixture
def check_and_apply(django_capture_on_commit_callbacks):
    def run(manager, content):
        staff_import = services.staff_import_check(
            uploaded_by=manager, filename="staff.csv", content=content
        )
        with django_capture_on_commit_callbacks(execute=True):  # invitation emails
            return services.staff_import_apply(staff_import=staff_import, user=manager)

    return run


def test_good_file_imports_people_memberships_and_invitations(manager, org_tree, check_and_apply):
    result = check_and_apply(manager, GOOD)
    assert result.report["good"] == 2 and result.report["bad"] == 0
    asha = Membership.objects.get(user__email="asha.patel@example.org")
    assert asha.unit == org_tree["hv_team"] and asha.start_date.isoformat() == "2026-01-05"
    assert asha.user.display_name == "Asha Patel" and not asha.user.has_usable_password()
    assert Membership.objects.get(user__email="ben.jones@example.org").job_role.code == "midwife"
    invited = sorted(m.to[0] for m in mail.outbox if "invited" in m.subject)
    assert Invitation.objects.count() == 2
    assert invited == ["asha.patel@example.org", "ben.jones@example.org"]
    finished = [m for m in mail.outbox if "Staff import imported" in m.subject]
    assert [m.to for m in finished] == [[manager.email]] and "New people: 2" in finished[0].body
    assert result.status == StaffImport.Status.IMPORTED
    assert [r["outcome"] for r in result.report["rows"]] == ["new", "new"]


def test_reimporting_the_same_file_changes_nothing(manager, check_and_apply):
    """Re-running the same file (or the same job) writes nothing new."""
    check_and_apply(manager, GOOD)

    def invitations_sent():
        return sum(1 for m in mail.outbox if "invited" in m.subject)

    counts = (Membership.objects.count(), Invitation.objects.count(), invitations_sent())
    again = check_and_apply(manager, GOOD)
    assert (Membership.objects.count(), Invitation.objects.count(), invitations_sent()) == counts
    assert [r["outcome"] for r in again.report["rows"]] == ["unchanged", "unchanged"]
    assert again.counts["unchanged"] == 2 and again.counts["new"] == 0


def test_bad_rows_are_reported_line_by_line_and_good_rows_imported(manager, check_and_apply):
    content = (
        "email,name,unit,job_role,manager,start_date\n"
        "good.one@example.org,Good One,hv-north,health-visitor,,\n"
        "not-an-email,Bad Email,hv-north,health-visitor,,\n"
        "no.unit@example.org,No Unit,nowhere,health-visitor,,\n"
        "outside@example.org,Outside,family-support,health-visitor,,\n"
        "bad.role@example.org,Bad Role,hv-north,astronaut,,\n"
        "bad.date@example.org,Bad Date,hv-north,health-visitor,,31/02/2026\n"
        "no.name@example.org,,hv-north,health-visitor,,\n"
        "good.one@example.org,Good One,hv-north,health-visitor,,\n"
        "bad.flag@example.org,Bad Flag,hv-north,health-visitor,maybe,\n"
    )
    result = check_and_apply(manager, content)
    errors = {r["line"]: " ".join(r["errors"]) for r in result.report["rows"] if r["errors"]}
    assert "not a valid email" in errors[3]
    assert "No active team or organisation you manage is called 'nowhere'" in errors[4]
    assert "You do not manage 'family-support'" in errors[5]
    assert "No job role is called 'astronaut'" in errors[6]
    assert "is not a date" in errors[7]
    assert "Name is missing" in errors[8]
    assert "Repeats line 2" in errors[9]
    assert "Manager must be 'yes' or 'no'" in errors[10]
    assert result.report["good"] == 1
    assert Membership.objects.filter(user__email="good.one@example.org").count() == 1
    assert not Membership.objects.filter(user__email__startswith="no.unit").exists()


def test_missing_columns_are_a_file_level_problem(manager):
    result = services.staff_import_check(
        uploaded_by=manager, filename="x.csv", content="name,team\nA,B\n"
    )
    assert "Missing: email, unit, job_role" in result.report["problems"][0]
    assert result.status == StaffImport.Status.VALIDATED


def test_existing_person_gets_membership_but_no_invitation(manager, org_tree, check_and_apply):
    UserFactory(email="asha.patel@example.org")
    check_and_apply(manager, GOOD)
    assert Membership.objects.filter(user__email="asha.patel@example.org").exists()
    assert not Invitation.objects.filter(email="asha.patel@example.org").exists()


def test_upload_check_and_confirm_through_the_pages(
    client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    upload = SimpleUploadedFile("staff.csv", GOOD.encode("utf-8-sig"), content_type="text/csv")
    response = client.post(reverse("workforce:import"), {"file": upload, "send_invitations": "on"})
    staff_import = StaffImport.objects.get()
    assert response.url == reverse("workforce:import_detail", args=[staff_import.pk])
    page = client.get(response.url)
    assert b"Import 2 rows" in page.content and b"New people: <strong>2</strong>" in page.content
    assert not Membership.objects.filter(user__email="asha.patel@example.org").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"action": "confirm"})
        client.post(response.url, {"action": "confirm"})  # a double click imports once
    assert Membership.objects.filter(user__email="asha.patel@example.org").count() == 1
    assert Invitation.objects.filter(email="asha.patel@example.org").count() == 1


def test_binary_file_is_refused_with_a_message(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile(
        "staff.csv", b"PK\x03\x04\x00\x00\x00\x08\x00", content_type="text/csv"
    )
    response = client.post(reverse("workforce:import"), {"file": upload})
    assert response.status_code == 200 and b"not text" in response.content
    assert not StaffImport.objects.exists()


def test_another_manager_cannot_see_my_import(client, manager, org_tree, make_member):
    staff_import = services.staff_import_check(uploaded_by=manager, filename="s.csv", content=GOOD)
    other = make_member(org_tree["council"], is_manager=True).user
    client.force_login(other)
    url = reverse("workforce:import_detail", args=[staff_import.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
