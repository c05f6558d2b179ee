from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.urls import reverse_lazy
from django.views import View
from django.views.generic import FormView

from . import sessions
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
