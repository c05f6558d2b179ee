from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse_lazy
from django.views.generic import FormView

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
