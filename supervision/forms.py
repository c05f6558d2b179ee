"""Forms for agreements, sessions, reflections, reviews and corrections.

They check what can be shown next to a field (bounds, dates, identifiers in free text) and keep
everything the user typed when something is wrong; the services check the same rules again.
"""

import uuid
from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from content.models import CompetencyArea
from lms.workforce.models import Membership, OrganisationUnit

from . import identifiers, services
from .models import (
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    SessionAction,
    SupervisionAgreement,
)
from .selectors import add_months

User = get_user_model()

DEFAULT_CONFIDENTIALITY = (
    "What we discuss stays between us. The limits: if I am worried about the safety of a child, "
    "a parent or you, I will talk with you first and then follow safeguarding procedures. Case "
    "details are recorded here anonymously; identifiable details stay in the clinical record. "
    "Managers see that sessions happened and their length, never what was discussed."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name or obj.email} ({obj.email})"


class ActionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        due = f", due {obj.due_date:%-d %b %Y}" if obj.due_date else ""
        return f"{obj.text} ({obj.owner}{due})"


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.email


def _free_text(form: forms.Form, name: str) -> str:
    """The field's text, refused if it holds an obvious identifier; what only may identify
    someone is kept in ``form.possible_identifiers`` for a warning once saved (``warnings``)."""
    value = form.cleaned_data.get(name, "")
    findings = identifiers.find_identifiers(value)
    if findings:
        raise ValidationError(identifiers.describe(findings))
    possible = identifiers.find_possible_identifiers(value)
    if possible:
        form.possible_identifiers = [*getattr(form, "possible_identifiers", []), *possible]
    return value


def identifier_warning(*forms_or_formsets) -> str | None:
    """The warning to show after saving forms whose text may identify someone, or None."""
    found = []
    for item in forms_or_formsets:
        for form in getattr(item, "forms", [item]):
            found += getattr(form, "possible_identifiers", [])
    unique = list(dict.fromkeys(found))
    return identifiers.describe_possible(unique) if unique else None


def colleagues_of(user, limit: int = 300):
    """People who share an organisation (or a region, for regional staff) with ``user``."""
    step = OrganisationUnit.steplen
    prefixes = {
        m.unit.path[: step * min(m.unit.depth, 2)]
        for m in Membership.objects.active().filter(user=user).select_related("unit")
    }
    if not prefixes:
        return User.objects.none()
    from django.db.models import Q

    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(unit__path__startswith=prefix)
    ids = Membership.objects.active().filter(q).values("user_id")
    people = User.objects.filter(pk__in=ids, is_active=True).exclude(pk=user.pk)
    # The form filters this queryset again to validate choices, so the limit is applied to a
    # list of ids rather than by slicing the queryset.
    first_ids = list(people.order_by("display_name", "email").values_list("pk", flat=True)[:limit])
    return User.objects.filter(pk__in=first_ids).order_by("display_name", "email")


class AgreementForm(forms.Form):
    supervisees = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Supervisees from your organisation",
        help_text="Choose one person for individual supervision, several for a group.",
    )
    supervisee_emails = forms.CharField(
        required=False,
        label="Or supervisees by email address",
        help_text="The exact address they sign in with; one per line or separated by commas.",
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )
    type = forms.ChoiceField(
        choices=SupervisionAgreement.Type.choices,
        initial=SupervisionAgreement.Type.REFLECTIVE,
        widget=forms.RadioSelect,
        label="Type of supervision",
    )
    format = forms.ChoiceField(
        choices=SupervisionAgreement.Format.choices,
        initial=SupervisionAgreement.Format.INDIVIDUAL,
        widget=forms.RadioSelect,
        help_text="Peer supervision is recorded but does not count toward supervision targets.",
    )
    modality = forms.ChoiceField(
        choices=SupervisionAgreement.Modality.choices, label="How you will meet"
    )
    frequency = forms.ChoiceField(
        choices=SupervisionAgreement.Frequency.choices,
        initial=SupervisionAgreement.Frequency.FORTNIGHTLY,
        label="How often",
    )
    start_date = forms.DateField(widget=DateInput, label="Start date")
    review_date = forms.DateField(
        widget=DateInput, label="Review date", help_text="When you will review the agreement."
    )
    confidentiality = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Confidentiality terms and their limits",
        initial=DEFAULT_CONFIDENTIALITY,
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, supervisor, **kwargs):
        super().__init__(*args, **kwargs)
        self.supervisor = supervisor
        today = timezone.localdate()
        self.fields["supervisees"].queryset = colleagues_of(supervisor)
        if not self.is_bound:
            self.initial.setdefault("start_date", today)
            self.initial.setdefault("review_date", add_months(today, 6))
            self.initial.setdefault("submission_key", uuid.uuid4())
        if not self.fields["supervisees"].queryset.exists():
            del self.fields["supervisees"]
            self.fields["supervisee_emails"].label = "Supervisees' email addresses"

    def clean_supervisee_emails(self):
        raw = self.cleaned_data.get("supervisee_emails", "")
        people, missing = [], []
        for email in [e.strip() for e in raw.replace(",", "\n").splitlines() if e.strip()]:
            try:
                validate_email(email)
            except ValidationError:
                missing.append(email)
                continue
            person = User.objects.filter(email__iexact=email, is_active=True).first()
            if person is None:
                missing.append(email)
            else:
                people.append(person)
        if missing:
            raise ValidationError(
                "No account uses "
                + ", ".join(missing)
                + ". Check the address, or ask them to sign up or be invited first."
            )
        return people

    def clean_confidentiality(self):
        return _free_text(self, "confidentiality")

    def clean(self):
        cleaned = super().clean()
        people = list(cleaned.get("supervisees") or []) + list(
            cleaned.get("supervisee_emails") or []
        )
        cleaned["all_supervisees"] = list({p.pk: p for p in people}.values())
        field = "supervisees" if "supervisees" in self.fields else "supervisee_emails"
        if "supervisee_emails" in self.errors or "supervisees" in self.errors:
            return cleaned
        if not people:
            self.add_error(field, "Choose at least one supervisee.")
        elif any(p.pk == self.supervisor.pk for p in people):
            self.add_error(field, "You cannot supervise yourself: remove your own name.")
        elif (
            cleaned.get("format") == SupervisionAgreement.Format.INDIVIDUAL
            and len(cleaned["all_supervisees"]) > 1
        ):
            self.add_error(
                "format",
                "An individual agreement has one supervisee. Choose 'Group' to supervise "
                "several people together.",
            )
        start, review = cleaned.get("start_date"), cleaned.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", "The review date must be on or after the start date.")
        return cleaned


class ReviewForm(forms.Form):
    next_review_date = forms.DateField(widget=DateInput, label="Next review date")
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What you agreed at the review",
        help_text="For example changes to frequency or format. No case details.",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("next_review_date", add_months(timezone.localdate(), 6))
            self.initial.setdefault("submission_key", uuid.uuid4())

    def clean_next_review_date(self):
        value = self.cleaned_data["next_review_date"]
        if value <= timezone.localdate():
            raise ValidationError("The next review date must be in the future.")
        return value

    def clean_notes(self):
        return _free_text(self, "notes")


class SessionForm(forms.Form):
    date = forms.DateField(widget=DateInput, label="Date of the session")
    duration_minutes = forms.IntegerField(
        label="Duration in minutes",
        help_text=f"Between {MIN_SESSION_MINUTES} and {MAX_SESSION_MINUTES} minutes, "
        "for example 60.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    attendees = PersonChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Who attended",
        help_text="Each supervisee who attended is credited with the session's hours.",
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=CompetencyArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Themes: competency areas",
    )
    theme_wellbeing = forms.BooleanField(required=False, label="Practitioner wellbeing was a theme")
    case_references = forms.CharField(
        required=False,
        label="Anonymised case references",
        help_text="For example 'Family A (baby 4 months)'. No names, NHS numbers, dates of "
        "birth or addresses.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    discussion = forms.CharField(
        required=False,
        label="Discussion and reflections",
        help_text="What you explored together. Each supervisee adds their own reflection "
        "separately.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    learning_needs = forms.ModelMultipleChoiceField(
        queryset=CompetencyArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Learning needs",
        help_text="Competency areas to develop; the supervisee's learning page suggests courses "
        "in these areas.",
    )
    learning_needs_notes = forms.CharField(
        required=False,
        label="Learning needs: notes",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_session_on = forms.DateField(
        required=False, widget=DateInput, label="Date of the next session"
    )
    done_actions = ActionChoiceField(
        queryset=SessionAction.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Actions carried forward: tick those now done",
    )

    def __init__(self, *args, agreement, accepted_supervisees, carried_actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        today = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.fields["duration_minutes"].widget.attrs.update(
            {"min": MIN_SESSION_MINUTES, "max": MAX_SESSION_MINUTES, "step": 5}
        )
        if not CompetencyArea.objects.exists():
            del self.fields["themes"], self.fields["learning_needs"]
        self.fields["attendees"].queryset = User.objects.filter(
            pk__in=[u.pk for u in accepted_supervisees]
        )
        if carried_actions:
            self.fields["done_actions"].queryset = SessionAction.objects.filter(
                pk__in=[a.pk for a in carried_actions]
            ).select_related("owner")
        else:
            del self.fields["done_actions"]

    def clean_date(self):
        value = self.cleaned_data["date"]
        try:
            services.check_session_date(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["date"]) from None
        return value

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        try:
            services.check_duration(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["duration_minutes"]) from None
        return value

    def clean_case_references(self):
        return _free_text(self, "case_references")

    def clean_discussion(self):
        return _free_text(self, "discussion")

    def clean_learning_needs_notes(self):
        return _free_text(self, "learning_needs_notes")

    def clean(self):
        cleaned = super().clean()
        when, next_on = cleaned.get("date"), cleaned.get("next_session_on")
        if when and next_on and next_on <= when:
            self.add_error(
                "next_session_on", "The next session must be after the date of this session."
            )
        return cleaned


class SessionCreateForm(SessionForm):
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, author=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("duration_minutes", 60)
            choices = list(self.fields["attendees"].queryset)
            if author is not None and author.pk != self.agreement.supervisor_id:
                self.initial.setdefault("attendees", [author.pk])
            elif len(choices) == 1 or self.agreement.format != "group":
                self.initial.setdefault("attendees", [c.pk for c in choices][:1])
            else:
                self.initial.setdefault("attendees", [c.pk for c in choices])
            self.initial.setdefault("next_session_on", timezone.localdate() + timedelta(days=14))


class SessionEditForm(SessionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Attendance is fixed once recorded: the hours of each attendee depend on it.
        del self.fields["attendees"]


class ActionForm(forms.Form):
    """One action. A row left empty is ignored (the formset does not validate untouched extra
    rows); to remove a saved action, tick "Delete"."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(max_length=500, label="Action", widget=forms.TextInput())
    owner = OwnerChoiceField(
        queryset=User.objects.none(),
        label="Who",
        error_messages={"required": "Choose who will do this action."},
    )
    due_date = forms.DateField(widget=DateInput, required=False, label="Due by")

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(pk__in=[o.pk for o in owners])
        self.fields["text"].error_messages["required"] = "Describe the action, or clear this row."

    def clean_text(self):
        return _free_text(self, "text")


class BaseActionFormSet(forms.BaseFormSet):
    def __init__(self, *args, owners=(), **kwargs):
        self.owners = owners
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "owners": self.owners}

    def actions(self) -> list[dict]:
        result = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                if form.cleaned_data.get("id"):
                    result.append({"id": form.cleaned_data["id"], "delete": True})
                continue
            if form.cleaned_data.get("text"):
                result.append({**form.cleaned_data, "delete": False})
        return result


ActionFormSet = forms.formset_factory(
    ActionForm,
    formset=BaseActionFormSet,
    extra=2,
    can_delete=True,
    can_delete_extra=False,
    max_num=30,
)


def action_initial(session) -> list[dict]:
    return [
        {"id": a.pk, "text": a.text, "owner": a.owner_id, "due_date": a.due_date}
        for a in session.actions.all()
    ]


class ReflectionForm(forms.Form):
    reflection = forms.CharField(
        label="Your reflection",
        help_text="What you noticed, felt and learnt, and what you will take into your practice. "
        "Only you and your supervisor see it.",
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def clean_reflection(self):
        return _free_text(self, "reflection")


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label="Correction",
        help_text="Say what was wrong and what it should say. It is added under the record "
        "with your name and the date; the signed-off record itself does not change.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())

    def clean_text(self):
        return _free_text(self, "text")
