"""``manage.py apply_retention``: a dry run by default; with ``--apply`` it erases people whose
every membership ended more than RETENTION_YEARS_AFTER_LEAVING years ago and deletes files and
rows past their retention periods."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certificates.models import TrainingRecord
from lms import privacy
from lms.workforce.models import Invitation, StaffImport
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def years_ago(n: float):
    return timezone.localdate() - timedelta(days=round(365.25 * n))


def run(*args) -> str:
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def erased(person) -> bool:
    return User.objects.get(pk=person.pk).erased_at is not None


@pytest.fixture
def people(org_tree, framework_tiers, user_factory):
    team, other = org_tree["hv_team"], org_tree["midwives"]

    def member(name, *spans, **user_fields):
        person = user_factory(display_name=name, **user_fields)
        for start, end in spans:
            MembershipFactory(user=person, unit=team, start_date=start, end_date=end)
        return person

    left_long_ago = member("Lena Leftlongago", (years_ago(12), years_ago(7)))
    # Two memberships, both ended long ago.
    moved_then_left = user_factory(display_name="Mo Movedthenleft")
    MembershipFactory(
        user=moved_then_left, unit=team, start_date=years_ago(15), end_date=years_ago(10)
    )
    MembershipFactory(
        user=moved_then_left, unit=other, start_date=years_ago(10), end_date=years_ago(6.5)
    )
    return {
        "left_long_ago": left_long_ago,
        "moved_then_left": moved_then_left,
        "left_recently": member("Rita Recent", (years_ago(10), years_ago(2))),
        "still_here": member("Stan Stillhere", (years_ago(12), years_ago(8)), (years_ago(8), None)),
        "admin_who_left": member(
            "Ada Adminleft", (years_ago(12), years_ago(7)), is_superuser=True, is_staff=True
        ),
        "never_a_member": user_factory(display_name="Nev Nomember"),
    }


def test_a_dry_run_lists_who_would_be_erased_and_changes_nothing(people):
    output = run()

    assert output.startswith("Dry run")
    assert "2 people left more than 6 years ago" in output
    for key in ("left_long_ago", "moved_then_left"):
        assert f"account {people[key].pk}," in output
    assert "Lena" not in output  # ids, not names, in a log that may be kept
    assert not any(erased(p) for p in people.values())


def test_apply_erases_only_people_who_left_long_ago(people):
    output = run("--apply")

    assert "Erased 2 of 2 people" in output
    assert erased(people["left_long_ago"]) and erased(people["moved_then_left"])
    for key in ("left_recently", "still_here", "admin_who_left", "never_a_member"):
        assert not erased(people[key]), key
    entry = ModelLogEntry.objects.filter(action=privacy.AUDIT_ERASE).first()
    assert entry.user_id is None and entry.data["reason"].startswith("Retention")
    assert "Erased 0 of 0 people" in run("--apply")  # running again changes nothing


def test_the_period_is_a_setting(people, settings):
    settings.RETENTION_YEARS_AFTER_LEAVING = 1
    run("--apply")
    assert erased(people["left_recently"])
    assert not erased(people["still_here"])


def test_files_and_rows_past_their_periods_are_deleted_only_with_apply(
    org_tree, framework_tiers, user_factory
):
    person = user_factory()
    now = timezone.now()
    old_record = TrainingRecord.objects.create(
        user=person, status=TrainingRecord.Status.READY, requested_at=now - timedelta(days=8)
    )
    old_record.file.save("old.pdf", ContentFile(b"%PDF old"))
    new_record = TrainingRecord.objects.create(user=person, status=TrainingRecord.Status.READY)
    unit = org_tree["hv_team"]
    stale = Invitation.objects.create(
        email="stale@example.org",
        unit=unit,
        token_hash="a" * 64,
        expires_at=now - timedelta(days=100),
    )
    fresh = Invitation.objects.create(
        email="fresh@example.org",
        unit=unit,
        token_hash="b" * 64,
        expires_at=now + timedelta(days=10),
    )
    old_import = StaffImport.objects.create(
        filename="old.csv", content="email\n", content_sha256="x"
    )
    StaffImport.objects.filter(pk=old_import.pk).update(created_at=now - timedelta(days=91))
    new_import = StaffImport.objects.create(
        filename="new.csv", content="email\n", content_sha256="y"
    )

    output = run()
    assert "Would delete 1 training-record files, 1 old invitations, 1 old staff import" in output
    assert TrainingRecord.objects.filter(pk=old_record.pk).exists()

    output = run("--apply")
    assert "Deleted 1 training-record files, 1 old invitations, 1 old staff import" in output
    assert set(TrainingRecord.objects.values_list("pk", flat=True)) == {new_record.pk}
    assert set(Invitation.objects.values_list("pk", flat=True)) == {fresh.pk}
    assert set(StaffImport.objects.values_list("pk", flat=True)) == {new_import.pk}
    assert not Invitation.objects.filter(pk=stale.pk).exists()
    assert not old_record.file.storage.exists(old_record.file.name)
