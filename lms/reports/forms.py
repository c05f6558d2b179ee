"""The filters of the coverage reports (a GET form: what the person chose stays in the URL)."""

from datetime import date

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from content.models import CoursePage, Tier
from lms.lookups import as_id
from lms.workforce.models import JobRole, OrganisationUnit

from .permissions import Scope
from .selectors import DRILL_STATUSES, CourseState, Drill, Filters


class PlainIterator(forms.models.ModelChoiceIterator):
    """Choices from one ordinary query (Django's default ``.iterator()`` opens a server-side
    cursor on PostgreSQL: four round trips per select box)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class QuickSelect(forms.Select):
    """A select box rendered directly (the same markup as Django's, with every text escaped):
    Django renders each option through a template, ~0.5 ms apiece, which made the filters the
    slowest part of the dashboard (90 options)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        selected = "" if value is None else str(value)
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            chosen = " selected" if option_value == selected else ""
            options.append(
                f'<option value="{escape(option_value)}"{chosen}>{escape(label)}</option>'
            )
        return mark_safe(  # noqa: S308 - attributes and options escaped above
            f'<select name="{escape(name)}"{flatatt(attrs)}>{"".join(options)}</select>'
        )


class ChoiceField(forms.ModelChoiceField):
    iterator = PlainIterator
    widget = QuickSelect


class UnitChoiceField(ChoiceField):
    def label_from_instance(self, obj):
        indent = "\u2003" * max(0, obj.depth - 1)
        return f"{indent}{obj.name} ({obj.get_kind_display().lower()})"


class FilterForm(forms.Form):
    unit = UnitChoiceField(
        queryset=OrganisationUnit.objects.none(),
        required=False,
        empty_label="All my units",
        help_text="Organisations and teams you manage.",
        error_messages={
            "invalid_choice": (
                "That unit is not one of yours, so these are the figures for all your units. "
                "Choose one of your units from this list."
            )
        },
    )
    role = ChoiceField(
        queryset=JobRole.objects.none(), required=False, label="Job role", empty_label="All roles"
    )
    tier = ChoiceField(
        queryset=Tier.objects.none(),
        required=False,
        label="Required tier",
        empty_label="All tiers",
    )
    course = ChoiceField(
        queryset=CoursePage.objects.none(),
        required=False,
        empty_label="All courses",
        help_text="Only staff whose roles require this course.",
    )

    def __init__(self, data=None, *, scope: Scope, **kwargs):
        super().__init__(data, **kwargs)
        in_scope = OrganisationUnit.objects.filter(scope.unit_q())
        tops = list(in_scope.order_by("depth").values_list("depth", flat=True)[:1])
        visible = Q(depth__lte=(tops[0] if tops else 1) + 1)
        selected = self._selected_unit(in_scope)
        if selected is not None:
            # The chosen unit, its parents and its own units stay listed.
            visible |= Q(pk=selected.pk) | Q(
                path__startswith=selected.path, depth=selected.depth + 1
            )
            visible |= Q(path__in=[selected.path[:i] for i in range(4, len(selected.path), 4)])
        self.fields["unit"].queryset = in_scope.filter(visible).order_by("path")
        self.fields["role"].queryset = JobRole.objects.filter(is_active=True).order_by("name")
        self.fields["tier"].queryset = Tier.objects.order_by("order")
        self.fields["course"].queryset = (
            CoursePage.objects.live().select_related("tier").order_by("tier__order", "path")
        )

    def _selected_unit(self, in_scope):
        pk = as_id((self.data or {}).get("unit")) if self.is_bound else None
        return None if pk is None else in_scope.filter(pk=pk).first()

    def filters(self) -> Filters:
        """The valid filters (an invalid choice is shown as an error and left out)."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Filters(
            unit=data.get("unit"),
            job_role=data.get("role"),
            tier=data.get("tier"),
            course=data.get("course"),
        )


def drill_from(params) -> Drill:
    """Which figure's people a URL asks for; unknown values are ignored."""
    status = params.get("status")
    course_state = params.get("course_state")
    supervision = params.get("supervision")
    recent = params.get("recent")
    return Drill(
        status=status if status in DRILL_STATUSES else None,
        course_state=course_state if course_state in CourseState.LABELS else None,
        supervision=supervision if supervision in ("below", "at") else None,
        recent=recent if recent in ("yes", "no") else None,
    )


EARLIEST_DAY = date(2000, 1, 1)


class OutcomesForm(FilterForm):
    """The dashboard's filters and a day to show coverage on."""

    on = forms.DateField(
        required=False,
        label="Coverage on",
        help_text="Any past date, for example 31/03/2026. Empty: today.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "invalid": "Enter a real date, for example 31/03/2026 (or choose one in the calendar)."
        },
    )

    def clean_on(self):
        on = self.cleaned_data.get("on")
        if on is None:
            return None
        if on > timezone.localdate():
            raise forms.ValidationError(
                "Choose today or a date in the past: figures for a future date are not known yet."
            )
        if on < EARLIEST_DAY:
            raise forms.ValidationError("Choose a date from 1 January 2000 onwards.")
        return on

    def day(self):
        """The valid chosen day (None when empty or not valid)."""
        if not self.is_bound:
            return None
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("on")
