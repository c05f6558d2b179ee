import os

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.urls import reverse

from . import selectors, services


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: whether public signup is open and where people land after signing in."""

    def is_open_for_signup(self, request):
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUP", True)

    def pre_authenticate(self, request, **credentials):
        """A password is not accepted from someone whose organisation requires single sign-on
        for their email domain."""
        super().pre_authenticate(request, **credentials)
        sign_on = selectors.required_sign_on_for(credentials.get("email") or "")
        if sign_on is not None:
            raise forms.ValidationError(
                f"Your organisation asks you to sign in with its own account: choose "
                f"“Sign in with {sign_on.app.name}” below.",
                code="sso_required",
            )

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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth hooks for single sign-on with an organisation's own account (OpenID Connect or
    SAML): refuse what the organisation's settings do not allow, name new accounts, and place
    them in the organisation. The rules are in ``selectors`` and ``services``."""

    def pre_social_login(self, request, sociallogin):
        app = sociallogin.provider.app
        emails = [(e.email, bool(e.verified)) for e in sociallogin.email_addresses]
        reason = selectors.refusal_for(selectors.sign_on_for_app(app), emails)
        if reason:
            email = ", ".join(e for e, _ in emails)
            services.audit_sso_refusal(app=app, reason=reason, email=email)
            raise ImmediateHttpResponse(_refused(request, selectors.REFUSALS[reason]))

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """A tampered, expired or replayed response, a wrong audience or a cancelled sign-in:
        an audit entry and a page that says what to do."""
        extra = extra_context or {}
        services.audit_sso_refusal(
            app=getattr(provider, "app", None),
            reason=str(error or ", ".join(extra.get("saml_errors") or []) or "unknown"),
            detail=repr(exception) if exception else extra.get("saml_last_error_reason") or "",
        )
        from .views import SSO_INVALID_ANSWER

        message = (
            "You cancelled signing in with your organisation's account."
            if error == "cancelled"
            else SSO_INVALID_ANSWER
        )
        raise ImmediateHttpResponse(_refused(request, message))

    def list_apps(self, request, provider=None, client_id=None):
        """An identity provider's secret may be left empty in the admin and come from the
        environment instead: ``SSO_SECRET_<PROVIDER ID>`` (upper case, '-' as '_')."""
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        for app in apps:
            if not app.secret:
                name = (app.provider_id or app.provider).upper().replace("-", "_")
                app.secret = os.environ.get(f"SSO_SECRET_{name}", "")
        return apps

    def is_auto_signup_allowed(self, request, sociallogin):
        # pre_social_login has already checked the domain: the organisation vouches for them.
        return True

    def is_open_for_signup(self, request, sociallogin):
        return True

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.display_name = (name or user.email.partition("@")[0])[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        sign_on = selectors.sign_on_for_app(sociallogin.provider.app)
        if sign_on is not None:
            services.place_in_organisation(user=user, sign_on=sign_on)
        return user


def _refused(request, message):
    from .views import sso_refused

    return sso_refused(request, message)
