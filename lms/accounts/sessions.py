"""Sessions on shared computers: an idle timeout, an absolute lifetime and what the browser is
told about them.

A session records when it began (``STARTED``), when its owner was last active (``SEEN``) and
how long it may stay idle (``IDLE``, fixed at sign-in: shorter for the roles that must use
two-factor authentication, who can see other people's records). Every request by a signed-in
person counts as activity except those that say they are not the person's own doing (the page's
status check and the draft saved when the warning shows, sent with ``PASSIVE_HEADER``). A
session idle for longer than its limit, or older than ``SESSION_LIFETIME_HOURS``, is ended on
its next request: the person is signed out, told why, and sent to sign in again with the page
they asked for as ``next`` (JSON requests get 401).

``SEEN`` is written at most once a minute (``TOUCH_EVERY``), so that ordinary pages do not
write the session on every request; the idle limit is therefore kept to within a minute, never
extended.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

STARTED = "lms_session_started"
SEEN = "lms_session_seen"
IDLE = "lms_session_idle"
PASSIVE_HEADER = "X-Session-Passive"
TOUCH_EVERY = 60  # seconds
# allauth's pages stay reachable once the session has ended (the sign-in page shows why).
OPEN_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/static/", "/health/")


def idle_limit_for(user) -> int:
    """Seconds a session of ``user`` may stay idle: ``SESSION_IDLE_MINUTES_PRIVILEGED`` for
    the roles that must use two-factor authentication, else ``SESSION_IDLE_MINUTES``."""
    from lms.accounts.middleware import PRIVILEGED
    from lms.workforce.selectors import roles_for

    minutes = (
        settings.SESSION_IDLE_MINUTES_PRIVILEGED
        if roles_for(user) & PRIVILEGED
        else settings.SESSION_IDLE_MINUTES
    )
    return int(minutes * 60)


def lifetime() -> int:
    return int(settings.SESSION_LIFETIME_HOURS * 3600)


def begin(session, user, *, now: float | None = None) -> None:
    """Start the clocks of a session that has just been signed in to."""
    now = time.time() if now is None else now
    session[STARTED] = now
    session[SEEN] = now
    session[IDLE] = idle_limit_for(user)


def on_sign_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver (every way of signing in sends it)."""
    if request is not None and hasattr(request, "session"):
        begin(request.session, user)


def remaining(session, *, now: float | None = None) -> dict:
    """Seconds until the session ends for want of activity and at the latest, and its limits."""
    now = time.time() if now is None else now
    idle = session.get(IDLE, settings.SESSION_IDLE_MINUTES * 60)
    idle_left = idle - (now - session.get(SEEN, now))
    absolute_left = lifetime() - (now - session.get(STARTED, now))
    return {
        "idle_limit": int(idle),
        "idle_remaining": max(0, int(idle_left)),
        "absolute_remaining": max(0, int(absolute_left)),
        "remaining": max(0, int(min(idle_left, absolute_left))),
        "warning": int(settings.SESSION_WARNING_SECONDS),
    }


def touch(session, *, now: float | None = None) -> None:
    """Count activity now (the "Stay signed in" button, or any ordinary request)."""
    session[SEEN] = time.time() if now is None else now


def expired_reason(session, *, now: float | None = None) -> str | None:
    """Why the session has ended ("idle" or "lifetime"), or None while it is current."""
    now = time.time() if now is None else now
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return None
    if now - started > lifetime():
        return "lifetime"
    if now - seen > session.get(IDLE, settings.SESSION_IDLE_MINUTES * 60):
        return "idle"
    return None


def _wants_json(request) -> bool:
    return (
        request.headers.get(PASSIVE_HEADER)
        or "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


def _return_path(request) -> str:
    """Where to go after signing in again: the page asked for, or for a form sent after the
    session ended, the page the form was on."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


class SessionTimeoutMiddleware:
    """Ends idle and over-age sessions; counts each request as activity (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = time.time()
        if STARTED not in session:
            # A session from before these limits: its clocks start now.
            begin(session, request.user, now=now)
            return self.get_response(request)
        reason = expired_reason(session, now=now)
        if reason is not None:
            return self._end(request, reason)
        if not request.headers.get(PASSIVE_HEADER) and now - session[SEEN] >= TOUCH_EVERY:
            touch(session, now=now)
        return self.get_response(request)

    def _end(self, request, reason: str):
        minutes = request.session.get(IDLE, settings.SESSION_IDLE_MINUTES * 60) // 60
        back_to = _return_path(request)
        logout(request)
        if reason == "idle":
            text = (
                f"You were signed out because you had not used the site for {minutes} minutes. "
                "Sign in again to carry on: anything you were typing has been kept as a draft."
            )
        else:
            text = (
                f"You were signed out because you had been signed in for "
                f"{settings.SESSION_LIFETIME_HOURS} hours. Sign in again to carry on: anything "
                "you were typing has been kept as a draft."
            )
        # Kept for the next page either way: a script that is told 401 goes to the sign-in page.
        messages.info(request, text)
        if _wants_json(request):
            return JsonResponse({"signed_out": True, "reason": reason, "message": text}, status=401)
        if request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        login = resolve_url(settings.LOGIN_URL)
        return redirect(f"{login}?{urlencode({'next': back_to})}" if back_to else login)
