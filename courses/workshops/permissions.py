"""Who may do what with sessions, bookings and evaluation results (pages answer 404 to anyone
who may not)."""

from lms.workforce.selectors import Role, manages_person, roles_for


def is_session_trainer(user, session) -> bool:
    """The register is the session's trainers' alone."""
    if not (user and user.is_authenticated):
        return False
    return session.trainers.filter(pk=user.pk).exists()


def may_book_for(by, person) -> bool:
    """People book themselves; managers of their records (and administrators) book them too."""
    if not (by and by.is_authenticated):
        return False
    return by.pk == person.pk or manages_person(by, person, records=True)


def may_see_evaluation_results(user) -> bool:
    """Trainers, regional leads (for people in their region) and site administrators: figures
    and unnamed free text for groups of five or more. Managers never see evaluations."""
    return bool(roles_for(user) & {Role.TRAINER, Role.REGIONAL_LEAD, Role.ADMIN})
