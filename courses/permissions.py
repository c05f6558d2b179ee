"""Who may do what with learning records (pages answer 404 to anyone who may not)."""

from lms.workforce.selectors import Role, manages_person, roles_for

from .models import Enrolment


def may_withdraw(user, enrolment: Enrolment) -> bool:
    """Learners may withdraw from courses they chose themselves; courses a manager, a rule or a
    refresher put them on are withdrawn by a manager of theirs (or an administrator), never by
    a regional lead (who sees figures, not people's records)."""
    if not (user and user.is_authenticated) or enrolment.status != Enrolment.Status.ACTIVE:
        return False
    if user.is_superuser:
        return True
    if enrolment.user_id == user.pk and enrolment.source == Enrolment.Source.SELF:
        return True
    return enrolment.user_id != user.pk and manages_person(user, enrolment.user, records=True)


def may_assess(assessor, person) -> bool:
    """Assessors are the person's managers or administrators, never the person themselves."""
    if not (assessor and assessor.is_authenticated) or assessor.pk == person.pk:
        return False
    return assessor.is_superuser or manages_person(assessor, person, records=True)


def may_see_item_analysis(user) -> bool:
    """Trainers and administrators see how the questions perform (figures for groups of
    answers, never individuals)."""
    if not (user and user.is_authenticated):
        return False
    return bool(roles_for(user) & {Role.TRAINER, Role.ADMIN})
