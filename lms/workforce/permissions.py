"""May this person manage staff, see named staff's records, or administer an organisation?
(Pages answer 404 to anyone who may not.)"""

from django.http import Http404

from .selectors import Role, administered_paths, record_root_paths, roles_for

MANAGING_ROLES = {
    Role.MANAGER,
    Role.REGIONAL_LEAD,
    Role.ADMIN,
    Role.ORGANISATION_ADMIN,
    Role.REGIONAL_ADMIN,
}


def can_manage_staff(user) -> bool:
    """Managers, regional leads and administrators administer memberships (staff lists,
    invitations, staff import) in the units they manage or administer."""
    return bool(roles_for(user) & MANAGING_ROLES)


def can_manage_records(user) -> bool:
    """Managers of an organisation or a team, organisation and regional administrators and site
    administrators see and act on the training and supervision records of the people in their
    units; a regional lead sees figures only."""
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or bool(record_root_paths(user))


def can_administer(user) -> bool:
    """Organisation and regional administrators (for their own organisation or region) and site
    administrators change the organisation itself: its teams and its people's roles."""
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or bool(administered_paths(user))


class ManagerRequiredMixin:
    """For views only managers, regional leads and administrators may use; others get 404."""

    def may_use(self, user) -> bool:
        return can_manage_staff(user)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not self.may_use(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class RecordsManagerRequiredMixin(ManagerRequiredMixin):
    """For views about named people's records (assigning courses, assessments): managers of an
    organisation or team and administrators; regional leads and everyone else get 404."""

    def may_use(self, user) -> bool:
        return can_manage_records(user)


class AdministratorRequiredMixin(ManagerRequiredMixin):
    """For views that change an organisation (teams, people's roles): its administrators, its
    region's administrators and site administrators; everyone else gets 404."""

    def may_use(self, user) -> bool:
        return can_administer(user)
