"""The catalogue's filter form (GET parameters, so filtered lists can be bookmarked and the page
works without JavaScript)."""

from django import forms

from .models import CompetencyArea, Tier


class CatalogueFilterForm(forms.Form):
    tier = forms.ModelChoiceField(
        queryset=Tier.objects.order_by("order"),
        to_field_name="code",
        required=False,
        empty_label="All levels",
        label="Level",
    )
    area = forms.ModelChoiceField(
        queryset=CompetencyArea.objects.order_by("order", "name"),
        to_field_name="key",
        required=False,
        empty_label="All competency areas",
        label="Competency area",
    )
    mine = forms.BooleanField(required=False, label="Only courses required for my role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].label_from_instance = lambda tier: f"{tier.code} {tier.name}"
