"""Builders for supervision tests: agreements, sessions and a small world of people in every
role the permission matrix covers."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from supervision.models import (
    AgreementParty,
    SessionAction,
    SessionAttendance,
    SupervisionAgreement,
    SupervisionSession,
)
from tests.factories import JobRoleFactory, MembershipFactory, TierFactory, UserFactory


def make_agreement(
    supervisor,
    supervisees,
    *,
    format=SupervisionAgreement.Format.INDIVIDUAL,
    type=SupervisionAgreement.Type.REFLECTIVE,
    accepted=True,
    start_date=None,
    review_date=None,
):
    today = timezone.localdate()
    agreement = SupervisionAgreement.objects.create(
        supervisor=supervisor,
        type=type,
        format=format,
        modality=SupervisionAgreement.Modality.IN_PERSON,
        frequency=SupervisionAgreement.Frequency.FORTNIGHTLY,
        start_date=start_date or today - timedelta(days=400),
        review_date=review_date or today + timedelta(days=90),
        confidentiality="What we discuss stays between us, except safeguarding concerns.",
        created_by=supervisor,
    )
    for person in supervisees:
        AgreementParty.objects.create(
            agreement=agreement,
            supervisee=person,
            accepted_at=timezone.now() if accepted else None,
        )
    return agreement


def make_session(
    agreement,
    *,
    attendees=None,
    on: date | None = None,
    minutes: int = 60,
    signed_off: bool = True,
    discussion: str = "",
    case_references: str = "",
    next_session_on: date | None = None,
):
    session = SupervisionSession.objects.create(
        agreement=agreement,
        date=on or timezone.localdate(),
        duration_minutes=minutes,
        format=agreement.format,
        discussion=discussion,
        case_references=case_references,
        next_session_on=next_session_on,
        created_by=agreement.supervisor,
        status=SupervisionSession.Status.SIGNED_OFF if signed_off else "draft",
        signed_off_at=timezone.now() if signed_off else None,
        signed_off_by=agreement.supervisor if signed_off else None,
    )
    people = attendees if attendees is not None else [p.supervisee for p in agreement.parties.all()]
    for person in people:
        SessionAttendance.objects.create(session=session, supervisee=person)
    return session


def role(tier_code: str, code: str | None = None):
    return JobRoleFactory(
        code=code or f"role-{tier_code.lower()}", required_tier=TierFactory(code=tier_code)
    )


@dataclass
class World:
    practitioner: object
    supervisor: object
    other_supervisor: object
    other_supervisee: object
    manager: object
    other_manager: object
    admin: object
    agreement: SupervisionAgreement
    signed: SupervisionSession
    draft: SupervisionSession
    other_session: SupervisionSession
    action: object = None

    def roles(self):
        return {
            "practitioner": self.practitioner,
            "supervisor": self.supervisor,
            "other_supervisor": self.other_supervisor,
            "manager": self.manager,
            "other_manager": self.other_manager,
            "admin": self.admin,
        }


SECRET_DISCUSSION = "Explored feeling stuck with Family A's worries about sleep"
SECRET_CASE = "Family A (baby 4 months)"
SECRET_REFLECTION = "I noticed my own anxiety rising when the baby cried"


def build_world(org_tree) -> World:
    """A practitioner (T2 health visitor) and their supervisor in the HV team; another
    supervisor with their own supervisee among the midwives; the manager of the HV team; the
    manager of a council team; an administrator."""
    from tests.factories import tiers

    tiers()
    hv_role = role("T2", "health-visitor")
    practitioner = UserFactory(display_name="Priya Practitioner")
    supervisor = UserFactory(display_name="Sam Supervisor")
    other_supervisor = UserFactory(display_name="Olu Othersupervisor")
    other_supervisee = UserFactory(display_name="Mia Midwife")
    manager = UserFactory(display_name="Max Manager")
    other_manager = UserFactory(display_name="Nora Othermanager")
    admin = UserFactory(display_name="Ada Admin", is_superuser=True, is_staff=True)
    start = timezone.localdate() - timedelta(days=800)
    MembershipFactory(
        user=practitioner, unit=org_tree["hv_team"], job_role=hv_role, start_date=start
    )
    MembershipFactory(
        user=supervisor, unit=org_tree["hv_team"], job_role=role("T4", "imh-lead"), start_date=start
    )
    MembershipFactory(
        user=other_supervisor,
        unit=org_tree["midwives"],
        job_role=role("T4", "imh-lead"),
        start_date=start,
    )
    MembershipFactory(
        user=other_supervisee,
        unit=org_tree["midwives"],
        job_role=role("T2", "midwife"),
        start_date=start,
    )
    MembershipFactory(
        user=manager, unit=org_tree["hv_team"], job_role=None, is_manager=True, start_date=start
    )
    MembershipFactory(
        user=other_manager,
        unit=org_tree["family_support"],
        job_role=None,
        is_manager=True,
        start_date=start,
    )
    agreement = make_agreement(supervisor, [practitioner])
    today = timezone.localdate()
    signed = make_session(
        agreement,
        on=today - timedelta(days=20),
        minutes=90,
        discussion=SECRET_DISCUSSION,
        case_references=SECRET_CASE,
    )
    SessionAttendance.objects.filter(session=signed).update(
        reflection=SECRET_REFLECTION, reflection_submitted_at=timezone.now()
    )
    draft = make_session(
        agreement,
        on=today - timedelta(days=2),
        minutes=60,
        signed_off=False,
        discussion=SECRET_DISCUSSION,
    )
    action = SessionAction.objects.create(
        session=signed, text="Read about containment", owner=practitioner
    )
    other_agreement = make_agreement(other_supervisor, [other_supervisee])
    other_session = make_session(other_agreement, on=today - timedelta(days=5))
    return World(
        practitioner=practitioner,
        supervisor=supervisor,
        other_supervisor=other_supervisor,
        other_supervisee=other_supervisee,
        manager=manager,
        other_manager=other_manager,
        admin=admin,
        agreement=agreement,
        signed=signed,
        draft=draft,
        other_session=other_session,
        action=action,
    )
