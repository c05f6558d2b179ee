"""The site's public address, for links that leave the page: emails and certificates (their
link and QR code).

Production sets ``SITE_URL`` (workers have no request to take it from). Without it, in
development, the address is the one the request being served came to (so a certificate made
while serving ``http://192.168.1.20:8000`` links there, not to ``localhost``): tasks run in the
same process there. Outside a request, ``SITE_URL``'s development default.
"""

from contextvars import ContextVar

from django.conf import settings

_request_base: ContextVar[str | None] = ContextVar("request_site_url", default=None)


def site_url() -> str:
    """``SITE_URL`` when it is set; otherwise the scheme and host of the current request;
    otherwise ``SITE_URL``'s default. No trailing slash."""
    if not getattr(settings, "SITE_URL_IS_SET", True):
        base = _request_base.get()
        if base:
            return base
    return settings.SITE_URL


class RequestSiteURLMiddleware:
    """Remembers the current request's scheme and host for ``site_url`` while SITE_URL is
    unset (after CommonMiddleware, which has checked the host against ALLOWED_HOSTS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(settings, "SITE_URL_IS_SET", True):
            return self.get_response(request)
        token = _request_base.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)
