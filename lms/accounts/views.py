from allauth.socialaccount.providers.saml import views as saml_views
from allauth.socialaccount.providers.saml.utils import get_app_or_404
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views import View
from django.views.generic import FormView

from . import services, sessions
from .forms import ProfileForm


class ProfileView(LoginRequiredMixin, FormView):
    """My account: the display name, with links to allauth's email, password and MFA pages."""

    template_name = "accounts/profile.html"
    form_class = ProfileForm
    success_url = reverse_lazy("account_profile")

    def get_initial(self):
        return {"display_name": self.request.user.display_name}

    def form_valid(self, form):
        user = self.request.user
        user.display_name = form.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])
        messages.success(self.request, "Your name has been updated.")
        return super().form_valid(form)


class SessionStatusView(LoginRequiredMixin, View):
    """How long this session has left (GET; not counted as activity when sent with the passive
    header, as the page's own check is) and "Stay signed in" (POST: counts as activity). The
    timeout warning (``lms/static/lms/session-timeout.js``) uses both."""

    raise_exception = True  # a script asks: 403, never a redirect to the sign-in page

    def get(self, request):
        return JsonResponse(sessions.remaining(request.session))

    def post(self, request):
        sessions.touch(request.session)
        return JsonResponse(sessions.remaining(request.session))


SSO_INVALID_ANSWER = (
    "We could not sign you in with your organisation's account: its answer was not valid (it "
    "may have expired, been used already or been changed on the way). Please try again; if it "
    "happens again, tell your organisation's administrator."
)


def sso_refused(request, message):
    """The page a refused single sign-on shows (the reason is in the audit log)."""
    return render(request, "accounts/sso_refused.html", {"message": message}, status=403)


@login_not_required
def saml_finish_acs(request, organization_slug):
    """allauth's end of a SAML sign-in. A response whose sign-in this browser did not start, or
    has already finished (a replayed response), makes allauth refuse with a bare "forbidden";
    here it gets the clear refusal page and an audit entry like any other refused response."""
    try:
        return saml_views.finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied as error:
        app = get_app_or_404(request, organization_slug)
        services.audit_sso_refusal(app=app, reason="unknown_or_replayed", detail=repr(error))
        return sso_refused(request, SSO_INVALID_ANSWER)
