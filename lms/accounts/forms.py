from django import forms

from .validators import validate_person_name


class SignupForm(forms.Form):
    """Extra fields on allauth's signup form (``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    display_name = forms.CharField(
        label="Full name",
        max_length=150,
        validators=[validate_person_name],
        help_text="As it should appear on your certificates.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    display_name = SignupForm.base_fields["display_name"]
