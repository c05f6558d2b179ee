"""The audit log records views of supervision content, exports, role changes and erasures, with
who did it, and Wagtail's "Site history" report names every action in words."""

import pytest
from django.urls import reverse
from wagtail.log_actions import registry
from wagtail.models import ModelLogEntry

from courses.services import AUDIT_EXPORT_REFLECTIONS
from lms import privacy
from lms.accounts.services import AUDIT_ROLE_CHANGE
from lms.reports.services import AUDIT_EXPORT, AUDIT_VIEW_PERSON
from lms.workforce import services as workforce
from lms.workforce.models import Membership
from supervision.services import AUDIT_EXPORT_LOG, AUDIT_VIEW_RECORD
from tests.factories import JobRoleFactory

pytestmark = pytest.mark.django_db

ROLE_ACTIONS = [
    workforce.AUDIT_MEMBERSHIP_START,
    workforce.AUDIT_MEMBERSHIP_END,
    workforce.AUDIT_MEMBERSHIP_MOVE,
    workforce.AUDIT_MANAGER_GRANTED,
    workforce.AUDIT_MEMBERSHIP_CORRECT,
    AUDIT_ROLE_CHANGE,
]


def entries(action, obj=None):
    qs = ModelLogEntry.objects.filter(action=action)
    if obj is not None:
        qs = qs.filter(object_id=str(obj.pk))
    return qs


@pytest.fixture
def role(framework_tiers):
    return JobRoleFactory(code="midwife", name="Midwife", required_tier=framework_tiers["T2"])


# --- Role changes ---------------------------------------------------------------------------


def test_starting_ending_moving_and_manager_rights_are_logged_with_who(
    org_tree, role, user_factory
):
    person, boss = user_factory(), user_factory()
    membership, _ = workforce.membership_start(
        user=person, unit=org_tree["hv_team"], job_role=role, by=boss
    )
    start = entries(workforce.AUDIT_MEMBERSHIP_START, membership).get()
    assert start.user_id == boss.pk
    assert start.data["unit"] == "Health Visiting North" and start.data["job_role"] == "Midwife"

    workforce.membership_start(user=person, unit=org_tree["hv_team"], job_role=role, by=boss)
    assert entries(workforce.AUDIT_MEMBERSHIP_START).count() == 1  # a repeat changes nothing
    workforce.membership_start(
        user=person, unit=org_tree["hv_team"], job_role=role, is_manager=True, by=boss
    )
    assert entries(workforce.AUDIT_MANAGER_GRANTED, membership).get().user_id == boss.pk

    moved = workforce.membership_move(membership=membership, to_unit=org_tree["midwives"], by=boss)
    move = entries(workforce.AUDIT_MEMBERSHIP_MOVE, moved).get()
    assert move.user_id == boss.pk
    assert move.data["from_unit"] == "Health Visiting North"
    assert move.data["unit"] == "Community Midwives"
    assert not entries(workforce.AUDIT_MEMBERSHIP_END).exists()  # one entry for a move

    workforce.membership_end(membership=moved, by=boss)
    end = entries(workforce.AUDIT_MEMBERSHIP_END, moved).get()
    assert end.user_id == boss.pk and end.data["end_date"] is not None


def test_an_accepted_invitation_logs_the_role_as_given_by_the_inviter(
    org_tree, role, make_member, monkeypatch
):
    manager = make_member(org_tree["trust"], is_manager=True, job_role=None).user
    monkeypatch.setattr(workforce, "_new_token", lambda: "known-token")
    workforce.invitation_create(
        invited_by=manager, email="new@example.org", unit=org_tree["hv_team"], job_role=role
    )
    _, person = workforce.invitation_accept(
        token="known-token", display_name="New Person", password="a-Long-passw0rd-here"
    )
    membership = Membership.objects.get(user=person)
    assert entries(workforce.AUDIT_MEMBERSHIP_START, membership).get().user_id == manager.pk


def test_a_staff_import_logs_each_new_role_as_given_by_the_uploader(org_tree, role, make_member):
    manager = make_member(org_tree["trust"], is_manager=True, job_role=None).user
    check = workforce.staff_import_check(
        uploaded_by=manager,
        filename="staff.csv",
        content="email,name,unit,job_role\nimported@example.org,Ima Ported,hv-north,midwife\n",
    )
    workforce.staff_import_apply(staff_import=check, user=manager)
    membership = Membership.objects.get(user__email="imported@example.org")
    assert entries(workforce.AUDIT_MEMBERSHIP_START, membership).get().user_id == manager.pk


def test_memberships_added_and_ended_in_the_admin_go_through_the_services(
    client, org_tree, role, user_factory, world
):
    person = user_factory(display_name="Admin Added")
    client.force_login(world.admin)
    response = client.post(
        reverse("membership:add"),
        {
            "user": person.pk,
            "unit": org_tree["midwives"].pk,
            "job_role": role.pk,
            "start_date": "2026-01-05",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=person)
    assert entries(workforce.AUDIT_MEMBERSHIP_START, membership).get().user_id == world.admin.pk

    edit_url = reverse("membership:edit", args=[membership.pk])
    form = {
        "user": person.pk,
        "unit": org_tree["midwives"].pk,
        "job_role": role.pk,
        "start_date": "2026-01-05",
        "end_date": "2026-02-01",
        "is_manager": "on",
    }
    assert client.post(edit_url, form).status_code == 302
    membership.refresh_from_db()
    assert str(membership.end_date) == "2026-02-01" and membership.is_manager
    assert entries(workforce.AUDIT_MEMBERSHIP_END, membership).get().user_id == world.admin.pk
    correction = entries(workforce.AUDIT_MEMBERSHIP_CORRECT, membership).get()
    assert correction.user_id == world.admin.pk
    assert correction.data["changed"] == {"is_manager": [False, True]}


def test_administrator_rights_and_groups_changed_in_the_user_admin_are_logged(client, world):
    from django.contrib.auth.models import Group

    trainers = Group.objects.get_or_create(name="Trainers")[0]
    client.force_login(world.admin)
    person = world.gina
    response = client.post(
        reverse("wagtailusers_users:edit", args=[person.pk]),
        {
            "email": person.email,
            "display_name": person.display_name,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [trainers.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = entries(AUDIT_ROLE_CHANGE, person).get()
    assert entry.user_id == world.admin.pk
    assert entry.data["before"] == {"administrator": False, "active": True, "groups": []}
    assert entry.data["after"] == {
        "administrator": True,
        "active": True,
        "groups": ["Trainers"],
    }
    # Saving again without a change writes nothing more.
    client.post(
        reverse("wagtailusers_users:edit", args=[person.pk]),
        {
            "email": person.email,
            "display_name": "Gina Renamed",
            "is_active": "on",
            "is_superuser": "on",
            "groups": [trainers.pk],
        },
    )
    assert entries(AUDIT_ROLE_CHANGE, person).count() == 1


def test_a_new_administrator_created_in_the_user_admin_is_logged(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {"email": "new.admin@example.org", "display_name": "New Admin", "is_superuser": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = ModelLogEntry.objects.get(action=AUDIT_ROLE_CHANGE)
    assert entry.user_id == world.admin.pk and entry.data["before"] is None
    assert entry.data["after"]["administrator"] is True
    # An ordinary account (no rights, no groups) is not a role change.
    plain = client.post(
        reverse("wagtailusers_users:add"),
        {"email": "plain@example.org", "display_name": "Plain Person"},
    )
    assert plain.status_code == 302
    assert ModelLogEntry.objects.filter(action=AUDIT_ROLE_CHANGE).count() == 1


# --- Views and exports ----------------------------------------------------------------------


def test_reading_supervision_content_is_logged(client, world):
    client.force_login(world.priya)
    client.get(reverse("supervision:session", args=[world.session.pk]))
    entry = entries(AUDIT_VIEW_RECORD, world.session).get()
    assert entry.user_id == world.priya.pk


def test_exports_of_personal_data_are_logged(client, world):
    client.force_login(world.priya)
    assert client.get(reverse("courses:reflections_export")).status_code == 200
    assert entries(AUDIT_EXPORT_REFLECTIONS, world.priya).get().user_id == world.priya.pk
    assert client.get(reverse("supervision:export_csv")).status_code == 200
    assert entries(AUDIT_EXPORT_LOG, world.priya).get().user_id == world.priya.pk
    assert client.post(reverse("privacy_export")).status_code == 200
    assert entries(privacy.AUDIT_EXPORT, world.priya).get().user_id == world.priya.pk


def test_an_administrator_export_for_someone_else_is_logged_as_theirs(world):
    privacy.export_personal_data(user=world.priya, by=world.admin)
    entry = entries(privacy.AUDIT_EXPORT, world.priya).get()
    assert entry.user_id == world.admin.pk


# --- In words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        *ROLE_ACTIONS,
        privacy.AUDIT_EXPORT,
        privacy.AUDIT_ERASE,
        AUDIT_EXPORT_REFLECTIONS,
        AUDIT_EXPORT_LOG,
        AUDIT_VIEW_RECORD,
        AUDIT_EXPORT,
        AUDIT_VIEW_PERSON,
    ],
)
def test_every_action_has_a_label(action):
    label = registry.get_action_label(action)
    assert label and label != action


def test_site_history_shows_erasures_and_role_changes_in_words(client, world):
    privacy.erase_person(person=world.gina, by=world.admin, reason="DP-3")
    client.force_login(world.admin)
    page = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Erased a person&#x27;s data" in page or "Erase a person" in page
    assert "Started in a unit and role" in page or "Start a membership" in page
