"""Reads about accounts: which organisation's single sign-on vouches for an email address, and
whether a sign-in through an identity provider may go ahead."""

from __future__ import annotations

from .models import OrganisationSignOn

# Why a sign-in through an organisation's identity provider is refused, as shown to the person.
REFUSALS = {
    "not_configured": "This identity provider is not linked to an organisation here yet. Ask "
    "your organisation's administrator to finish setting up single sign-on.",
    "no_email": "Your organisation's account did not give us a verified email address, so we "
    "cannot tell who you are here. Ask your organisation's administrator to check that single "
    "sign-on sends your email address.",
    "unknown_domain": "Your email address is not at one of the domains this organisation's "
    "account can sign in for. Sign in with your email address and password instead, or ask "
    "your organisation's administrator to add your domain.",
}


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def sign_on_for_app(app) -> OrganisationSignOn | None:
    """The organisation an allauth social application signs people in for, if any."""
    if app is None or app.pk is None:
        return None
    return OrganisationSignOn.objects.select_related("organisation", "app").filter(app=app).first()


def refusal_for(sign_on: OrganisationSignOn | None, emails: list[tuple[str, bool]]) -> str | None:
    """Why a sign-in must be refused (a key of ``REFUSALS``), or None if it may go ahead.

    ``emails`` are the (address, verified) pairs the provider sent. The provider is trusted
    only for its organisation's own domains, so it can never take over anyone else's account.
    """
    if sign_on is None:
        return "not_configured"
    verified = [email for email, is_verified in emails if is_verified and email]
    if not verified:
        return "no_email"
    domains = set(sign_on.domains)
    if any(domain_of(email) not in domains for email in verified):
        return "unknown_domain"
    return None


def required_sign_on_for(email: str) -> OrganisationSignOn | None:
    """The single sign-on that people at this email's domain must use, if their organisation
    requires it; their passwords are then not accepted."""
    domain = domain_of(email or "")
    if not domain:
        return None
    for sign_on in OrganisationSignOn.objects.filter(required=True).select_related("app"):
        if domain in sign_on.domains:
            return sign_on
    return None


def identity_provider_origins() -> list[str]:
    """The origins of the configured identity providers' sign-in addresses. The sign-in pages'
    Content Security Policy lets forms go there: pressing "Sign in with ..." posts to this site,
    which redirects the browser to the provider, and browsers apply ``form-action`` to that
    redirect too."""
    from urllib.parse import urlsplit

    from allauth.socialaccount.models import SocialApp

    urls = []
    for provider, app_settings in SocialApp.objects.filter(
        provider__in=["openid_connect", "saml"]
    ).values_list("provider", "settings"):
        app_settings = app_settings or {}
        if provider == "openid_connect":
            urls.append(app_settings.get("server_url", ""))
        else:
            idp = app_settings.get("idp") or {}
            urls.append(idp.get("sso_url") or idp.get("metadata_url") or "")
    origins = set()
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in {"http", "https"} and parts.netloc and " " not in parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
