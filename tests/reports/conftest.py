"""A small hand-built population in which every figure is known.

North Region
├── Riverside NHS Trust
│   ├── Health Visiting North (A1)   people 1-8
│   └── Community Midwives (A2)      person 9 (and person 8 until yesterday)
└── Northshire Council
    └── Family Support (B1)          person 10

Health visitor requires T2, family support worker T1. One core course at T1, one at T2.

 1 meets        HV, holds T2 until +200 days
 2 expiring     HV, holds T2 until +30 days
 3 overdue      HV, no T2, started, next due 5 days ago
 4 never        FSW, nothing at all
 5 in progress  FSW, started, next due in 10 days
 6 expired      FSW, held T1 until yesterday (an expired completion no longer counts)
 7 two roles    HV and FSW in A1: holds T1 (meets as FSW) but not T2 (in progress as HV)
 8 moved team   FSW, moved from A2 to A1 today; holds T1 until +400 days
 9 meets        FSW in A2, holds T1 until +500 days
10 overdue      FSW in B1, next due 1 day ago
"""

from dataclasses import dataclass

import pytest

from lms.reports.permissions import coverage_scope
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, MembershipFactory, UserFactory

from .factories import complete, days, standing, summary


@dataclass
class Population:
    tree: dict
    tiers: dict
    hv: object
    fsw: object
    t1_course: object
    t2_course: object
    people: dict
    memberships: dict
    region_lead: object
    trust_manager: object
    council_manager: object
    team_manager: object

    def scope(self, user):
        return coverage_scope(user)


@pytest.fixture
def population(db, org_tree, framework_tiers):
    tiers = framework_tiers
    hv = JobRoleFactory(code="health-visitor", name="Health visitor", required_tier=tiers["T2"])
    fsw = JobRoleFactory(
        code="family-support-worker", name="Family support worker", required_tier=tiers["T1"]
    )
    t1_course = make_course(title="The First 1001 Days", tier=tiers["T1"], modules=2)
    t2_course = make_course(title="Observing Interaction", tier=tiers["T2"], modules=1)
    a1, a2, b1 = org_tree["hv_team"], org_tree["midwives"], org_tree["family_support"]

    people, memberships = {}, {}

    def person(n, name):
        people[n] = UserFactory(display_name=name, email=f"p{n}@example.org")
        return people[n]

    def member(n, unit, role, **kwargs):
        m = MembershipFactory(user=people[n], unit=unit, job_role=role, **kwargs)
        memberships.setdefault(n, []).append(m)
        return m

    person(1, "Ada Meets")
    member(1, a1, hv)
    standing(people[1], tiers["T1"], days(300))
    standing(people[1], tiers["T2"], days(200))
    summary(people[1], last_completed_days=30)
    complete(people[1], t1_course, valid_until=days(300))
    complete(people[1], t2_course, valid_until=days(200))

    person(2, "Ben Expiring")
    member(2, a1, hv, start_date=days(-400))
    standing(people[2], tiers["T1"], days(300))
    standing(people[2], tiers["T2"], days(30))
    summary(people[2], last_completed_days=400)
    complete(people[2], t1_course, valid_until=days(300))
    complete(people[2], t2_course, valid_until=days(30))

    person(3, "Cat Overdue")
    member(3, a1, hv)
    summary(people[3], next_due_on=days(-5))

    person(4, "Dan Never")
    member(4, a1, fsw)

    person(5, "Eve Progress")
    member(5, a1, fsw)
    summary(people[5], next_due_on=days(10))

    person(6, "Fay Expired")
    member(6, a1, fsw)
    standing(people[6], tiers["T1"], days(-1))
    summary(people[6])
    complete(people[6], t1_course, valid_until=days(-1))

    person(7, "Gus Tworoles")
    member(7, a1, hv)
    member(7, a1, fsw)
    standing(people[7], tiers["T1"], days(400))
    summary(people[7], last_completed_days=10)
    complete(people[7], t1_course, valid_until=days(400))

    person(8, "Hal Moved")
    member(8, a2, fsw, start_date=days(-800), end_date=days(-1))
    member(8, a1, fsw)
    standing(people[8], tiers["T1"], days(400))
    summary(people[8], last_completed_days=100)
    complete(people[8], t1_course, valid_until=days(400))

    person(9, "Ivy Midwives")
    member(9, a2, fsw, start_date=days(-300))
    standing(people[9], tiers["T1"], days(500))
    summary(people[9], last_completed_days=200)
    complete(people[9], t1_course, valid_until=days(500))

    person(10, "Jo Council")
    member(10, b1, fsw)
    summary(people[10], next_due_on=days(-1))

    def manager(name, email, unit):
        user = UserFactory(display_name=name, email=email)
        MembershipFactory(user=user, unit=unit, job_role=None, is_manager=True)
        return user

    return Population(
        tree=org_tree,
        tiers=tiers,
        hv=hv,
        fsw=fsw,
        t1_course=t1_course,
        t2_course=t2_course,
        people=people,
        memberships=memberships,
        region_lead=manager("Rae Lead", "lead@example.org", org_tree["region"]),
        trust_manager=manager("Tom Trust", "trust.manager@example.org", org_tree["trust"]),
        council_manager=manager("Cora Council", "council.manager@example.org", org_tree["council"]),
        team_manager=manager("Tia Team", "team.manager@example.org", a1),
    )
