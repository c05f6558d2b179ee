"""What the timeout warning on every page needs to know about the session (nothing for
visitors who are not signed in)."""

from django.urls import reverse

from . import sessions


def session_timeout(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {
        "session_timeout": {
            **sessions.remaining(request.session),
            "status_url": reverse("account_session"),
            "login_url": reverse("account_login"),
        }
    }
