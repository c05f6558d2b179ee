"""A Celery worker killed with SIGKILL in the middle of a staff import: the redelivered task
carries on from the last committed chunk, and the import ends with every person, membership
and enrolment exactly once.

Each chunk commits its writes together with the import's progress, so a chunk cut short is
rolled back whole and done again; chunks already committed are skipped. PostgreSQL and Redis
only (fails in CI without them).
"""

import signal
import time

import pytest
from django.db.models import Count

from courses.models import Enrolment
from lms.reports.models import CoverageEntry
from lms.workforce import services
from lms.workforce.models import Membership, StaffImport
from tests.conftest import require_postgres, require_redis
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, MembershipFactory, UnitFactory, UserFactory
from tests.workers import new_queue, routed_to, start_worker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = 3000
VISIBILITY_TIMEOUT = 3


def wait_until(condition, timeout: float, what: str, worker) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting until {what}\n{worker.output()[-4000:]}")


def progress(pk: int) -> StaffImport:
    return StaffImport.objects.get(pk=pk)


def test_killing_the_worker_mid_import_leaves_no_duplicates_and_the_job_finishes(
    framework_tiers, settings, tmp_path
):
    require_postgres()
    require_redis()
    region = UnitFactory.region(name="North", code="north")
    trust = UnitFactory.organisation(region, name="Riverside NHS Trust", code="riverside")
    UnitFactory.team(trust, name="Health Visiting North", code="hv-north")
    trust.refresh_from_db()
    role = JobRoleFactory(code="hv", name="Health visitor", required_tier=framework_tiers["T2"])
    make_course(tier=framework_tiers["T1"])
    make_course(tier=framework_tiers["T2"])
    manager = UserFactory()
    MembershipFactory(user=manager, unit=trust, is_manager=True, job_role=None)
    content = "email,name,unit,job_role,start_date\n" + "".join(
        f"kill{i}@example.org,Person {i},hv-north,{role.code},2026-01-05\n" for i in range(ROWS)
    )
    checked = services.staff_import_check(
        uploaded_by=manager,
        filename="big.csv",
        content=content,
        send_invitations=False,
    )
    assert checked.report["good"] == ROWS

    queue = new_queue("faults-import")
    log = tmp_path / "worker.log"
    with routed_to(queue, settings, tasks="lms.workforce.tasks.run_staff_import"):
        first = start_worker(queue, log, visibility_timeout=VISIBILITY_TIMEOUT)
        services.staff_import_confirm(staff_import=checked, by=manager)
        wait_until(
            lambda: progress(checked.pk).rows_done >= 500, 120, "the first chunk committed", first
        )
        first.kill_all()
        killed_at = progress(checked.pk)
        assert killed_at.rows_done < ROWS, "the import finished before the worker was killed"
        assert killed_at.status == StaffImport.Status.RUNNING

        second = start_worker(queue, log, visibility_timeout=VISIBILITY_TIMEOUT)
        try:
            wait_until(
                lambda: progress(checked.pk).status == StaffImport.Status.IMPORTED,
                240,
                "the import finished",
                second,
            )
            second.wait_until_idle()
        finally:
            second.stop()

    done = progress(checked.pk)
    assert done.rows_done == ROWS and done.counts["new"] == ROWS
    people = Membership.objects.filter(user__email__startswith="kill", end_date__isnull=True)
    assert people.count() == ROWS
    assert not people.values("user_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    enrolments = Enrolment.objects.filter(user__email__startswith="kill")
    assert enrolments.count() == 2 * ROWS
    assert CoverageEntry.objects.filter(user__email__startswith="kill").count() == ROWS
    assert first.process.returncode == -signal.SIGKILL
