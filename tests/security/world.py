"""One small world with a record of every kind, seen from every role.

North Matrix Region
├── Matrix Trust (manager M)
│   └── Matrix Team A: practitioner P, other practitioner P2, supervisor S
└── Matrix Council (manager M2)
    └── Matrix Team B
Regional lead L manages the region; trainer T is in the Trainers group; A is a site administrator;
OA administers Matrix Council (an organisation administrator) and RA the whole region (a regional
administrator).

P has completed a course (certificate issued, knowledge-check attempt, reflection) and is on a
second course assigned by M; S supervises P (accepted agreement, a signed-off session with an
action for P, a draft); M has invited someone and uploaded a staff file; P has asked for a
training record (built) and has been sent a reminder. T leads a workshop session on which P
has a place. A, OA and RA have each made a reporting
API token: A for Matrix Trust, OA for Matrix Council, RA for the region.

``build_world`` writes through the services where they exist, so the records are shaped as the
site makes them. Callers run it inside a transaction that they roll back.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from unittest import mock

from django.contrib.auth.models import Group
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from certificates import services as certificate_services
from certificates.codes import format_code
from content.groups import TRAINERS
from courses import services as course_services
from courses.models import QuizAttempt, Reflection
from lms.reports.models import SentReminder
from lms.workforce import services as workforce_services
from lms.workforce.models import Invitation
from supervision.models import SessionAction, SessionAttendance
from tests.courses.factories import finish_course, make_course
from tests.factories import JobRoleFactory, MembershipFactory, UnitFactory, UserFactory, tiers
from tests.scorm.factories import stored
from tests.supervision.factories import make_agreement, make_session

ROLES = (
    "practitioner",
    "other_practitioner",
    "supervisor",
    "manager",
    "other_manager",
    "regional_lead",
    "trainer",
    "admin",
    "org_admin",
    "regional_admin",
    "anonymous",
)
SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")

JOIN_TOKEN = "matrix-join-token-0123456789"
REFLECTION_TEXT = "Matrix reflection: I will wait for the cue before talking"
REMINDER_SUBJECT = "Matrix reminder: your training expires soon"
SESSION_DISCUSSION = "Matrix discussion about feeling stuck"
IMPORT_CSV = (
    "email,name,unit,job_role,manager,start_date\n"
    "newcomer.import@example.org,Nia Newcomer,mx-team-a,mx-hv,no,\n"
)


@dataclass
class World:
    users: dict  # role -> user (no "anonymous")
    units: dict
    job_role: object
    course: object  # completed by P, certificate issued
    assigned_course: object  # P is enrolled on it, assigned by M
    module: object  # a module of ``assigned_course``
    enrolment: object  # P's completed enrolment on ``course``
    assigned_enrolment: object
    attempt: object
    reflection: object
    certificate: object
    training_record: object
    agreement: object
    signed_session: object
    draft_session: object
    action: object
    invitation: object
    join_invitation: object
    staff_import: object
    reminder: object
    extra: dict = field(default_factory=dict)

    def user(self, role):
        return self.users.get(role)

    @property
    def p(self):
        return self.users["practitioner"]

    @property
    def certificate_code(self) -> str:
        return format_code(self.certificate.code)


def build_world() -> World:
    framework = tiers()
    region = UnitFactory.region(name="North Matrix Region", code="mx-region")
    trust = UnitFactory.organisation(region, name="Matrix Trust", code="mx-trust")
    council = UnitFactory.organisation(
        region, name="Matrix Council", code="mx-council", sector="local_authority"
    )
    team_a = UnitFactory.team(trust, name="Matrix Team A", code="mx-team-a")
    team_b = UnitFactory.team(council, name="Matrix Team B", code="mx-team-b")
    for unit in (region, trust, council, team_a, team_b):
        unit.refresh_from_db()
    hv = JobRoleFactory(code="mx-hv", name="Matrix health visitor", required_tier=framework["T1"])
    lead_role = JobRoleFactory(
        code="mx-lead", name="Matrix IMH lead", required_tier=framework["T4"]
    )
    start = timezone.localdate() - timedelta(days=400)

    def person(name, email, **kwargs):
        return UserFactory(display_name=name, email=email, **kwargs)

    users = {
        "practitioner": person("Pat Practitioner", "pat.practitioner@example.org"),
        "other_practitioner": person("Poppy Otherpractitioner", "poppy.other@example.org"),
        "supervisor": person("Sol Supervisor", "sol.supervisor@example.org"),
        "manager": person("Meg Manager", "meg.manager@example.org"),
        "other_manager": person("Mo Othermanager", "mo.othermanager@example.org"),
        "regional_lead": person("Lee Regionallead", "lee.lead@example.org"),
        "trainer": person("Tam Trainer", "tam.trainer@example.org"),
        "admin": person("Ada Admin", "ada.admin@example.org", is_staff=True, is_superuser=True),
        "org_admin": person("Olu Orgadmin", "olu.orgadmin@example.org"),
        "regional_admin": person("Rae Regionaladmin", "rae.regionaladmin@example.org"),
    }
    workforce_services.administrator_grant(user=users["org_admin"], unit=council, by=users["admin"])
    workforce_services.administrator_grant(
        user=users["regional_admin"], unit=region, by=users["admin"]
    )
    for role, unit, job_role, is_manager in (
        ("practitioner", team_a, hv, False),
        ("other_practitioner", team_a, hv, False),
        ("supervisor", team_a, lead_role, False),
        ("manager", trust, None, True),
        ("other_manager", council, None, True),
        ("regional_lead", region, None, True),
    ):
        MembershipFactory(
            user=users[role], unit=unit, job_role=job_role, is_manager=is_manager, start_date=start
        )
    users["trainer"].groups.add(Group.objects.get(name=TRAINERS))
    p = users["practitioner"]

    # Learning: one course completed (with certificate), one assigned and in progress.
    course = make_course(title="Matrix Attachment Essentials", tier=framework["T1"])
    enrolment, _ = course_services.enrol(user=p, course=course)
    finish_course(enrolment, course)
    for module in course.modules():
        block_ids = [b.id for b in module.reflection_blocks()]
        if block_ids:
            course_services.save_reflections(
                user=p, module=module, answers=dict.fromkeys(block_ids, REFLECTION_TEXT)
            )
    enrolment.refresh_from_db()
    completion = enrolment.completion
    certificate = certificate_services.issue_certificate(completion_id=completion.pk).certificate
    assigned_course = make_course(title="Matrix Observing Interaction", tier=framework["T1"])
    course_services.assign(
        by=users["manager"],
        course=assigned_course,
        people=[p],
        due_on=timezone.localdate() + timedelta(days=30),
    )
    assigned_enrolment = p.enrolments.get(course=assigned_course, is_current=True)
    module = assigned_course.modules().first()
    course_services.start_module(enrolment=assigned_enrolment, module=module)
    # The assigned course's second module plays a SCORM package.
    scorm_package = stored("1.2", title="Matrix SCORM package")
    scorm_module = assigned_course.modules()[1]
    scorm_module.scorm_package = scorm_package
    scorm_module.save_revision().publish()

    record, _ = certificate_services.request_training_record(user=p)
    record = certificate_services.build_training_record(record_id=record.pk)

    # Supervision: S supervises P.
    agreement = make_agreement(users["supervisor"], [p])
    today = timezone.localdate()
    signed = make_session(
        agreement, on=today - timedelta(days=20), minutes=90, discussion=SESSION_DISCUSSION
    )
    SessionAttendance.objects.filter(session=signed).update(
        reflection="Matrix supervisee reflection", reflection_submitted_at=timezone.now()
    )
    draft = make_session(
        agreement, on=today - timedelta(days=2), signed_off=False, discussion=SESSION_DISCUSSION
    )
    action = SessionAction.objects.create(session=signed, text="Read about containment", owner=p)

    # Workforce: an invitation and a staff file from M; an invitation whose link we know.
    invitation, _ = workforce_services.invitation_create(
        invited_by=users["manager"], email="invited.person@example.org", unit=team_a, job_role=hv
    )
    with mock.patch.object(workforce_services, "_new_token", return_value=JOIN_TOKEN):
        join_invitation, _ = workforce_services.invitation_create(
            invited_by=users["manager"],
            email="joining.person@example.org",
            unit=team_a,
            job_role=hv,
            display_name="Jo Joining",
        )
    assert Invitation.objects.filter(token_hash=Invitation.hash_token(JOIN_TOKEN)).exists()
    staff_import = workforce_services.staff_import_check(
        uploaded_by=users["manager"], filename="staff.csv", content=IMPORT_CSV
    )

    # P records training done elsewhere, with evidence, claimed as the assigned course.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from courses import prior_learning

    prior_claim = prior_learning.record(
        user=p,
        title="Matrix prior learning",
        provider="Matrix provider",
        completed_on=today - timedelta(days=100),
        hours=3,
        course=assigned_course,
        evidence=SimpleUploadedFile("evidence.pdf", b"%PDF-1.4\n%%EOF\n"),
    )

    # Workshops: T leads a session of a workshop course; P has a place on it.
    from courses.workshops import services as workshop_services
    from tests.workshops.factories import make_session as make_workshop_session
    from tests.workshops.factories import make_workshop_course

    workshop_course = make_workshop_course(
        title="Matrix Observation Workshop", tier=framework["T1"]
    )
    workshop_session = make_workshop_session(workshop_course, trainers=[users["trainer"]])
    workshop_booking = workshop_services.book(session=workshop_session, user=p).booking

    # Reporting API tokens, one per administrator, for units each administers.
    from lms.api import services as api_services

    api_tokens = {
        role: api_services.create_token(
            by=users[role], name=f"Matrix {role} token", units=[unit], expires_in_days=30
        )
        for role, unit in (("admin", trust), ("org_admin", council), ("regional_admin", region))
    }

    reminder = SentReminder.objects.create(
        user=p, kind=SentReminder.Kind.EXPIRY, key="expiry:90:matrix", subject=REMINDER_SUBJECT
    )

    return World(
        users=users,
        units={
            "region": region,
            "trust": trust,
            "council": council,
            "team_a": team_a,
            "team_b": team_b,
        },
        job_role=hv,
        course=course,
        assigned_course=assigned_course,
        module=module,
        enrolment=enrolment,
        assigned_enrolment=assigned_enrolment,
        attempt=QuizAttempt.objects.filter(enrolment=enrolment).latest("pk"),
        reflection=Reflection.objects.filter(user=p).first(),
        certificate=certificate,
        training_record=record,
        agreement=agreement,
        signed_session=signed,
        draft_session=draft,
        action=action,
        invitation=invitation,
        join_invitation=join_invitation,
        staff_import=staff_import,
        reminder=reminder,
        extra={
            "scorm_package": scorm_package,
            "scorm_module": scorm_module,
            "prior_claim": prior_claim,
            "p_membership": p.memberships.get(unit=team_a),
            "api_tokens": api_tokens,
            "workshop_course": workshop_course,
            "workshop_session": workshop_session,
            "workshop_booking": workshop_booking,
        },
    )


@contextmanager
def world_rolled_back(django_db_blocker, media_dir):
    """The world, in a transaction rolled back on exit (tests run in savepoints inside it), with
    its PDFs under ``media_dir``."""
    with (
        override_settings(MEDIA_ROOT=str(media_dir)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)
