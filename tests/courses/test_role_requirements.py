"""The default role requirements (content/curriculum/role_requirements.yaml): the courses a job
role requires beyond its tier's core courses, loaded as enrolment rules with the default job
roles, once, so that an administrator's changes stay."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from content.loader import DEFAULT_SOURCE
from content.models import CurriculumRecord
from courses import selectors, services
from courses.models import Enrolment, EnrolmentRule
from lms.reports.selectors import roles_requiring
from lms.workforce import services as workforce
from lms.workforce.models import JobRole
from tests.courses.factories import make_course
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NEONATAL = "neonatal-care-and-baby-loss"
ANTENATAL = "the-antenatal-relationship"


def course_slugs() -> dict[str, dict]:
    files = sorted((DEFAULT_SOURCE / "courses").glob("*.yaml"))
    return {data["slug"]: data for data in (yaml.safe_load(f.read_text()) for f in files)}


def test_the_file_names_default_job_roles_and_courses_of_the_curriculum():
    requirements = services.read_role_requirements()
    roles = {e["code"] for e in yaml.safe_load(workforce.DEFAULT_JOB_ROLES_FILE.read_text())}
    courses = course_slugs()

    assert set(requirements) <= roles
    for code, slugs in requirements.items():
        assert len(slugs) == len(set(slugs)), code
        assert set(slugs) <= set(courses), code
        # A core course is required by its tier already: a rule for it would add nothing.
        assert not [s for s in slugs if courses[s]["required_for_tier"]], code
    # Every course outside the tiers' core is required by at least one role.
    optional = {slug for slug, data in courses.items() if not data["required_for_tier"]}
    assert optional <= {slug for slugs in requirements.values() for slug in slugs}


@pytest.fixture
def framework(framework_tiers):
    """The two courses the midwife's requirements name: one loaded from the files (found by its
    load record), one made in the admin (found by its slug)."""
    neonatal = make_course(title="After the neonatal unit", tier=framework_tiers["T2"])
    CurriculumRecord.objects.create(key=f"course:{NEONATAL}", object_id=neonatal.pk)
    antenatal = make_course(title="The antenatal relationship", tier=framework_tiers["T1"])
    antenatal.slug = ANTENATAL
    antenatal.save()
    return neonatal, antenatal


def test_load_job_roles_adds_the_rules_and_they_count_in_requirements_and_coverage(framework):
    neonatal, antenatal = framework

    out = _load()

    midwife = JobRole.objects.get(code="midwife")
    assert "enrolment rule created: Midwife requires After the neonatal unit" in out
    assert EnrolmentRule.objects.filter(job_role=midwife, course=antenatal).exists()
    required = selectors.required_courses_for_roles([midwife])
    assert {neonatal.pk, antenatal.pk} <= set(required)
    assert required[neonatal.pk].due_in_days == 90
    assert {"midwife", "neonatal-nurse", "family-nurse"} <= set(
        roles_requiring(neonatal).values_list("code", flat=True)
    )
    # The other courses of the file are not there: reported, and loaded on a later run.
    assert "Not loaded yet" in out and "health-visitor requires when-parents-face-adversity" in out


def test_loading_again_changes_nothing_and_keeps_an_administrators_changes(framework):
    neonatal, antenatal = framework
    _load()
    rules = EnrolmentRule.objects.count()
    midwife = JobRole.objects.get(code="midwife")
    EnrolmentRule.objects.filter(job_role=midwife, course=neonatal).update(
        is_active=False, due_in_days=30
    )
    EnrolmentRule.objects.filter(job_role=midwife, course=antenatal).delete()

    out = _load()

    assert "Role requirements: 0 created" in out
    assert EnrolmentRule.objects.count() == rules - 1
    assert not EnrolmentRule.objects.filter(job_role=midwife, course=antenatal).exists()
    kept = EnrolmentRule.objects.get(job_role=midwife, course=neonatal)
    assert (kept.is_active, kept.due_in_days) == (False, 30)


def test_people_already_in_the_role_are_enrolled_when_the_rules_arrive(
    framework, team, django_capture_on_commit_callbacks
):
    neonatal, _ = framework
    workforce.load_default_job_roles()  # roles first, as on a site that had them already
    EnrolmentRule.objects.all().delete()
    CurriculumRecord.objects.filter(key__startswith="enrolment-rule:").delete()
    nurse = MembershipFactory(unit=team, job_role=JobRole.objects.get(code="neonatal-nurse")).user
    assert not Enrolment.objects.filter(user=nurse, course=neonatal).exists()

    with django_capture_on_commit_callbacks(execute=True):
        _load()

    enrolment = Enrolment.objects.get(user=nurse, course=neonatal, is_current=True)
    assert enrolment.source == Enrolment.Source.RULE


def test_a_malformed_file_is_refused(tmp_path: Path):
    path = tmp_path / "role_requirements.yaml"
    path.write_text("midwife: the-antenatal-relationship\n")
    with pytest.raises(Exception, match="expected job role codes"):
        services.read_role_requirements(path)


def _load() -> str:
    import io

    out = io.StringIO()
    call_command("load_job_roles", stdout=out)
    return out.getvalue()
