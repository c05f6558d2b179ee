"""Pages for workshops: sessions to book, booking and cancelling (for oneself, or a manager for
their staff), the trainer's register, no-shows for managers, the learner's evaluation and the
evaluation results. Rules live in ``services`` and ``selectors``; records that are not the
user's answer 404."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from content.models import CoursePage
from courses.models import Completion, Enrolment
from lms.workforce.permissions import RecordsManagerRequiredMixin, can_manage_records
from lms.workforce.selectors import staff_in_scope

from . import selectors, services
from .forms import BookForStaffForm, EvaluationForm
from .models import Booking, Evaluation, WorkshopSession
from .permissions import is_session_trainer, may_see_evaluation_results


def _staff(user):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(pk__in=staff_in_scope(user, records=True).values("user_id"))
        .order_by("display_name", "email")
    )


class IndexView(LoginRequiredMixin, TemplateView):
    template_name = "workshops/index.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "bookings": selectors.active_bookings(self.request.user),
            "sessions": selectors.upcoming_sessions(),
            "led": selectors.sessions_led(self.request.user)[:20],
            "manages": can_manage_records(self.request.user),
        }


class SessionView(LoginRequiredMixin, TemplateView):
    template_name = "workshops/session.html"

    def get_context_data(self, **kwargs):
        session = get_object_or_404(
            WorkshopSession.objects.select_related("course"), pk=self.kwargs["pk"]
        )
        booking = selectors.booking_for(self.request.user, session)
        context = {
            **super().get_context_data(**kwargs),
            "session": session,
            "booking": booking,
            "position": selectors.waiting_position(booking) if booking else None,
            "booked_count": session.bookings.filter(status=Booking.Status.BOOKED).count(),
            "open": not session.is_cancelled and timezone.now() < session.booking_deadline,
            "is_trainer": is_session_trainer(self.request.user, session),
        }
        if can_manage_records(self.request.user):
            context["staff_form"] = BookForStaffForm(staff=_staff(self.request.user))
        return context


class BookView(LoginRequiredMixin, View):
    def post(self, request, pk):
        session = get_object_or_404(WorkshopSession, pk=pk)
        person = request.user
        if request.POST.get("person"):
            form = BookForStaffForm(request.POST, staff=_staff(request.user))
            if not form.is_valid():
                messages.error(request, "Choose a member of staff whose training you manage.")
                return redirect("workshops:session", pk=pk)
            person = form.cleaned_data["person"]
        try:
            outcome = services.book(session=session, user=person, by=request.user)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("workshops:session", pk=pk)
        booking = outcome.booking
        who = "You have" if person == request.user else f"{person.display_name} has"
        if not outcome.created:
            messages.info(request, f"{who} already booked this session.")
        elif booking.status == Booking.Status.REQUESTED:
            messages.success(
                request,
                "Your request for a place has gone to your manager. We will email you when they "
                "have decided.",
            )
        elif booking.status == Booking.Status.BOOKED:
            messages.success(request, f"{who} a place. A calendar invitation is on its way.")
        else:
            messages.success(
                request,
                "The session is full, so "
                f"{'you are' if person == request.user else 'they are'} on the waiting list. "
                "We will email if a place comes up.",
            )
        return redirect("workshops:session", pk=pk)


class CancelView(LoginRequiredMixin, View):
    def post(self, request, pk):
        booking = get_object_or_404(Booking.objects.select_related("session", "user"), pk=pk)
        try:
            services.cancel_booking(booking=booking, by=request.user)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The place is cancelled.")
        return redirect("workshops:session", pk=booking.session_id)


class RegisterView(LoginRequiredMixin, TemplateView):
    """The register, for a phone: one row per person, three choices, saved together."""

    template_name = "workshops/register.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.session = get_object_or_404(
                WorkshopSession.objects.select_related("course"), pk=kwargs["pk"]
            )
            if not is_session_trainer(request.user, self.session):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "session": self.session,
            "rows": selectors.register(self.session),
            "choices": Booking.Attendance.choices,
        }

    def post(self, request, pk):
        marks = {}
        for key, value in request.POST.items():
            if key.startswith("attendance-") and key[11:].isdigit():
                marks[int(key[11:])] = value
        if request.POST.get("all") == "attended":
            marks = {b.pk: Booking.Attendance.ATTENDED for b in selectors.register(self.session)}
        try:
            changed = services.mark_register(session=self.session, by=request.user, marks=marks)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Register saved ({changed} changed).")
        return redirect("workshops:register", pk=pk)


class NoShowsView(RecordsManagerRequiredMixin, TemplateView):
    template_name = "workshops/no_shows.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "bookings": selectors.no_shows(self.request.user)[:500],
        }


class ApprovalsView(RecordsManagerRequiredMixin, TemplateView):
    """Requests for a place from the manager's staff, on courses whose places need approval:
    approve (a place, or the waiting list if the session has filled) or decline."""

    template_name = "workshops/approvals.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "requests": selectors.approval_requests(self.request.user)[:500],
        }

    def post(self, request):
        decision = request.POST.get("decision")
        booking_id = request.POST.get("booking", "")
        if decision not in ("approve", "decline") or not booking_id.isdigit():
            messages.error(request, "Choose Approve or Decline for a request.")
            return redirect("workshops:approvals")
        booking = get_object_or_404(
            selectors.approval_requests(request.user).model.objects.select_related(
                "user", "session", "session__course"
            ),
            pk=int(booking_id),
        )
        try:
            decided = services.decide_request(
                booking=booking, by=request.user, approve=decision == "approve"
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("workshops:approvals")
        who = booking.user.display_name or booking.user.email
        if decided.status == Booking.Status.BOOKED:
            messages.success(request, f"Approved: {who} has a place.")
        elif decided.status == Booking.Status.WAITLISTED:
            messages.success(request, f"Approved: the session is full, so {who} is waiting.")
        elif decided.status == Booking.Status.CANCELLED and decision == "decline":
            messages.success(request, f"Declined: {who} has been told.")
        return redirect("workshops:approvals")


class EvaluationView(LoginRequiredMixin, TemplateView):
    template_name = "workshops/evaluation.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.enrolment = get_object_or_404(
                Enrolment.objects.select_related("course"),
                pk=kwargs["enrolment_id"],
                user=request.user,
            )
            self.after = Completion.objects.filter(enrolment=self.enrolment).exists()
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        course = self.enrolment.course
        evaluation = Evaluation.objects.filter(enrolment=self.enrolment).first()
        initial = {}
        if evaluation is not None:
            answers = evaluation.confidence_after if self.after else evaluation.confidence_before
            initial = {f"area_{key}": str(value) for key, value in answers.items()}
            if self.after:
                initial["usefulness"] = evaluation.usefulness and str(evaluation.usefulness)
                initial["will_do_differently"] = evaluation.will_do_differently
        return EvaluationForm(
            data, initial=initial, areas=course.competency_areas.all(), after=self.after
        )

    def get_context_data(self, **kwargs):
        return {
            "form": self.get_form(),
            "enrolment": self.enrolment,
            "after": self.after,
            **super().get_context_data(**kwargs),
        }

    def post(self, request, enrolment_id):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        services.record_evaluation(
            enrolment=self.enrolment,
            user=request.user,
            confidence=form.confidence(),
            usefulness=form.cleaned_data.get("usefulness"),
            will_do_differently=form.cleaned_data.get("will_do_differently", ""),
        )
        messages.success(request, "Thank you: your answers are saved.")
        return redirect(reverse("courses:dashboard"))


class ResultsAccessMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_see_evaluation_results(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ResultsIndexView(ResultsAccessMixin, TemplateView):
    template_name = "workshops/results_index.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "rows": selectors.courses_with_evaluations(self.request.user),
            "minimum": selectors.MIN_RESPONSES,
        }


class ResultsView(ResultsAccessMixin, TemplateView):
    template_name = "workshops/results.html"

    def get_context_data(self, **kwargs):
        course = get_object_or_404(CoursePage, pk=self.kwargs["course_id"])
        overall, sessions = selectors.evaluation_results(course, self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "course": course,
            "overall": overall,
            "sessions": sessions,
            "minimum": selectors.MIN_RESPONSES,
        }
