from allauth.account.adapter import get_adapter
from allauth.account.fields import PasswordField, SetPasswordField
from django import forms

from . import services
from .models import JobRole, OrganisationUnit
from .selectors import job_roles, managed_units


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        indent = "\u00a0\u00a0\u00a0" * (obj.depth - 1)
        return f"{indent}{obj.name}"


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="Their work email. They will get a link to set up their account.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    display_name = forms.CharField(
        label="Full name",
        max_length=150,
        required=False,
        help_text="They can change it when they set up their account.",
    )
    unit = UnitChoiceField(label="Team or organisation", queryset=OrganisationUnit.objects.none())
    job_role = forms.ModelChoiceField(
        label="Job role",
        queryset=JobRole.objects.none(),
        help_text="Sets the level of training the role requires.",
    )
    is_manager = forms.BooleanField(
        label="They will manage this team (and see its training records)", required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = managed_units(user).exclude(
            kind=OrganisationUnit.Kind.REGION
        )
        self.fields["job_role"].queryset = job_roles()
        self.fields["job_role"].label_from_instance = lambda role: (
            f"{role.name} (requires {role.required_tier.code} {role.required_tier.name})"
        )


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="Staff file (CSV)",
        help_text="A .csv file saved from a spreadsheet, with the columns described below.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                "The file is larger than 5 MB; split it into smaller files."
            )
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                self.cleaned_data["content"] = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise forms.ValidationError(
                "The file could not be read. Save it from your spreadsheet as 'CSV UTF-8'."
            )
        services.refuse_binary(self.cleaned_data["content"])
        return upload


class AccountSetupForm(forms.Form):
    """Set up an account from an invitation: name and password, checked by allauth's rules."""

    display_name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="As it should appear on your certificates.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = SetPasswordField(label="Create a password")
    password2 = PasswordField(label="Type the password again", autocomplete="new-password")

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match. Type them again.")
        elif p1:
            from django.contrib.auth import get_user_model

            probe = get_user_model()(email=self.email, display_name=cleaned.get("display_name", ""))
            try:
                get_adapter().clean_password(p1, user=probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
