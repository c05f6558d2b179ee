from django import forms

SCALE = [(str(n), str(n)) for n in range(1, 6)]


class BookForStaffForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=None, label="Member of staff", empty_label="Choose a person"
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = staff


class EvaluationForm(forms.Form):
    """Confidence 1-5 per competency area; after the course also how useful it was and what the
    person will do differently. Every question is optional."""

    def __init__(self, *args, areas=(), after=False, **kwargs):
        super().__init__(*args, **kwargs)
        for area in areas:
            self.fields[f"area_{area.key}"] = forms.TypedChoiceField(
                label=f"How confident do you feel about {area.name.lower()}? (1 not at all, "
                "5 very)",
                choices=SCALE,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        if after:
            self.fields["usefulness"] = forms.TypedChoiceField(
                label="How useful was the training for your work? (1 not at all, 5 very)",
                choices=SCALE,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
            self.fields["will_do_differently"] = forms.CharField(
                label="What will you do differently in your practice?",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def confidence(self) -> dict:
        return {
            name.removeprefix("area_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("area_") and value
        }
