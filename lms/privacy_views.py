"""Pages of ``lms.privacy``: the practitioner's "Download my data" (My account), and the
administrator's "Erase a person" screens in the Wagtail admin (superusers only; anyone else
gets a 404). Rules live in ``lms.privacy``."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms import privacy

User = get_user_model()


# --- The person's own data ------------------------------------------------------------------


class MyDataExportView(LoginRequiredMixin, View):
    """POST: download everything held about the signed-in person as one JSON file."""

    def post(self, request):
        data = privacy.export_personal_data(user=request.user)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{privacy.export_filename()}"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- Erasure (Wagtail admin) ----------------------------------------------------------------


class FindPersonForm(forms.Form):
    email = forms.EmailField(
        label="Email address of the person",
        help_text="The address they sign in with.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        person = User.objects.filter(email__iexact=email).first()
        if person is None:
            raise ValidationError(
                "Nobody signs in with that address. Check it, or find the person under Users."
            )
        self.person = person
        return email


class EraseForm(forms.Form):
    confirm_email = forms.CharField(
        label="Type the person's email address to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=privacy.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example 'Erasure request received 3 March 2026, reference DP-123'. "
        "Recorded in the audit log with your name; do not write the person's name here.",
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirm_email(self):
        typed = self.cleaned_data["confirm_email"].strip().lower()
        if typed != self.person.email.lower():
            raise ValidationError(
                "That is not this person's email address. Type it exactly as shown above."
            )
        return typed


class SuperuserOnlyMixin:
    """Erasure is for administrators (superusers); anyone else is answered 404."""

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_superuser):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class EraseFindView(SuperuserOnlyMixin, WagtailAdminTemplateMixin, FormView):
    """Settings > Erase a person: find the person by email address."""

    template_name = "privacy/admin/find.html"
    form_class = FindPersonForm
    page_title = "Erase a person"
    header_icon = "bin"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def form_valid(self, form):
        return redirect("privacy_erase", form.person.pk)


class EraseView(SuperuserOnlyMixin, WagtailAdminTemplateMixin, FormView):
    """What erasure will do, and a confirmation form (email typed again, and a reason)."""

    template_name = "privacy/admin/erase.html"
    form_class = EraseForm
    page_title = "Erase a person"
    header_icon = "bin"

    def dispatch(self, request, *args, **kwargs):
        self.person = get_object_or_404(User, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.person.erased_at is not None:
            return self.render_to_response(self.get_context_data(form=None))
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.person)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailusers_users:index"), "label": "Users"},
            {
                "url": reverse("wagtailusers_users:edit", args=[self.person.pk]),
                "label": str(self.person),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "person": self.person}

    def get_context_data(self, **kwargs):
        refusal = None
        try:
            privacy.check_erasable(person=self.person, by=self.request.user)
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        return {
            **super().get_context_data(**kwargs),
            "person": self.person,
            "refusal": refusal,
            "memberships": self.person.memberships.select_related("unit", "job_role"),
            "cancel_url": reverse("wagtailusers_users:edit", args=[self.person.pk]),
        }

    def post(self, request, *args, **kwargs):
        if self.person.erased_at is not None:
            messages.info(request, "This person's record had already been erased.")
            return redirect("wagtailusers_users:index")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            privacy.erase_person(
                person=self.person, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"The personal data of account {self.person.pk} has been erased. Its training "
            "records stay, anonymised, in the coverage figures.",
        )
        return redirect("wagtailusers_users:index")
