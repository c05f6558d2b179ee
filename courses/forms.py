"""Forms for the lesson flow, the knowledge check, assignment and assessments. They check
shape; the rules live in ``courses.services``."""

import uuid
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from content.models import CompetencyArea, Tier
from lms.workforce.models import OrganisationUnit
from lms.workforce.selectors import job_roles, managed_units, staff_in_scope

from . import selectors
from .models import CompetencyAssessment

QUESTION_PREFIX = "q-"
REFLECTION_PREFIX = "reflection-"
# Session key: reflection prompts left unanswered when the learner tried to complete a module.
MISSING_REFLECTIONS_KEY = "courses_missing_reflections"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class KnowledgeCheckForm(forms.Form):
    """One field per question of the draw, named ``q-<question block id>``, its options in the
    order drawn; the values are option ids.

    The hidden idempotency key is generated when the form is first shown and kept on errors,
    so a double submit or a retried request is recorded once. The hidden ``draw`` carries the
    signed draw (``courses.draws``) so that the answers are marked against what was shown.
    """

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    draw = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, questions: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.fields["idempotency_key"].initial = str(uuid.uuid4())
        total = len(questions)
        for number, question in enumerate(questions, start=1):
            value = question.value
            options = getattr(question, "options", None) or value["options"].bound_blocks
            choices = [(o.id, o.value["text"]) for o in options]
            label = f"Question {number} of {total}: {value['question']}"
            messages = {
                "required": "Answer this question.",
                "invalid_choice": "Choose from the answers given for this question.",
            }
            if value["kind"] == "multiple":
                field = forms.MultipleChoiceField(
                    label=label,
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    help_text="Choose every answer that applies.",
                    error_messages=messages,
                )
            else:
                field = forms.ChoiceField(
                    label=label,
                    choices=choices,
                    widget=forms.RadioSelect,
                    help_text="Choose one answer.",
                    error_messages=messages,
                )
            self.fields[f"{QUESTION_PREFIX}{question.id}"] = field

    def clean(self):
        cleaned = super().clean()
        try:
            uuid.UUID(str(self.data.get("idempotency_key", "")))
        except ValueError:
            raise ValidationError(
                "This form has expired. Reload the page to get a fresh copy, then submit your "
                "answers again.",
                code="bad_key",
            ) from None
        getlist = getattr(self.data, "getlist", None)
        for name, field in self.fields.items():
            # A radio group sends one value; a forged request may send several, and Django
            # would silently keep the last.
            single = name.startswith(QUESTION_PREFIX) and not isinstance(
                field, forms.MultipleChoiceField
            )
            if single and getlist and len(getlist(name)) > 1:
                self.add_error(name, "Choose one answer.")
        unknown = [
            key for key in self.data if key.startswith(QUESTION_PREFIX) and key not in self.fields
        ]
        if unknown:
            raise ValidationError(
                "The knowledge check has changed since you opened it. Your answers to the "
                "questions that are still there are kept below; check them and submit again.",
                code="unknown_question",
            )
        return cleaned

    def answers(self) -> dict[str, list[str]]:
        """Question id -> chosen option ids (after ``is_valid``)."""
        result = {}
        for name, value in self.cleaned_data.items():
            if name.startswith(QUESTION_PREFIX):
                result[name.removeprefix(QUESTION_PREFIX)] = (
                    list(value) if isinstance(value, list | tuple) else [value]
                )
        return result

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's validation error against the question it concerns."""
        if hasattr(error, "error_dict"):
            for question_id, errors in error.error_dict.items():
                name = f"{QUESTION_PREFIX}{question_id}"
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


def reflection_answers(data) -> dict[str, str]:
    """Block id -> text from a module form's ``reflection-<block id>`` fields. NUL characters
    are dropped: nobody types one, a text column cannot hold one (PostgreSQL refuses it), and
    dropping it keeps the rest of what was written."""
    return {
        key.removeprefix(REFLECTION_PREFIX): value.replace("\x00", "")
        for key, value in data.items()
        if key.startswith(REFLECTION_PREFIX)
    }


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name or obj.email} ({obj.email})"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class AssignForm(forms.Form):
    TARGETS = [
        ("person", "One person"),
        ("team", "Everyone in a team or organisation"),
        ("role", "Everyone in a job role"),
    ]

    course = forms.ModelChoiceField(label="Course", queryset=selectors.live_courses().none())
    target = forms.ChoiceField(
        label="Assign to", choices=TARGETS, widget=forms.RadioSelect, initial="person"
    )
    person = PersonChoiceField(
        label="Person", queryset=None, required=False, help_text="If you chose one person."
    )
    unit = UnitChoiceField(
        label="Team or organisation",
        queryset=OrganisationUnit.objects.none(),
        required=False,
        help_text="If you chose a team or organisation: everyone with a job role in it and in "
        "the teams within it.",
    )
    job_role = forms.ModelChoiceField(
        label="Job role",
        queryset=job_roles().none(),
        required=False,
        help_text="If you chose a job role: everyone in that role in the teams you manage.",
    )
    due_on = forms.DateField(
        label="Due date",
        widget=DateInput(),
        help_text="People already enrolled keep their due date if it is earlier.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.user = user
        self.fields["course"].queryset = selectors.live_courses().order_by("tier__order", "title")
        self.fields["course"].label_from_instance = lambda c: f"{c.title} ({c.tier.code})"
        people = staff_in_scope(user, records=True).values_list("user_id", flat=True)
        self.fields["person"].queryset = get_user_model().objects.filter(pk__in=people)
        self.fields["unit"].queryset = managed_units(user).order_by("path")
        self.fields["job_role"].queryset = job_roles()
        if not self.is_bound:
            self.fields["due_on"].initial = timezone.localdate() + timedelta(
                days=selectors.default_due_days()
            )

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise ValidationError("The due date must be today or later.")
        return due_on

    def clean(self):
        cleaned = super().clean()
        target = cleaned.get("target")
        needed = {"person": "person", "team": "unit", "role": "job_role"}.get(target)
        if needed and not cleaned.get(needed):
            self.add_error(needed, "Choose who to assign the course to.")
        return cleaned

    def people(self):
        """The people the form's target names, within the manager's scope."""
        from django.contrib.auth import get_user_model

        data = self.cleaned_data
        scope = staff_in_scope(self.user, records=True)
        if data["target"] == "person":
            return [data["person"]]
        if data["target"] == "team":
            scope = scope.filter(unit__path__startswith=data["unit"].path, job_role__isnull=False)
        else:
            scope = scope.filter(job_role=data["job_role"])
        ids = scope.values_list("user_id", flat=True)
        return list(get_user_model().objects.filter(pk__in=ids))


class AssessmentForm(forms.Form):
    person = PersonChoiceField(label="Practitioner", queryset=None)
    tier = forms.ModelChoiceField(label="Tier", queryset=Tier.objects.all())
    competency_area = forms.ModelChoiceField(
        label="Competency area",
        queryset=CompetencyArea.objects.all(),
        required=False,
        empty_label="Overall (all areas at this tier)",
        help_text="An overall assessment counts towards holding the tier from T3 up.",
    )
    status = forms.ChoiceField(
        label="Judgement",
        choices=CompetencyAssessment.Status.choices,
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        label="Evidence",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="What the judgement rests on: observed practice, case discussion, portfolio. "
        "No details that could identify a family.",
    )
    assessed_on = forms.DateField(label="Date of the assessment", widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        people = (
            staff_in_scope(user, records=True).exclude(user=user).values_list("user_id", flat=True)
        )
        self.fields["person"].queryset = get_user_model().objects.filter(pk__in=people)
        if not self.is_bound:
            self.fields["assessed_on"].initial = timezone.localdate()

    def clean_assessed_on(self):
        value = self.cleaned_data["assessed_on"]
        if value > timezone.localdate():
            raise ValidationError("The assessment date cannot be in the future.")
        return value
