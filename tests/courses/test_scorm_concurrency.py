"""Concurrent SCORM commits on PostgreSQL, each thread with its own connection and transaction
as two web workers (or two tabs, or a retry racing its original) would have."""

import pytest

from courses import scorm
from courses.models import Completion, ScoRecord
from courses.services import enrol
from tests.conftest import require_postgres
from tests.courses.test_concurrency import run_together
from tests.scorm.factories import scorm_course, stored

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DONE = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90", "cmi.core.exit": ""}


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres()


def test_racing_first_commits_make_one_record_and_one_completion(framework_tiers, user_factory):
    course, module = scorm_course(stored("1.2"), tier=framework_tiers["T1"])
    enrolment = enrol(user=user_factory(), course=course)[0]

    def commit(sequence):
        return lambda: scorm.commit_cmi(
            enrolment=enrolment, module=module, sco="item-cues", sequence=sequence,
            session="s", data=DONE,
        )  # fmt: skip

    results = run_together(commit(1), commit(1), commit(2))
    assert not [r for r in results if isinstance(r, Exception)], results
    record = ScoRecord.objects.get()
    assert record.sequence == 2 and record.success_status == "passed"
    assert Completion.objects.filter(enrolment=enrolment).count() == 1
    # One of the two "1"s is always a repeat; a "1" after the "2" is dropped as older.
    assert sum(r.applied for r in results) in (1, 2)
