import pytest

from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, MembershipFactory, UnitFactory


@pytest.fixture
def team(db):
    region = UnitFactory.region(name="North", code="courses-north")
    trust = UnitFactory.organisation(region, name="Riverside", code="courses-riverside")
    team = UnitFactory.team(trust, name="Health Visiting", code="courses-hv")
    team.refresh_from_db()
    return team


@pytest.fixture
def t1_role(framework_tiers):
    return JobRoleFactory(
        code="early-years", name="Early years practitioner", required_tier=framework_tiers["T1"]
    )


@pytest.fixture
def t2_role(framework_tiers):
    return JobRoleFactory(
        code="health-visitor", name="Health visitor", required_tier=framework_tiers["T2"]
    )


@pytest.fixture
def course(framework_tiers):
    return make_course(title="Attachment Essentials", tier=framework_tiers["T1"])


@pytest.fixture
def learner(user_factory):
    return user_factory(display_name="Lee Learner")


@pytest.fixture
def manager(user_factory, team):
    person = user_factory(display_name="Mo Manager")
    MembershipFactory(user=person, unit=team, job_role=None, is_manager=True)
    return person


@pytest.fixture
def travel(monkeypatch):
    """``travel(datetime)`` makes ``timezone.now()`` (and so ``localdate()``) return that moment
    until the next call or the end of the test."""
    from django.utils import timezone

    def go(moment):
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return go
