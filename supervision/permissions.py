"""Who may see what in supervision. One place, so that every view asks the same question.

- A session's content: its supervisor and its attendees only. Nobody else, administrators
  included, gets anything but a 404.
- A supervisee's own reflection: that supervisee and the supervisor (in a group session the
  other attendees do not see it).
- An agreement: its supervisor and the supervisees named in it.
- Hours, dates, durations and sign-off state: also the person's managers (organisations and
  teams they manage; not regional leads) and administrators, through the team pages only.
- Setting up an agreement as supervisor: people whose role requires T3 (Enhanced: leading case
  discussion) or above, managers (management supervision), administrators, and anyone who
  already leads an agreement (``may_supervise``).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from lms.workforce.selectors import manages_person

from .models import AgreementParty, SessionAttendance, SupervisionAgreement, SupervisionSession


def sessions_readable_by(user) -> QuerySet[SupervisionSession]:
    """Sessions whose content ``user`` may read."""
    if not (user and user.is_authenticated):
        return SupervisionSession.objects.none()
    attended = SessionAttendance.objects.filter(supervisee=user).values("session_id")
    return SupervisionSession.objects.filter(Q(agreement__supervisor=user) | Q(pk__in=attended))


def agreements_visible_to(user) -> QuerySet[SupervisionAgreement]:
    if not (user and user.is_authenticated):
        return SupervisionAgreement.objects.none()
    named = AgreementParty.objects.filter(supervisee=user).values("agreement_id")
    return SupervisionAgreement.objects.filter(Q(supervisor=user) | Q(pk__in=named))


def session_for(user, pk: int) -> SupervisionSession:
    """The session if ``user`` may read its content, else 404."""
    session = (
        sessions_readable_by(user)
        .select_related("agreement__supervisor", "signed_off_by", "created_by")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    return session


def agreement_for(user, pk: int) -> SupervisionAgreement:
    agreement = agreements_visible_to(user).select_related("supervisor").filter(pk=pk).first()
    if agreement is None:
        raise Http404
    return agreement


SUPERVISOR_TIER_ORDER = 3


def may_supervise(user, *, leads_agreements: bool | None = None) -> bool:
    """Whether ``user`` may set up an agreement as supervisor (see the module docstring).
    ``leads_agreements``: whether they lead any agreement, when the caller knows already."""
    from lms.workforce.selectors import todays_memberships

    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    for membership in todays_memberships(user):  # read once per request
        if membership.is_manager:
            return True
        role = membership.job_role
        if role is not None and role.required_tier.order >= SUPERVISOR_TIER_ORDER:
            return True
    if leads_agreements is not None:
        return leads_agreements
    return SupervisionAgreement.objects.filter(supervisor=user).exists()


def is_supervisor_of(user, session: SupervisionSession) -> bool:
    return session.agreement.supervisor_id == user.pk


def may_see_hours_of(user, person) -> bool:
    """Managers of the person's units (and administrators) see their hours and dates."""
    return bool(user and user.is_authenticated) and (
        user.pk == person.pk or manages_person(user, person, records=True)
    )
