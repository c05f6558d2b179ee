"""Multi-factor authentication is required for people who can see or change other people's
records: managers, regional leads, trainers, organisation and regional administrators and site
administrators.

Such a person without an authenticator is sent to set one up before anything else: an
authenticator app or a passkey (WebAuthn), either with recovery codes. allauth's own pages
(set-up, sign-out, re-authentication) stay reachable.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from lms.workforce.selectors import Role, roles_for

PRIVILEGED = {
    Role.MANAGER,
    Role.REGIONAL_LEAD,
    Role.TRAINER,
    Role.ADMIN,
    Role.ORGANISATION_ADMIN,
    Role.REGIONAL_ADMIN,
}
OPEN_PREFIXES = ("/accounts/", "/static/", "/media/", "/health/", "/certificates/verify/")


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_REQUIRED_FOR_PRIVILEGED_ROLES
            and request.user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and roles_for(request.user) & PRIVILEGED
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(
                request,
                "Your role gives you access to other people's records, so you need to set up "
                "two-factor authentication before you continue: add a passkey or an "
                "authenticator app.",
            )
            return redirect("mfa_index")
        return self.get_response(request)
