from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: whether public signup is open and where people land after signing in."""

    def is_open_for_signup(self, request):
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUP", True)

    def populate_username(self, request, user):
        # There is no username; the email address is the login.
        return None
