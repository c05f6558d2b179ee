from allauth.account.adapter import get_adapter
from allauth.account.fields import PasswordField, SetPasswordField
from django import forms
from django.conf import settings

from lms.accounts.validators import validate_person_name

from .imports import decode_upload
from .models import ColumnMapping, JobRole, OrganisationUnit
from .selectors import administered_units, job_roles, managed_units


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
        validators=[validate_person_name],
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
        self.fields["unit"].queryset = (
            managed_units(user).exclude(kind=OrganisationUnit.Kind.REGION).filter(is_active=True)
        )
        self.fields["job_role"].queryset = job_roles()
        self.fields["job_role"].label_from_instance = lambda role: (
            f"{role.name} (requires {role.required_tier.code} {role.required_tier.name})"
        )


class StaffImportForm(forms.Form):
    """Upload a staff file: the organisation it is for, how to read its columns, and whether it
    lists everyone (a full extract)."""

    file = forms.FileField(
        label="Staff file (CSV)",
        help_text="A .csv file saved from a spreadsheet or exported from your HR system "
        "(UTF-8, UTF-16 or Windows-1252).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=OrganisationUnit.objects.none(),
        required=False,
        help_text="The organisation the file describes. Needed for a full extract, for a saved "
        "column mapping and for staff numbers.",
    )
    mapping = forms.ModelChoiceField(
        label="Column mapping",
        queryset=ColumnMapping.objects.none(),
        required=False,
        empty_label="The product's own columns (see the template)",
        help_text="How your HR system names its columns, saved once by an administrator.",
    )
    full_extract = forms.BooleanField(
        label="This is a full extract: end the memberships of people not in the file",
        required=False,
        help_text="Leavers are ended, never deleted: their training records stay.",
    )
    send_invitations = forms.BooleanField(
        label="Email an invitation to people new to the system",
        required=False,
        initial=True,
    )

    MAX_BYTES = getattr(settings, "STAFF_IMPORT_MAX_BYTES", 50 * 1024 * 1024)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = managed_units(user).filter(kind=OrganisationUnit.Kind.ORGANISATION)
        self.fields["organisation"].queryset = organisations.order_by("name")
        self.fields["mapping"].queryset = ColumnMapping.objects.filter(
            organisation__in=organisations
        ).select_related("organisation")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {self.MAX_BYTES // (1024 * 1024)} MB; split it into "
                "smaller files."
            )
        content, encoding = decode_upload(upload.read())
        self.cleaned_data["content"] = content
        self.cleaned_data["encoding"] = encoding
        return upload

    def clean(self):
        cleaned = super().clean()
        organisation, mapping = cleaned.get("organisation"), cleaned.get("mapping")
        if mapping and organisation and mapping.organisation_id != organisation.pk:
            self.add_error(
                "mapping", f"The mapping '{mapping.name}' belongs to {mapping.organisation.name}."
            )
        if mapping and not organisation:
            cleaned["organisation"] = mapping.organisation
        if cleaned.get("full_extract") and not cleaned.get("organisation"):
            self.add_error("organisation", "Choose the organisation that the full extract lists.")
        return cleaned


class TrainingHistoryImportForm(forms.Form):
    """Upload completions from a previous learning or HR system."""

    file = forms.FileField(
        label="Training history file (CSV)",
        help_text="One completion per line, with the columns described below.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=OrganisationUnit.objects.none(),
        required=False,
        help_text="Needed when the file names people by staff number, and to use the "
        "organisation's own course mappings.",
    )

    MAX_BYTES = StaffImportForm.MAX_BYTES

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            managed_units(user).filter(kind=OrganisationUnit.Kind.ORGANISATION).order_by("name")
        )

    clean_file = StaffImportForm.clean_file


class AccountSetupForm(forms.Form):
    """Set up an account from an invitation: name and password, checked by allauth's rules."""

    display_name = forms.CharField(
        label="Full name",
        max_length=150,
        validators=[validate_person_name],
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


class TeamForm(forms.Form):
    """Add a team to an organisation, or rename or close one."""

    organisation = UnitChoiceField(label="Organisation", queryset=OrganisationUnit.objects.none())
    name = forms.CharField(label="Team name", max_length=200)
    is_active = forms.BooleanField(
        label="Open: people can be invited, imported or moved into this team",
        required=False,
        initial=True,
    )

    def __init__(self, *args, user, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = administered_units(user).filter(
            kind=OrganisationUnit.Kind.ORGANISATION, is_active=True
        )
        if team is not None:
            del self.fields["organisation"]
        else:
            del self.fields["is_active"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        validate_person_name(name)  # no control or bidirectional override characters
        return name


class MembershipChangeForm(forms.Form):
    """An administrator's change to one person's place: team, job role, or an end date."""

    unit = UnitChoiceField(label="Team", queryset=OrganisationUnit.objects.none())
    job_role = forms.ModelChoiceField(label="Job role", queryset=JobRole.objects.none())
    end_date = forms.DateField(
        label="Leaving date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only if they are leaving: their membership ends on this date and their "
        "records are kept. Leave empty to move them or change their role from today.",
    )

    def __init__(self, *args, user, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["unit"].queryset = administered_units(user).filter(
            kind=OrganisationUnit.Kind.TEAM, is_active=True
        ) | OrganisationUnit.objects.filter(pk=membership.unit_id)
        self.fields["job_role"].queryset = job_roles()
        self.fields["job_role"].label_from_instance = lambda role: (
            f"{role.name} (requires {role.required_tier.code} {role.required_tier.name})"
        )

    def clean_end_date(self):
        end = self.cleaned_data.get("end_date")
        if end and end < self.membership.start_date:
            raise forms.ValidationError(
                f"They started on {self.membership.start_date:%-d %B %Y}: the leaving date "
                "must be on or after that."
            )
        return end
