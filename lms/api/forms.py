"""The form that makes an API token."""

from django import forms
from django.conf import settings

from lms.accounts.validators import validate_person_name
from lms.workforce.models import OrganisationUnit
from lms.workforce.selectors import administered_units

EXPIRY_CHOICES = [(30, "30 days"), (90, "90 days"), (180, "6 months"), (365, "1 year")]


class UnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display().lower()})"


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, so that you recognise it later, e.g. "
        "“Power BI coverage refresh”.",
    )
    units = UnitsField(
        label="Units it may read",
        queryset=OrganisationUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The token reads these units and everything in them. People are listed by "
        "name only for organisations and teams; a region gives its figures only.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        choices=EXPIRY_CHOICES,
        initial=90,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = administered_units(user).filter(depth__lte=2)
        if not user.is_superuser:
            units = administered_units(user)
        self.fields["units"].queryset = units.order_by("path")
        self.fields["expires_in_days"].choices = [
            (days, label) for days, label in EXPIRY_CHOICES if days <= settings.API_TOKEN_MAX_DAYS
        ] or [(settings.API_TOKEN_MAX_DAYS, f"{settings.API_TOKEN_MAX_DAYS} days")]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        validate_person_name(name)  # no control or bidirectional override characters
        return name
