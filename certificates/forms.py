"""Forms: typing a verification code, and the reason an administrator gives for revoking,
reinstating or reissuing a certificate."""

from django import forms

from .codes import normalise_code
from .services import REASON_MAX_LENGTH


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        max_length=40,
        help_text="The 16 letters and numbers printed on the certificate, for example "
        "K7QD-M2XP-9WFA-3RTN. Capitals, spaces and dashes do not matter.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                "Enter the code exactly as printed on the certificate: 16 letters and numbers, "
                "for example K7QD-M2XP-9WFA-3RTN."
            )
        return code


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Recorded in the audit log with your name.",
    )
