"""Staff import as a background job: preview, HR extracts through a column mapping, movers and
leavers, encodings and bad input, cancelling, and set-based writes (queries per chunk do not
grow with the chunk)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Enrolment, LearnerSummary
from lms.reports.models import CoverageEntry
from lms.workforce import imports, services
from lms.workforce.models import ColumnMapping, Membership, StaffImport, StaffNumber
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,unit,job_role,manager,start_date\n"


@pytest.fixture
def roles(framework_tiers):
    return {
        "hv": JobRoleFactory(
            code="health-visitor", name="Health visitor", required_tier=framework_tiers["T2"]
        ),
        "midwife": JobRoleFactory(
            code="midwife", name="Midwife", required_tier=framework_tiers["T2"]
        ),
    }


@pytest.fixture
def manager(org_tree, make_member, roles):
    return make_member(org_tree["trust"], is_manager=True).user


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Check a file, confirm it and run the job (tasks run in-process, as on the embedded
    default)."""

    def go(manager, content, **options):
        checked = services.staff_import_check(
            uploaded_by=manager, filename="staff.csv", content=content, **options
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.staff_import_confirm(staff_import=checked, by=manager)
        return StaffImport.objects.get(pk=checked.pk)

    return go


def test_the_preview_says_what_would_change_and_writes_nothing(manager, org_tree, roles, run):
    moving = UserFactory(email="mover@example.org")
    Membership.objects.create(user=moving, unit=org_tree["midwives"], job_role=roles["hv"])
    content = HEADER + (
        "new.person@example.org,New Person,hv-north,health-visitor,,\n"
        "mover@example.org,Mover,hv-north,health-visitor,,\n"
    )
    before = (Membership.objects.count(), StaffNumber.objects.count(), mail.outbox[:])
    checked = services.staff_import_check(uploaded_by=manager, filename="s.csv", content=content)
    assert checked.report["counts"]["new"] == 1 and checked.report["counts"]["moved"] == 1
    assert (Membership.objects.count(), StaffNumber.objects.count(), mail.outbox) == before
    assert not Enrolment.objects.exists()


def test_a_mover_is_counted_once_in_the_new_team(manager, org_tree, roles, run):
    mover = UserFactory(email="mover@example.org")
    old = Membership.objects.create(
        user=mover, unit=org_tree["midwives"], job_role=roles["hv"], start_date="2025-01-01"
    )
    result = run(manager, HEADER + "mover@example.org,Mover,hv-north,health-visitor,,\n")
    assert result.counts["moved"] == 1
    old.refresh_from_db()
    assert old.end_date is not None  # ended, not deleted
    open_now = Membership.objects.filter(user=mover, end_date__isnull=True)
    assert [m.unit for m in open_now] == [org_tree["hv_team"]]
    entries = CoverageEntry.objects.filter(user=mover, end_date__isnull=True)
    assert [e.unit_id for e in entries] == [org_tree["hv_team"].pk]


def test_a_full_extract_ends_people_absent_from_the_file_and_keeps_their_records(
    org_tree, roles, make_member, run
):
    # An HR administrator who is not on the staff list themselves (no job role).
    manager = make_member(org_tree["trust"], is_manager=True, job_role=None).user
    leaver = UserFactory(email="leaver@example.org")
    stays = UserFactory(email="stays@example.org")
    Membership.objects.create(user=leaver, unit=org_tree["hv_team"], job_role=roles["hv"])
    Membership.objects.create(user=stays, unit=org_tree["hv_team"], job_role=roles["hv"])
    elsewhere = UserFactory(email="council@example.org")
    Membership.objects.create(user=elsewhere, unit=org_tree["family_support"], job_role=roles["hv"])
    content = HEADER + "stays@example.org,Stays,hv-north,health-visitor,,\n"
    checked = services.staff_import_check(
        uploaded_by=manager,
        filename="s.csv",
        content=content,
        organisation=org_tree["trust"],
        full_extract=True,
    )
    assert checked.report["leavers"] == 1
    result = run(manager, content, organisation=org_tree["trust"], full_extract=True)
    assert result.counts["ended"] == 1 and result.report["leavers"] == 1
    ended = Membership.objects.get(user=leaver)
    assert ended.end_date is not None
    assert Membership.objects.get(user=stays).end_date is None
    assert Membership.objects.get(user=elsewhere).end_date is None  # another organisation
    assert type(leaver).objects.filter(pk=leaver.pk).exists()


ESR = (
    "Assignment Number,First Name,Last Name,Email Address,Organisation,Position Title,"
    "Department,Assignment Start Date,Assignment End Date\n"
    "10000001,Asha,Patel,asha.patel@example.org,Riverside NHS Trust,Health Visitor Band 6,"
    "HV Riverside N,01-Apr-2025,\n"
    "10000002,Ben,Jones,ben.jones@example.org,Riverside NHS Trust,Midwife,Community Midwives,"
    "2025-05-01,\n"
)


@pytest.fixture
def esr_mapping(org_tree, manager):
    return ColumnMapping.objects.create(
        organisation=org_tree["trust"],
        name="ESR staff extract",
        columns=imports.ESR_COLUMNS,
        job_titles={"Health Visitor Band 6": "health-visitor"},
        departments={"HV Riverside N": "hv-north"},
    )


def test_an_hr_extract_is_read_through_a_saved_mapping(manager, org_tree, esr_mapping, run):
    result = run(manager, ESR, organisation=org_tree["trust"], mapping=esr_mapping)
    assert result.counts["new"] == 2, result.report
    asha = Membership.objects.get(user__email="asha.patel@example.org")
    assert (asha.unit, asha.job_role.code) == (org_tree["hv_team"], "health-visitor")
    assert asha.start_date.isoformat() == "2025-04-01"
    assert asha.user.display_name == "Asha Patel"
    ben = Membership.objects.get(user__email="ben.jones@example.org")
    assert ben.unit == org_tree["midwives"]  # matched by the team's name
    numbers = dict(StaffNumber.objects.values_list("number", "user__email"))
    assert numbers == {"10000001": "asha.patel@example.org", "10000002": "ben.jones@example.org"}


def test_a_staff_number_keeps_a_person_matched_when_their_email_changes(
    manager, org_tree, esr_mapping, run
):
    run(manager, ESR, organisation=org_tree["trust"], mapping=esr_mapping)
    changed = ESR.replace("asha.patel@example.org", "asha.p@example.org")
    again = run(manager, changed, organisation=org_tree["trust"], mapping=esr_mapping)
    assert again.counts["unchanged"] == 2 and again.counts["new"] == 0
    assert not type(manager).objects.filter(email="asha.p@example.org").exists()


def test_a_mapping_must_name_the_columns_it_needs(org_tree):
    mapping = ColumnMapping(organisation=org_tree["trust"], name="Broken", columns={"email": "E"})
    with pytest.raises(Exception) as caught:
        mapping.full_clean()
    assert "Say which column holds" in str(caught.value)


def test_new_staff_are_enrolled_on_what_their_role_requires(manager, org_tree, roles, run):
    course = make_course(tier=roles["hv"].required_tier)
    run(manager, HEADER + "new.one@example.org,New One,hv-north,health-visitor,,2026-01-05\n")
    person = type(manager).objects.get(email="new.one@example.org")
    enrolment = Enrolment.objects.get(user=person, course=course)
    assert enrolment.source == Enrolment.Source.RULE and enrolment.due_on is not None
    assert LearnerSummary.objects.get(user=person).next_due_on == enrolment.due_on
    assert CoverageEntry.objects.filter(user=person, unit=org_tree["hv_team"]).exists()


def test_editing_a_role_in_the_admin_enrols_as_the_new_role_requires(
    manager, org_tree, roles, framework_tiers
):
    t3 = JobRoleFactory(code="fnp", name="Family nurse", required_tier=framework_tiers["T3"])
    course = make_course(tier=framework_tiers["T3"])
    person = UserFactory()
    membership = Membership.objects.create(
        user=person, unit=org_tree["hv_team"], job_role=roles["hv"]
    )
    services.membership_correct(
        membership=membership, changes={"job_role": (roles["hv"], t3)}, by=manager
    )
    assert Enrolment.objects.filter(user=person, course=course, is_current=True).exists()


@pytest.mark.parametrize(
    "encoding,label", [("utf-16", "UTF-16"), ("cp1252", "Windows-1252"), ("utf-8-sig", "UTF-8")]
)
def test_spreadsheet_encodings_are_read_and_named(client, manager, encoding, label):
    client.force_login(manager)
    content = HEADER + "zoe.oneill@example.org,Zoë O’Neill,hv-north,health-visitor,,\n"
    upload = SimpleUploadedFile("s.csv", content.encode(encoding), content_type="text/csv")
    response = client.post(reverse("workforce:import"), {"file": upload, "send_invitations": "on"})
    checked = StaffImport.objects.get()
    assert response.status_code == 302 and checked.encoding == label
    assert checked.report["good"] == 1
    assert checked.report["rows"][0]["name"] == "Zoë O’Neill"


def test_an_unreadable_encoding_says_what_was_found_and_how_to_fix_it():
    with pytest.raises(Exception) as caught:
        imports.decode_upload(b"email\n" + b"\x81\x8d\x8f\x90\x9d")
    assert "not UTF-8, UTF-16 or Windows-1252" in str(caught.value)
    assert "CSV UTF-8" in str(caught.value)


def test_bad_values_are_reported_per_row_and_the_rest_still_checked(manager):
    content = HEADER + (
        "nul@example.org,Nul\x00Byte,hv-north,health-visitor,,\n"
        f"long@example.org,{'N' * 600},hv-north,health-visitor,,\n"
        "bidi@example.org,Ann \u202eSmith,hv-north,health-visitor,,\n"
        "future@example.org,Future,hv-north,health-visitor,,2099-01-01\n"
        "good@example.org,Good Person,hv-north,health-visitor,,\n"
    )
    checked = services.staff_import_check(uploaded_by=manager, filename="s.csv", content=content)
    errors = {r["line"]: " ".join(r["errors"]) for r in checked.report["rows"] if r["errors"]}
    assert "NUL character" in errors[2]
    assert "600 characters long; the most is 150" in errors[3]
    assert "text-direction characters" in errors[4]
    assert "in the future" in errors[5]
    assert checked.report["good"] == 1 and not checked.report["problems"]


def test_duplicate_staff_numbers_in_one_file_are_row_errors(manager, org_tree):
    content = "staff_number,email,name,unit,job_role\n" + (
        "123,a@example.org,A Person,hv-north,health-visitor\n"
        "123,b@example.org,B Person,hv-north,health-visitor\n"
    )
    checked = services.staff_import_check(
        uploaded_by=manager, filename="s.csv", content=content, organisation=org_tree["trust"]
    )
    errors = [r["errors"] for r in checked.report["rows"] if r["errors"]]
    assert errors == [["Staff number 123 is also on line 2."]]


def test_too_many_rows_is_a_file_level_problem(manager, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    content = HEADER + "".join(
        f"imp{i}@example.org,P {i},hv-north,health-visitor,,\n" for i in range(5)
    )
    checked = services.staff_import_check(uploaded_by=manager, filename="s.csv", content=content)
    assert "more than 3 rows" in checked.report["problems"][0]
    with pytest.raises(Exception, match="nothing that can be imported"):
        services.staff_import_confirm(staff_import=checked, by=manager)


def test_a_display_name_with_a_bidi_override_is_refused_in_forms(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("workforce:invite"),
        {"email": "x@example.org", "display_name": "Ann \u202eSmith"},
    )
    assert "text-direction characters" in response.content.decode()


def test_cancelling_stops_after_the_chunk_under_way(manager, monkeypatch, run):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    content = HEADER + "".join(
        f"imp{i}@example.org,P {i},hv-north,health-visitor,,\n" for i in range(6)
    )
    checked = services.staff_import_check(uploaded_by=manager, filename="s.csv", content=content)
    StaffImport.objects.filter(pk=checked.pk).update(status=StaffImport.Status.QUEUED)
    original = imports._apply

    def apply_then_cancel(*args, **kwargs):
        result = original(*args, **kwargs)
        StaffImport.objects.filter(pk=checked.pk).update(cancel_requested_at="2026-01-01T00:00Z")
        return result

    monkeypatch.setattr(imports, "_apply", apply_then_cancel)
    result = services.staff_import_run(staff_import_id=checked.pk)
    assert result.status == StaffImport.Status.CANCELLED and result.rows_done == 2
    assert Membership.objects.filter(user__email__startswith="imp").count() == 2


def test_a_queued_import_is_cancelled_at_once(client, manager):
    checked = services.staff_import_check(
        uploaded_by=manager,
        filename="s.csv",
        content=HEADER + "a@example.org,A,hv-north,midwife,,\n",
    )
    StaffImport.objects.filter(pk=checked.pk).update(status=StaffImport.Status.QUEUED)
    client.force_login(manager)
    client.post(reverse("workforce:import_detail", args=[checked.pk]), {"action": "cancel"})
    checked.refresh_from_db()
    assert checked.status == StaffImport.Status.CANCELLED
    services.staff_import_run(staff_import_id=checked.pk)
    assert not Membership.objects.filter(user__email="a@example.org").exists()


def test_a_run_restarted_after_a_lost_worker_carries_on_without_duplicates(manager, run):
    """What a redelivered task does after kill -9: the committed chunks are skipped."""
    content = HEADER + "".join(
        f"imp{i}@example.org,P {i},hv-north,health-visitor,,\n" for i in range(5)
    )
    done = run(manager, content)
    StaffImport.objects.filter(pk=done.pk).update(status=StaffImport.Status.RUNNING, rows_done=3)
    again = services.staff_import_run(staff_import_id=done.pk)
    assert again.status == StaffImport.Status.IMPORTED
    assert Membership.objects.filter(user__email__startswith="imp").count() == 5


def test_the_progress_page_and_its_json(client, manager, run):
    result = run(manager, HEADER + "a@example.org,A Person,hv-north,midwife,,\n")
    client.force_login(manager)
    page = client.get(reverse("workforce:import_detail", args=[result.pk]))
    assert b'<progress class="import-progress" max="100" value="100"' in page.content
    progress = client.get(reverse("workforce:import_progress", args=[result.pk])).json()
    assert progress["rows_done"] == progress["rows_total"] == 1 and progress["finished"]
    other = UserFactory(is_superuser=False)
    client.force_login(other)
    assert client.get(reverse("workforce:import_progress", args=[result.pk])).status_code in (
        403,
        404,
    )


def _chunk_queries(manager, org_tree, roles, size: int, prefix: str) -> tuple[int, int]:
    """(statements other than INSERT, INSERT statements) to plan and apply one chunk."""
    ctx = imports.Context(user=manager)
    content = HEADER + "".join(
        f"{prefix}{i}@example.org,P {i},hv-north,health-visitor,,2026-01-05\n" for i in range(size)
    )
    _, records = imports._records(content, None)
    rows = [imports._check(line, record, ctx) for line, record in records]
    with CaptureQueriesContext(connection) as queries:
        plan = imports._plan(rows, ctx)
        imports._apply(plan, ctx, by=manager, send_invitations=True)
    assert Membership.objects.filter(user__email__startswith=prefix).count() == size
    inserts = sum(1 for q in queries.captured_queries if q["sql"].startswith("INSERT"))
    return len(queries) - inserts, inserts


def test_queries_per_chunk_do_not_grow_with_the_rows_in_it(manager, org_tree, roles):
    make_course(tier=roles["hv"].required_tier)
    make_course(tier=roles["hv"].required_tier)
    _chunk_queries(manager, org_tree, roles, 1, "warm")  # per-process caches (content types)
    small = _chunk_queries(manager, org_tree, roles, 5, "small")
    large = _chunk_queries(manager, org_tree, roles, 60, "large")
    # The same statements whatever the size; inserts are batched by the database driver's
    # parameter limit (999 on SQLite: a few more batches for 12x the rows; none on PostgreSQL).
    assert large[0] == small[0], (small, large)
    assert large[1] <= small[1] + 3, (small, large)
    assert Enrolment.objects.filter(user__email__startswith="large").count() == 120


def test_an_import_whose_message_was_lost_is_resumed_by_the_sweep(
    manager, django_capture_on_commit_callbacks
):
    """Confirmed while the broker was down: the import waits; the sweep sends it again."""
    from datetime import timedelta

    from django.utils import timezone

    from lms.workforce import tasks

    checked = services.staff_import_check(
        uploaded_by=manager,
        filename="s.csv",
        content=HEADER + "a@example.org,A,hv-north,midwife,,\n",
    )
    services.staff_import_confirm(staff_import=checked, by=manager)  # its message never sent
    assert tasks.resume_imports() == []  # not stalled yet
    StaffImport.objects.filter(pk=checked.pk).update(
        updated_at=timezone.now() - timedelta(minutes=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_imports() == [checked.pk]
    checked.refresh_from_db()
    assert checked.status == StaffImport.Status.IMPORTED
    assert Membership.objects.filter(user__email="a@example.org").count() == 1
