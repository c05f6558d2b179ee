"""A practitioner with a record in every app, and the people around her.

Priya (the subject) works in the HV team as a health visitor; her manager Max invited her and
assessed her. She completed a course (module progress, a reflection, a knowledge-check attempt,
a certificate with its PDF), asked for a training-record PDF, was sent a reminder, has a second
email address, an authenticator and a pending invitation to another team. She is in a group
supervision agreement led by Sam with Gina, whose reflection in their shared session is private
to Gina (and Sam). Sam also supervises Olu in a session Priya never attended. Her address and
name appear in a staff import file and in shared supervision notes.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.utils import timezone

from certificates import services as certificates
from certificates.models import TrainingRecord
from courses import services as courses
from courses.models import Reflection
from lms.reports.models import SentReminder
from lms.workforce import services as workforce
from supervision.models import (
    SessionAction,
    SessionAttendance,
    SessionCorrection,
    SupervisionAgreement,
)
from tests.courses.factories import finish_course, make_course
from tests.factories import JobRoleFactory, MembershipFactory, UserFactory
from tests.reports.conftest import population  # noqa: F401  (coverage before and after)
from tests.supervision.factories import make_agreement, make_session

PRIYA_EMAIL = "priya.privacy@example.org"
PRIYA_OTHER_EMAIL = "priya.home@example.net"
PRIYA_NAME = "Priya Privacy"
PRIYA_REFLECTION = "PRIYA-COURSE-REFLECTION: I will slow down at feeds"
PRIYA_SUPERVISION_REFLECTION = "PRIYA-SUPERVISION-REFLECTION: I felt anxious"
GINA_SUPERVISION_REFLECTION = "GINA-PRIVATE-REFLECTION: my own worries at home"
GINA_COURSE_REFLECTION = "GINA-COURSE-REFLECTION: only mine"
OLU_DISCUSSION = "OLU-SESSION-DISCUSSION about Family Z"
TOTP_SECRET = "JBSWY3DPEHPK3PXPTOTPSECRET"


@dataclass
class World:
    priya: object
    manager: object
    supervisor: object
    gina: object
    olu: object
    admin: object
    course: object
    completion: object
    certificate: object
    training_record: object
    agreement: object
    session: object
    other_session: object
    membership: object
    staff_import: object


@pytest.fixture
def world(db, org_tree, framework_tiers, settings):
    hv = JobRoleFactory(
        code="health-visitor", name="Health visitor", required_tier=framework_tiers["T2"]
    )
    lead_role = JobRoleFactory(
        code="imh-lead", name="IMH lead", required_tier=framework_tiers["T4"]
    )
    team = org_tree["hv_team"]
    manager = UserFactory(display_name="Max Manager", email="max.manager@example.org")
    MembershipFactory(user=manager, unit=org_tree["trust"], job_role=None, is_manager=True)
    admin = UserFactory(
        display_name="Ada Admin", email="ada.admin@example.org", is_staff=True, is_superuser=True
    )

    priya = UserFactory(display_name=PRIYA_NAME, email=PRIYA_EMAIL)
    EmailAddress.objects.create(user=priya, email=PRIYA_OTHER_EMAIL, verified=False)
    Authenticator.objects.create(user=priya, type="totp", data={"secret": TOTP_SECRET})
    membership, _ = workforce.membership_start(user=priya, unit=team, job_role=hv, by=manager)
    workforce.invitation_create(
        invited_by=manager,
        email=PRIYA_OTHER_EMAIL,
        unit=org_tree["midwives"],
        job_role=hv,
        display_name=PRIYA_NAME,
    )
    staff_import = workforce.staff_import_check(
        uploaded_by=manager,
        filename="staff.csv",
        content=(
            "email,name,unit,job_role\n"
            f"{PRIYA_EMAIL},{PRIYA_NAME},{team.code},health-visitor\n"
            f"keep.me@example.org,Kim Keep,{team.code},health-visitor\n"
        ),
    )

    course = make_course(title="Attachment in Practice", tier=framework_tiers["T1"])
    enrolment, _ = courses.enrol(user=priya, course=course)
    enrolment = finish_course(enrolment, course)
    # Her own words in the reflection, replacing the factory's placeholder.
    Reflection.objects.filter(user=priya).update(text=PRIYA_REFLECTION)
    completion = enrolment.completion
    certificate = certificates.issue_certificate(completion_id=completion.pk).certificate
    courses.record_assessment(
        assessor=manager,
        user=priya,
        tier=framework_tiers["T1"],
        status="achieved",
        evidence=f"Observed {PRIYA_NAME} with Family B: attuned and calm.",
    )
    record = TrainingRecord.objects.create(user=priya, status=TrainingRecord.Status.READY)
    record.file.save(f"{priya.pk}-record.pdf", ContentFile(b"%PDF-1.4 " + PRIYA_NAME.encode()))
    SentReminder.objects.create(
        user=priya,
        kind=SentReminder.Kind.EXPIRY,
        key=f"expiry:90:{completion.pk}",
        subject=f"Your {course.title} training expires in 90 days",
    )

    supervisor = UserFactory(display_name="Sam Supervisor", email="sam.supervisor@example.org")
    MembershipFactory(user=supervisor, unit=team, job_role=lead_role)
    gina = UserFactory(display_name="Gina Groupmate", email="gina.groupmate@example.org")
    MembershipFactory(user=gina, unit=team, job_role=hv)
    gina_course = make_course(title="Gina Only Course", tier=framework_tiers["T1"])
    finish_course(courses.enrol(user=gina, course=gina_course)[0], gina_course)
    Reflection.objects.filter(user=gina).update(text=GINA_COURSE_REFLECTION)
    olu = UserFactory(display_name="Olu Other", email="olu.other@example.org")

    agreement = make_agreement(supervisor, [priya, gina], format=SupervisionAgreement.Format.GROUP)
    session = make_session(
        agreement,
        on=timezone.localdate() - timedelta(days=10),
        minutes=90,
        discussion=f"We talked about how {PRIYA_NAME} handled the home visit.",
        case_references="Family B (baby 3 months)",
    )
    SessionAttendance.objects.filter(session=session, supervisee=priya).update(
        reflection=PRIYA_SUPERVISION_REFLECTION, reflection_submitted_at=timezone.now()
    )
    SessionAttendance.objects.filter(session=session, supervisee=gina).update(
        reflection=GINA_SUPERVISION_REFLECTION, reflection_submitted_at=timezone.now()
    )
    SessionAction.objects.create(
        session=session, text="Share the leaflet with Family B", owner=priya
    )
    SessionCorrection.objects.create(
        session=session,
        author=supervisor,
        text=f"The visit was on Tuesday; {PRIYA_EMAIL} confirmed.",
        submission_key=uuid.uuid4(),
    )
    other_agreement = make_agreement(supervisor, [olu])
    other_session = make_session(
        other_agreement, on=timezone.localdate() - timedelta(days=5), discussion=OLU_DISCUSSION
    )
    return World(
        priya=priya,
        manager=manager,
        supervisor=supervisor,
        gina=gina,
        olu=olu,
        admin=admin,
        course=course,
        completion=completion,
        certificate=certificate,
        training_record=record,
        agreement=agreement,
        session=session,
        other_session=other_session,
        membership=membership,
        staff_import=staff_import,
    )
