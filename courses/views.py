"""The learner's pages (dashboard, lesson flow, knowledge check, reflections, history) and the
manager's (assign courses, record assessments). Rules live in ``services`` and ``selectors``;
records that are not the user's answer 404."""

import uuid
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView

from content.models import CoursePage, ModulePage
from lms.drafts.services import discard_draft
from lms.exports import Export, csv_response
from lms.workforce.permissions import RecordsManagerRequiredMixin

from . import draws, selectors, services
from .forms import (
    MISSING_REFLECTIONS_KEY,
    AssessmentForm,
    AssignForm,
    KnowledgeCheckForm,
    reflection_answers,
)
from .item_analysis import MIN_ANSWERS, item_analysis
from .models import CompetencyAssessment, Enrolment, QuizAttempt
from .permissions import may_see_item_analysis, may_withdraw


def _live_course(course_id) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live().select_related("tier"), pk=course_id)


def _live_module(module_id) -> ModulePage:
    return get_object_or_404(ModulePage.objects.live(), pk=module_id)


def _safe_next(request, fallback: str) -> str:
    """``next`` when it is a path on this site, else ``fallback``. Only paths: ``redirect()``
    would take any other word for a URL name (a 500 when there is none)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- Dashboard ------------------------------------------------------------------------------


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "courses/dashboard.html"

    def get_context_data(self, **kwargs):
        from lms.workforce.permissions import can_manage_records

        from .workshops.selectors import dashboard_workshops

        dashboard = selectors.learner_dashboard(self.request.user)
        enrolments = [*dashboard.in_progress, *(r.enrolment for r in dashboard.required)]
        return {
            **super().get_context_data(**kwargs),
            "dashboard": dashboard,
            "workshops": dashboard_workshops(self.request.user, [e for e in enrolments if e]),
            "manages_staff": can_manage_records(self.request.user),
        }


class HistoryView(LoginRequiredMixin, TemplateView):
    template_name = "courses/history.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "enrolments": selectors.learning_history(self.request.user),
            "today": timezone.localdate(),
        }


# --- Enrolment ------------------------------------------------------------------------------


class EnrolView(LoginRequiredMixin, View):
    def post(self, request, course_id):
        course = _live_course(course_id)
        try:
            _, created = services.enrol(user=request.user, course=course)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(course.url)
        if created:
            messages.success(request, f"You are enrolled on {course.title}.")
        else:
            messages.info(request, f"You are already enrolled on {course.title}.")
        return redirect(_safe_next(request, course.url))


class WithdrawView(LoginRequiredMixin, View):
    def post(self, request, pk):
        enrolment = get_object_or_404(Enrolment.objects.select_related("course", "user"), pk=pk)
        if enrolment.user_id != request.user.pk and not may_withdraw(request.user, enrolment):
            raise Http404
        try:
            services.withdraw(enrolment=enrolment, by=request.user)
        except PermissionDenied:
            messages.error(
                request,
                "This course was assigned to you, so only your manager can withdraw you from it.",
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(
                request,
                f"You have withdrawn from {enrolment.course.title}. You can enrol again at any "
                "time; you will start from the beginning.",
            )
        return redirect(enrolment.course.url)


class ResumeView(LoginRequiredMixin, View):
    """Where 'Resume' and 'Start' go: the right module of the learner's enrolment."""

    def get(self, request, pk):
        enrolment = get_object_or_404(
            Enrolment.objects.select_related("course"), pk=pk, user=request.user
        )
        module = selectors.next_module_for(enrolment)
        if module is None or not enrolment.is_active:
            return redirect(enrolment.course.url)
        return redirect(module.url)


# --- Modules --------------------------------------------------------------------------------


def _module_enrolment(request, module: ModulePage) -> Enrolment | None:
    return (
        Enrolment.objects.filter(
            user=request.user,
            is_current=True,
            status=Enrolment.Status.ACTIVE,
            course__path=module.path[: -module.steplen],
        )
        .select_related("course")
        .first()
    )


class ModuleCompleteView(LoginRequiredMixin, View):
    """'Mark as complete and continue': saves the reflection answers sent with it, completes the
    module and moves on (next module, then the knowledge check, then the course page)."""

    def post(self, request, module_id):
        module = _live_module(module_id)
        enrolment = _module_enrolment(request, module)
        if enrolment is None:
            messages.error(request, "Enrol on the course to record your progress.")
            return redirect(module.url)
        try:
            result = services.complete_module(
                enrolment=enrolment, module=module, answers=reflection_answers(request.POST)
            )
        except services.ModuleIncomplete as exc:
            request.session[MISSING_REFLECTIONS_KEY] = exc.missing
            messages.error(request, _errors(exc))
            return redirect(f"{module.url}#reflection-{exc.missing[0]}")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(module.url)
        discard_draft(user=request.user, key=urlsplit(module.url).path)
        course = enrolment.course
        if result.completion is not None:
            messages.success(request, f"Well done: you have completed {course.title}.")
            return redirect(course.url)
        state = selectors.module_state(request.user, module)
        if state.next_module is not None:
            messages.success(request, f"'{module.title}' is complete.")
            return redirect(state.next_module.url)
        course_state = selectors.course_state(request.user, course)
        if not course_state.modules_done:
            messages.success(
                request,
                f"'{module.title}' is complete. Some earlier modules are not finished yet.",
            )
            return redirect(reverse("courses:resume", args=[enrolment.pk]))
        if course_state.quiz and course_state.quiz.question_count:
            messages.success(
                request,
                "You have finished every module. Take the knowledge check to complete the course.",
            )
            return redirect("courses:knowledge_check", course_id=course.pk)
        return redirect(course.url)


class ReflectionSaveView(LoginRequiredMixin, View):
    """'Save my answer': saves the module's reflection answers without completing it."""

    def post(self, request, module_id):
        module = _live_module(module_id)
        if _module_enrolment(request, module) is None:
            messages.error(request, "Enrol on the course to save your reflections.")
            return redirect(module.url)
        answers = reflection_answers(request.POST)
        block_id = request.POST.get("save", "")
        try:
            services.save_reflections(user=request.user, module=module, answers=answers)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(module.url)
        discard_draft(user=request.user, key=urlsplit(module.url).path)
        messages.success(request, "Your reflection has been saved. Only you can see it.")
        anchor = f"#reflection-{block_id}" if block_id in answers else ""
        return redirect(f"{module.url}{anchor}")


# --- Knowledge check ------------------------------------------------------------------------


class KnowledgeCheckView(LoginRequiredMixin, TemplateView):
    """Shows a fresh draw from the course's question bank and marks the answers against the
    draw the form carried (``courses.draws``)."""

    template_name = "courses/knowledge_check.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.course = _live_course(kwargs["course_id"])
        self.enrolment = selectors.current_enrolment(request.user, self.course)
        if self.enrolment is None or self.enrolment.status == Enrolment.Status.WITHDRAWN:
            messages.info(request, "Enrol on the course to take its knowledge check.")
            return redirect(self.course.url)
        return super().dispatch(request, *args, **kwargs)

    def _fresh_form(self) -> KnowledgeCheckForm:
        key = str(uuid.uuid4())
        drawn = draws.draw(course=self.course, enrolment=self.enrolment)
        token = draws.sign(drawn, enrolment_id=self.enrolment.pk, idempotency_key=key)
        return KnowledgeCheckForm(
            questions=draws.resolve(self.course, drawn),
            initial={"idempotency_key": key, "draw": token},
        )

    def get_context_data(self, form=None, draw_problem="", **kwargs):
        rules = selectors.quiz_rules(self.enrolment, self.course)
        state = selectors.course_state(self.request.user, self.course)
        return {
            **super().get_context_data(**kwargs),
            "course": self.course,
            "enrolment": self.enrolment,
            "draw_problem": draw_problem,
            "rules": rules,
            "state": state,
            "form": form or self._fresh_form(),
        }

    def post(self, request, *args, **kwargs):
        drawn = draws.unsign(
            request.POST.get("draw", ""),
            enrolment_id=self.enrolment.pk,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
        if drawn is None and draws.asks_whole_bank(self.course):
            drawn = draws.whole_bank(self.course)
        problem = "This form has expired." if drawn is None else ""
        if drawn is not None:
            try:
                questions = draws.resolve(self.course, drawn)
            except ValidationError:
                problem = "The knowledge check has changed since you opened it."
        if problem:
            # The draw was lost, altered or no longer fits the course: a fresh draw, and why.
            problem += " Here is a fresh copy: answer the questions and submit again."
            return self.render_to_response(self.get_context_data(draw_problem=problem))
        form = KnowledgeCheckForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                attempt, _ = services.record_quiz_attempt(
                    enrolment=self.enrolment,
                    answers=form.answers(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    presented=drawn,
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return redirect("courses:attempt", pk=attempt.pk)
        return self.render_to_response(self.get_context_data(form=form))


class AttemptView(LoginRequiredMixin, TemplateView):
    template_name = "courses/attempt.html"

    def get_context_data(self, **kwargs):
        attempt = get_object_or_404(
            QuizAttempt.objects.select_related("enrolment", "enrolment__course"),
            pk=self.kwargs["pk"],
            enrolment__user=self.request.user,
        )
        course = attempt.enrolment.course
        return {
            **super().get_context_data(**kwargs),
            "attempt": attempt,
            "course": course,
            "feedback": selectors.attempt_feedback(attempt),
            "rules": selectors.quiz_rules(attempt.enrolment, course),
            "state": selectors.course_state(self.request.user, course),
        }


# --- Item analysis (trainers) --------------------------------------------------------------


def _item_analysis_or_404(request):
    if not may_see_item_analysis(request.user):
        raise Http404


class ItemAnalysisIndexView(LoginRequiredMixin, TemplateView):
    template_name = "courses/item_analysis_index.html"

    def get_context_data(self, **kwargs):
        _item_analysis_or_404(self.request)
        courses = CoursePage.objects.live().select_related("tier").order_by("tier__order", "path")
        return {**super().get_context_data(**kwargs), "courses": courses}


class ItemAnalysisView(LoginRequiredMixin, TemplateView):
    template_name = "courses/item_analysis.html"

    def get_context_data(self, **kwargs):
        _item_analysis_or_404(self.request)
        course = get_object_or_404(CoursePage.objects.live(), pk=self.kwargs["course_id"])
        items = item_analysis(course)
        return {
            **super().get_context_data(**kwargs),
            "course": course,
            "items": items,
            "flagged": sum(1 for item in items if item.flags),
            "min_answers": MIN_ANSWERS,
            "as_at": timezone.now(),
        }


# --- Reflections ----------------------------------------------------------------------------


class ReflectionsView(LoginRequiredMixin, TemplateView):
    template_name = "courses/reflections.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "reflections": list(selectors.reflections_of(self.request.user)),
        }


class ReflectionsExportView(LoginRequiredMixin, View):
    def get(self, request):
        services.audit_reflections_export(user=request.user)
        rows = (
            [r.course_title, r.module_title, r.prompt, r.text, r.updated_at]
            for r in selectors.reflections_of(request.user).iterator()
        )
        return csv_response(
            Export(
                name="my-reflections",
                headings=["Course", "Module", "Prompt", "My reflection", "Last updated"],
                rows=rows,
            )
        )


# --- Managers -------------------------------------------------------------------------------


class AssignView(RecordsManagerRequiredMixin, FormView):
    template_name = "courses/assign.html"
    form_class = AssignForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"course": self.request.GET.get("course")}

    def form_valid(self, form):
        course = form.cleaned_data["course"]
        people = form.people()
        if not people:
            form.add_error(None, "Nobody in the teams you manage matches that choice.")
            return self.form_invalid(form)
        try:
            result = services.assign(
                by=self.request.user,
                course=course,
                people=people,
                due_on=form.cleaned_data["due_on"],
            )
        except PermissionDenied as exc:
            form.add_error("person", str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        parts = [f"{course.title}: assigned to {len(result.assigned)}"]
        if result.due_date_brought_forward:
            parts.append(
                f"due date brought forward for {len(result.due_date_brought_forward)} already "
                "enrolled"
            )
        if result.already_enrolled:
            parts.append(f"{len(result.already_enrolled)} already enrolled or current")
        messages.success(self.request, "; ".join(parts) + ".")
        return HttpResponseRedirect(reverse("courses:assign"))


class AssessmentCreateView(RecordsManagerRequiredMixin, FormView):
    template_name = "courses/assessment_form.html"
    form_class = AssessmentForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"person": self.request.GET.get("person")}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "recent": CompetencyAssessment.objects.filter(assessor=self.request.user)
            .select_related("user", "tier", "competency_area")
            .order_by("-created_at")[:20],
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            assessment = services.record_assessment(
                assessor=self.request.user,
                user=data["person"],
                tier=data["tier"],
                competency_area=data["competency_area"],
                status=data["status"],
                evidence=data["evidence"],
                assessed_on=data["assessed_on"],
            )
        except PermissionDenied as exc:
            form.add_error("person", str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Assessment recorded for {assessment.user}: {assessment.tier} "
            f"({assessment.competency_area or 'overall'}), {assessment.get_status_display()}.",
        )
        return HttpResponseRedirect(reverse("courses:assessment_new"))
