"""Pages for prior and external learning: the practitioner's own list and form, the evidence
(only for the person, their managers and verifiers; 404 for anyone else), and the verifiers'
queue of claims with Approve and Reject. Rules live in ``courses.prior_learning``."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from content.models import CoursePage

from . import prior_learning
from .models import PriorLearning


class PriorLearningForm(forms.Form):
    title = forms.CharField(label="What was the training called?", max_length=200)
    provider = forms.CharField(label="Who provided it?", max_length=200)
    completed_on = forms.DateField(
        label="When did you complete it?", widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = forms.DecimalField(
        label="How many hours did it take?",
        min_value=0.1,
        max_value=500,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    evidence = forms.FileField(
        label="Evidence (optional)",
        required=False,
        help_text="A certificate or letter: PDF, JPEG or PNG, up to 10 MB. Only you, your "
        "managers and verifiers can open it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    course = forms.ModelChoiceField(
        label="Claim it as equivalent to a course here (optional)",
        queryset=CoursePage.objects.none(),
        required=False,
        empty_label="No: just record it",
        help_text="A verifier (your manager or a trainer) decides; you are told either way.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


class PriorLearningView(LoginRequiredMixin, View):
    template_name = "courses/prior_learning/mine.html"

    def _render(self, request, form, status=200):
        claims = PriorLearning.objects.filter(user=request.user).select_related("course")
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "claims": claims,
                "hours": prior_learning.hours_elsewhere(request.user),
            },
            status=status,
        )

    def get(self, request):
        return self._render(request, PriorLearningForm())

    def post(self, request):
        form = PriorLearningForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form)
        data = form.cleaned_data
        try:
            prior_learning.record(
                user=request.user,
                title=data["title"],
                provider=data["provider"],
                completed_on=data["completed_on"],
                hours=data["hours"],
                evidence=data.get("evidence"),
                course=data.get("course"),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self._render(request, form)
        messages.success(
            request,
            "Recorded." + (" A verifier will decide on your claim." if data.get("course") else ""),
        )
        return redirect("courses:prior_learning")


class EvidenceView(LoginRequiredMixin, View):
    def get(self, request, pk):
        claim = PriorLearning.objects.filter(pk=pk).select_related("user").first()
        if claim is None or not claim.evidence or not prior_learning.may_see(request.user, claim):
            raise Http404
        response = FileResponse(
            claim.evidence.open("rb"),
            as_attachment=True,
            filename=claim.evidence_name or "evidence",
            content_type=claim.evidence_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


def _may_review(user) -> bool:
    from lms.workforce.selectors import record_root_paths

    return user.is_superuser or prior_learning._is_trainer(user) or bool(record_root_paths(user))


def _review(request, *, failed=None, errors=None, status=200):
    """The queue; a failed decision shows its errors beside its claim and keeps what was typed."""
    items = []
    for claim in prior_learning.awaiting_decision(request.user):
        mine = failed is not None and claim.pk == failed.pk
        items.append(
            {
                "claim": claim,
                "errors": [m for ms in (errors or {}).values() for m in ms] if mine else [],
                "expires_on": request.POST.get("expires_on", "") if mine else "",
                "reason": request.POST.get("reason", "") if mine else "",
            }
        )
    return render(
        request,
        ReviewView.template_name,
        {"items": items, "today": timezone.localdate()},
        status=status,
    )


class ReviewView(LoginRequiredMixin, View):
    """Claims waiting for a decision, each with visible Approve and Reject."""

    template_name = "courses/prior_learning/review.html"

    def get(self, request):
        if not _may_review(request.user):
            raise Http404
        return _review(request)


class DecideView(LoginRequiredMixin, View):
    def post(self, request, pk):
        claim = get_object_or_404(PriorLearning.objects.select_related("user"), pk=pk)
        if not prior_learning.may_decide(request.user, claim):
            raise Http404
        form = DecisionForm(request.POST)
        errors = {}
        if form.is_valid():
            data = form.cleaned_data
            try:
                prior_learning.decide(
                    claim=claim,
                    by=request.user,
                    approve=data["decision"] == "approve",
                    expires_on=data.get("expires_on"),
                    reason=data.get("reason", ""),
                )
            except ValidationError as exc:
                errors = exc.message_dict
            except PermissionDenied:
                raise Http404 from None
        else:
            errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
        if errors:
            return _review(request, failed=claim, errors=errors, status=400)
        claim.refresh_from_db()
        messages.success(
            request,
            f"{claim.get_status_display()}: {claim.title} for {claim.user.display_name}.",
        )
        return redirect("courses:prior_learning_review")
