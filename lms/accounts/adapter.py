from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: whether public signup is open and where people land after signing in."""

    def is_open_for_signup(self, request):
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUP", True)

    def populate_username(self, request, user):
        # There is no username; the email address is the login.
        return None

    def get_login_redirect_url(self, request):
        """People who learn or manage land on their learning (``LOGIN_REDIRECT_URL``). Trainers
        and reviewers with no job role land where their work is: trainers on the course
        analytics (which lead to their content), reviewers on the admin's dashboard, which
        lists what awaits their review."""
        from content.groups import REVIEWERS, TRAINERS
        from lms.workforce.selectors import Role, roles_for

        user = request.user
        roles = roles_for(user)
        if Role.TRAINER in roles and not roles & {
            Role.PRACTITIONER,
            Role.MANAGER,
            Role.REGIONAL_LEAD,
            Role.ORGANISATION_ADMIN,
            Role.REGIONAL_ADMIN,
        }:
            groups = set(user.groups.values_list("name", flat=True))
            if TRAINERS in groups:
                return reverse("reports:analytics")
            if REVIEWERS in groups:
                return reverse("wagtailadmin_home")
        return super().get_login_redirect_url(request)
