"""Request hygiene, security headers and error pages: requests whose address holds a NUL character
are refused (400), every response gets a Content Security Policy and a Permissions Policy, and a
view's refusal (404, 403) is always the site's own page.

The public site, learner, manager and supervisor pages run under a strict policy: scripts,
styles and fonts only from this site, no inline scripts or style attributes, no plugins, no
framing. The Wagtail and Django admins get a policy that lets their own editors work (they use
inline styles and scripts); it still allows nothing from other origins except embeds and images
editors add. The sign-in pages (/accounts/) may also send forms on to the organisations' identity
providers (single sign-on).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.views import defaults

VIDEO_FRAMES = "https://www.youtube-nocookie.com https://www.youtube.com https://player.vimeo.com"

STRICT = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        f"frame-src 'self' {VIDEO_FRAMES}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

ADMIN = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https:",
        "font-src 'self' data:",
        "connect-src 'self'",
        f"frame-src 'self' {VIDEO_FRAMES} https:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
SIGN_IN_PREFIX = "/accounts/"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 500:
            return response  # Django's debug page needs inline styles and scripts
        policy = ADMIN if request.path.startswith(ADMIN_PREFIXES) else STRICT
        if request.path.startswith(SIGN_IN_PREFIX) and self.header not in response.headers:
            # Single sign-on: the sign-in pages' forms lead on to the identity providers.
            from lms.accounts.selectors import identity_provider_origins

            origins = identity_provider_origins()
            if origins:
                policy = policy.replace(
                    "form-action 'self'", " ".join(["form-action 'self'", *origins])
                )
        response.headers.setdefault(self.header, policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NullCharacter(SuspiciousOperation):
    """A NUL character in the path or the query string."""


class RejectNullCharactersMiddleware:
    """A NUL character has no place in an address, and no database text column can hold one
    (PostgreSQL refuses it outright): refuse such a request with 400 Bad Request before any view
    looks it up, instead of letting it reach a query and fail there as a server error. Form
    fields refuse NUL themselves (Django's ``ProhibitNullCharactersValidator``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/v1/"):
                # The reporting API answers JSON, refusals included.
                return JsonResponse(
                    {"detail": "The address holds a NUL character, which no parameter may."},
                    status=400,
                )
            raise NullCharacter("NUL character in the request's address")
        return self.get_response(request)


class ProductErrorPagesMiddleware:
    """A view that refuses (``Http404``: not there or not yours; ``PermissionDenied``) answers
    with the site's own page (``404.html``, ``403.html``), with debugging on as well: Django's
    debugging page would show a person the code's URL patterns and the view that refused, and
    a developer would not see what a person sees. Addresses that match no URL pattern still get
    Django's page in development (they never reach a view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        return None
