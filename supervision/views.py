"""Supervision pages. Views fetch through ``permissions`` (404 for anyone who may not see a
record), call ``services`` for every write and ``selectors`` for reads, and hold no rules."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from lms.drafts.services import discard_draft
from lms.workforce.permissions import can_manage_records
from lms.workforce.selectors import manages_person, staff_in_scope

from . import exports, permissions, selectors, services
from .forms import (
    ActionFormSet,
    AgreementForm,
    CorrectionForm,
    ReflectionForm,
    ReviewForm,
    SessionCreateForm,
    SessionEditForm,
    action_initial,
    identifier_warning,
)
from .models import AgreementParty, SessionAction, SessionAttendance, SupervisionSession

User = get_user_model()


def _apply_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, next to the fields it names."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Home -----------------------------------------------------------------------------------


class HomeView(LoginRequiredMixin, TemplateView):
    """The practitioner's and the supervisor's supervision page."""

    template_name = "supervision/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        as_supervisee = selectors.agreements_as_supervisee(user)
        as_supervisor = selectors.agreements_as_supervisor(user)
        awaiting_sign_off, waiting_for_reflections = selectors.drafts_led_by(user)
        supervisees = selectors.supervisee_summaries(user, as_supervisor)
        return {
            **super().get_context_data(**kwargs),
            "today": today,
            "summary": selectors.supervision_summary(user),
            "pending": [p for p in as_supervisee if p.status == "pending"],
            "my_agreements": [p for p in as_supervisee if p.status == "accepted"],
            "sessions": selectors.sessions_attended(user, limit=10),
            "awaiting_reflection": selectors.awaiting_reflection_from(user),
            "open_actions": selectors.open_actions_for(user),
            "supervising": as_supervisor,
            "supervisees": supervisees,
            "overdue_supervisees": [s for s in supervisees if s.status == "overdue"],
            "missed_sessions": selectors.planned_sessions_missed(as_supervisor),
            "awaiting_sign_off": awaiting_sign_off,
            "waiting_for_reflections": waiting_for_reflections,
            "can_manage": can_manage_records(user),
            "may_supervise": permissions.may_supervise(user, leads_agreements=bool(as_supervisor)),
        }


# --- Agreements -----------------------------------------------------------------------------


class AgreementCreateView(LoginRequiredMixin, View):
    template_name = "supervision/agreement_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.may_supervise(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": AgreementForm(supervisor=request.user)})

    def post(self, request):
        form = AgreementForm(request.POST, supervisor=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                agreement, created = services.agreement_create(
                    supervisor=request.user,
                    supervisees=data["all_supervisees"],
                    type=data["type"],
                    format=data["format"],
                    modality=data["modality"],
                    frequency=data["frequency"],
                    start_date=data["start_date"],
                    review_date=data["review_date"],
                    confidentiality=data["confidentiality"],
                    submission_key=data["submission_key"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                if created:
                    messages.success(
                        request,
                        "Agreement proposed. Each supervisee needs to accept it on their "
                        "supervision page before you can record sessions.",
                    )
                _warn_identifiers(request, form)
                return redirect("supervision:agreement", pk=agreement.pk)
        return render(request, self.template_name, {"form": form})


class AgreementDetailView(LoginRequiredMixin, TemplateView):
    template_name = "supervision/agreement_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        agreement = permissions.agreement_for(user, self.kwargs["pk"])
        parties = list(agreement.parties.select_related("supervisee"))
        mine = next((p for p in parties if p.supervisee_id == user.pk), None)
        is_supervisor = agreement.supervisor_id == user.pk
        # Supervisees see sessions they attended; the supervisor sees all.
        sessions = agreement.sessions.order_by("-date", "-pk")
        if not is_supervisor:
            sessions = sessions.filter(attendances__supervisee=user)
        accepted = [p for p in parties if p.accepted_at]
        return {
            **super().get_context_data(**kwargs),
            "agreement": agreement,
            "parties": parties,
            "my_party": mine,
            "is_supervisor": is_supervisor,
            "can_record": ((is_supervisor and accepted) or (mine and mine.accepted_at))
            and agreement.ended_on is None,
            "can_review": is_supervisor or bool(mine and mine.accepted_at),
            "review_due": agreement.review_date <= timezone.localdate(),
            "sessions": sessions,
            "open_actions": selectors.carried_forward_actions(agreement)
            if (is_supervisor or (mine and mine.accepted_at))
            else [],
            "reviews": agreement.reviews.select_related("reviewed_by"),
        }


class AgreementAnswerView(LoginRequiredMixin, View):
    accept = True

    def post(self, request, pk):
        agreement = permissions.agreement_for(request.user, pk)
        try:
            if self.accept:
                services.agreement_accept(agreement=agreement, user=request.user)
                messages.success(
                    request,
                    f"You have accepted the agreement with {agreement.supervisor}. Sessions can "
                    "now be recorded.",
                )
            else:
                services.agreement_decline(agreement=agreement, user=request.user)
                messages.info(request, "You have declined the agreement.")
                return redirect("supervision:home")
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("supervision:agreement", pk=agreement.pk)


class AgreementReviewView(LoginRequiredMixin, View):
    template_name = "supervision/agreement_review.html"

    def _agreement(self, request, pk):
        agreement = permissions.agreement_for(request.user, pk)
        is_party = (
            agreement.supervisor_id == request.user.pk
            or AgreementParty.objects.filter(
                agreement=agreement, supervisee=request.user, accepted_at__isnull=False
            ).exists()
        )
        if not is_party:
            raise Http404
        return agreement

    def get(self, request, pk):
        agreement = self._agreement(request, pk)
        return render(request, self.template_name, {"agreement": agreement, "form": ReviewForm()})

    def post(self, request, pk):
        agreement = self._agreement(request, pk)
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.agreement_review(
                    agreement=agreement,
                    user=request.user,
                    next_review_date=form.cleaned_data["next_review_date"],
                    notes=form.cleaned_data["notes"],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Review recorded and the next review date set.")
                _warn_identifiers(request, form)
                return redirect("supervision:agreement", pk=agreement.pk)
        return render(request, self.template_name, {"agreement": agreement, "form": form})


class AgreementEndView(LoginRequiredMixin, View):
    def post(self, request, pk):
        agreement = permissions.agreement_for(request.user, pk)
        try:
            services.agreement_end(agreement=agreement, user=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "The agreement has ended. Its records are kept.")
        return redirect("supervision:agreement", pk=agreement.pk)


# --- Sessions -------------------------------------------------------------------------------


def _accepted_supervisees(agreement) -> list:
    return [
        p.supervisee
        for p in agreement.parties.filter(accepted_at__isnull=False).select_related("supervisee")
    ]


def _mark_done(actions, user) -> None:
    for action in actions or []:
        services.action_set_status(action=action, user=user, done=True)


class SessionCreateView(LoginRequiredMixin, View):
    template_name = "supervision/session_form.html"

    def _setup(self, request, pk):
        agreement = permissions.agreement_for(request.user, pk)
        accepted = _accepted_supervisees(agreement)
        is_party = agreement.supervisor_id == request.user.pk or request.user in accepted
        if not is_party:
            # A supervisee who has not accepted yet can see the agreement but not record.
            messages.error(request, "Accept the agreement before recording sessions.")
            return agreement, None
        if agreement.ended_on or not accepted:
            messages.error(
                request,
                "Sessions can be recorded once a supervisee has accepted the agreement"
                if not accepted
                else "This agreement has ended.",
            )
            return agreement, None
        return agreement, accepted

    def _forms(self, request, agreement, accepted, data=None):
        carried = selectors.carried_forward_actions(agreement)
        owners = [agreement.supervisor, *accepted]
        form = SessionCreateForm(
            data,
            agreement=agreement,
            accepted_supervisees=accepted,
            carried_actions=carried,
            author=request.user,
        )
        formset = ActionFormSet(data, owners=owners, prefix="actions")
        return form, formset, carried

    def _render(self, request, agreement, form, formset, carried):
        return render(
            request,
            self.template_name,
            {
                "agreement": agreement,
                "form": form,
                "formset": formset,
                "carried": carried,
                "creating": True,
            },
        )

    def get(self, request, pk):
        agreement, accepted = self._setup(request, pk)
        if accepted is None:
            return redirect("supervision:agreement", pk=agreement.pk)
        return self._render(request, agreement, *self._forms(request, agreement, accepted))

    def post(self, request, pk):
        agreement, accepted = self._setup(request, pk)
        if accepted is None:
            return redirect("supervision:agreement", pk=agreement.pk)
        form, formset, carried = self._forms(request, agreement, accepted, request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                session, created = services.session_create(
                    agreement=agreement,
                    author=request.user,
                    date=data["date"],
                    duration_minutes=data["duration_minutes"],
                    attendees=list(data["attendees"]),
                    themes=data.get("themes", ()),
                    theme_wellbeing=data["theme_wellbeing"],
                    case_references=data["case_references"],
                    discussion=data["discussion"],
                    learning_needs=data.get("learning_needs", ()),
                    learning_needs_notes=data["learning_needs_notes"],
                    next_session_on=data["next_session_on"],
                    actions=formset.actions(),
                    submission_key=data["submission_key"],
                )
                if created:
                    _mark_done(data.get("done_actions"), request.user)
            except ValidationError as exc:
                _apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                discard_draft(user=request.user, key=request.path)
                if created:
                    messages.success(request, _created_message(session, request.user))
                _warn_identifiers(request, form, formset)
                return redirect("supervision:session", pk=session.pk)
        return self._render(request, agreement, form, formset, carried)


def _warn_identifiers(request, *forms_or_formsets) -> None:
    """After a save: warn about text that may identify someone (kept as typed; see
    ``identifiers.find_possible_identifiers``)."""
    warning = identifier_warning(*forms_or_formsets)
    if warning:
        messages.warning(request, warning)


def _created_message(session, user) -> str:
    if session.agreement.supervisor_id == user.pk:
        return (
            "Session saved as a draft. Your supervisee has been asked to add their reflection; "
            "sign it off when it is ready."
        )
    return "Session saved as a draft. Add your reflection below when you are ready."


class SessionContentMixin(LoginRequiredMixin):
    """Loads a session the user may read (else 404) and writes every read of its content to
    the audit log."""

    def get_session(self, request, pk) -> SupervisionSession:
        return permissions.session_for(request.user, pk)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.session = self.get_session(request, kwargs["pk"])
        if request.method == "GET":
            services.audit_view(session=self.session, user=request.user)
        return super().dispatch(request, *args, **kwargs)


class SessionDetailView(SessionContentMixin, TemplateView):
    template_name = "supervision/session_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        session = self.session
        is_supervisor = permissions.is_supervisor_of(user, session)
        attendances = list(session.attendances.select_related("supervisee"))
        mine = next((a for a in attendances if a.supervisee_id == user.pk), None)
        # Reflections: the supervisor sees everyone's; a supervisee sees only their own.
        reflections = attendances if is_supervisor else [mine] if mine else []
        return {
            **super().get_context_data(**kwargs),
            "session": session,
            "agreement": session.agreement,
            "attendances": attendances,
            "reflections": reflections,
            "my_attendance": mine,
            "is_supervisor": is_supervisor,
            "themes": list(session.themes.all()),
            "learning_needs": list(session.learning_needs.all()),
            "actions": list(session.actions.select_related("owner", "done_by")),
            "carried": selectors.carried_forward_actions(session.agreement, before=session),
            "corrections": list(session.corrections.select_related("author")),
            "missing_reflections": [
                a.supervisee for a in attendances if not a.reflection_submitted_at
            ],
        }


class SessionEditView(SessionContentMixin, View):
    template_name = "supervision/session_form.html"
    locked_template = "supervision/session_locked.html"

    def _owners(self):
        session = self.session
        return [session.agreement.supervisor, *(a.supervisee for a in session.attendances.all())]

    def _forms(self, data=None):
        session = self.session
        initial = {
            "date": session.date,
            "duration_minutes": session.duration_minutes,
            "themes": list(session.themes.all()),
            "theme_wellbeing": session.theme_wellbeing,
            "case_references": session.case_references,
            "discussion": session.discussion,
            "learning_needs": list(session.learning_needs.all()),
            "learning_needs_notes": session.learning_needs_notes,
            "next_session_on": session.next_session_on,
            "version": session.version,
        }
        carried = selectors.carried_forward_actions(session.agreement, before=session)
        form = SessionEditForm(
            data,
            initial=initial,
            agreement=session.agreement,
            accepted_supervisees=[],
            carried_actions=carried,
        )
        formset = ActionFormSet(
            data,
            initial=None if data is not None else action_initial(session),
            owners=self._owners(),
            prefix="actions",
        )
        return form, formset, carried

    def _locked(self, request, posted=None):
        text = ""
        if posted:
            parts = []
            for name, label in (
                ("case_references", "Anonymised case references"),
                ("discussion", "Discussion and reflections"),
                ("learning_needs_notes", "Learning needs"),
            ):
                value = posted.get(name, "").strip()
                if value and value != getattr(self.session, name).strip():
                    parts.append(f"{label}: {value}")
            text = "\n\n".join(parts)
        form = CorrectionForm(initial={"text": text} if text else None)
        return render(
            request,
            self.locked_template,
            {"session": self.session, "form": form, "posted": bool(posted)},
            status=409,
        )

    def _render(self, request, form, formset, carried, status=200):
        return render(
            request,
            self.template_name,
            {
                "agreement": self.session.agreement,
                "session": self.session,
                "form": form,
                "formset": formset,
                "carried": carried,
                "creating": False,
            },
            status=status,
        )

    def get(self, request, pk):
        if self.session.is_locked:
            return self._locked(request)
        return self._render(request, *self._forms())

    def post(self, request, pk):
        if self.session.is_locked:
            return self._locked(request, posted=request.POST)
        form, formset, carried = self._forms(request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                services.session_update(
                    session=self.session,
                    user=request.user,
                    version=data["version"],
                    date=data["date"],
                    duration_minutes=data["duration_minutes"],
                    themes=data.get("themes", ()),
                    theme_wellbeing=data["theme_wellbeing"],
                    case_references=data["case_references"],
                    discussion=data["discussion"],
                    learning_needs=data.get("learning_needs", ()),
                    learning_needs_notes=data["learning_needs_notes"],
                    next_session_on=data["next_session_on"],
                    actions=formset.actions(),
                )
                _mark_done(data.get("done_actions"), request.user)
            except services.RecordLocked:
                self.session.refresh_from_db()
                return self._locked(request, posted=request.POST)
            except services.StaleEdit:
                self.session.refresh_from_db()
                # Keep what they typed; the next save (deliberately) replaces the newer version.
                data_copy = request.POST.copy()
                data_copy["version"] = str(self.session.version)
                form, formset, carried = self._forms(data_copy)
                form.is_valid()
                form.add_error(
                    None,
                    "Someone else saved this session while you were editing it. Your changes "
                    "are below and have not been saved yet. Open the session in a new tab to "
                    "compare; saving again will replace their version with yours.",
                )
                return self._render(request, form, formset, carried, status=409)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                discard_draft(user=request.user, key=request.path)
                messages.success(request, "Session updated.")
                _warn_identifiers(request, form, formset)
                return redirect("supervision:session", pk=self.session.pk)
        return self._render(request, form, formset, carried)


class ReflectionView(SessionContentMixin, View):
    template_name = "supervision/reflection_form.html"

    def _attendance(self, request):
        attendance = SessionAttendance.objects.filter(
            session=self.session, supervisee=request.user
        ).first()
        if attendance is None:
            raise Http404
        return attendance

    def _render(self, request, form, status=200):
        return render(
            request, self.template_name, {"session": self.session, "form": form}, status=status
        )

    def get(self, request, pk):
        attendance = self._attendance(request)
        if self.session.is_locked:
            return _locked_redirect(request, self.session)
        return self._render(request, ReflectionForm(initial={"reflection": attendance.reflection}))

    def post(self, request, pk):
        self._attendance(request)
        form = ReflectionForm(request.POST)
        if form.is_valid():
            try:
                services.reflection_save(
                    session=self.session,
                    user=request.user,
                    reflection=form.cleaned_data["reflection"],
                )
            except services.RecordLocked:
                form.add_error(
                    None,
                    "This session was signed off while you were writing, so your reflection "
                    "was not saved. It is kept below: copy it into a correction.",
                )
                return self._render(request, form, status=409)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                discard_draft(user=request.user, key=request.path)
                messages.success(
                    request, "Reflection saved. Your supervisor can now sign off the session."
                )
                _warn_identifiers(request, form)
                return redirect("supervision:session", pk=self.session.pk)
        return self._render(request, form)


def _locked_redirect(request, session):
    messages.error(
        request,
        "This session has been signed off, so it can no longer be edited. Add a correction "
        "instead.",
    )
    return redirect("supervision:session", pk=session.pk)


class SignOffView(SessionContentMixin, View):
    template_name = "supervision/sign_off.html"
    refused_template = "supervision/sign_off_refused.html"

    def _refuse(self, request):
        return render(
            request,
            self.refused_template,
            {"session": self.session, "supervisor": self.session.agreement.supervisor},
            status=403,
        )

    def get(self, request, pk):
        if not permissions.is_supervisor_of(request.user, self.session):
            return self._refuse(request)
        if self.session.is_locked:
            messages.info(request, "This session is already signed off.")
            return redirect("supervision:session", pk=pk)
        missing = [
            a.supervisee
            for a in self.session.attendances.select_related("supervisee")
            if not a.reflection_submitted_at
        ]
        return render(request, self.template_name, {"session": self.session, "missing": missing})

    def post(self, request, pk):
        try:
            _, changed = services.session_sign_off(session=self.session, user=request.user)
        except PermissionDenied:
            return self._refuse(request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Edit the session, then sign off.")
            return redirect("supervision:session", pk=pk)
        if changed:
            messages.success(
                request,
                "Session signed off. The record is now locked and its hours count toward the "
                "supervisee's target.",
            )
        else:
            messages.info(request, "This session was already signed off.")
        return redirect("supervision:session", pk=pk)


class CorrectionCreateView(SessionContentMixin, View):
    template_name = "supervision/correction_form.html"

    def _render(self, request, form):
        return render(request, self.template_name, {"session": self.session, "form": form})

    def get(self, request, pk):
        if not self.session.is_locked:
            messages.info(request, "This session is still a draft: edit it instead.")
            return redirect("supervision:session_edit", pk=pk)
        return self._render(request, CorrectionForm())

    def post(self, request, pk):
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                services.correction_add(
                    session=self.session,
                    user=request.user,
                    text=form.cleaned_data["text"],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Correction added under the record.")
                _warn_identifiers(request, form)
                return redirect("supervision:session", pk=pk)
        return self._render(request, form)


class ActionStatusView(LoginRequiredMixin, View):
    def post(self, request, pk):
        readable = permissions.sessions_readable_by(request.user)
        action = get_object_or_404(SessionAction.objects.filter(session__in=readable), pk=pk)
        done = request.POST.get("done", "1") == "1"
        try:
            services.action_set_status(action=action, user=request.user, done=done)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Action marked as done." if done else "Action reopened.")
        next_url = request.POST.get("next", "")
        # Only a path on this site: redirect() takes any other word for a URL name.
        if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("supervision:session", args=[action.session_id])
        return redirect(next_url)


# --- Export ---------------------------------------------------------------------------------


class ExportLogView(LoginRequiredMixin, View):
    fmt = "csv"

    def get(self, request):
        services.audit_export(user=request.user, fmt=self.fmt)
        if self.fmt == "pdf":
            return exports.log_pdf_response(request.user)
        return exports.log_csv_response(request.user)


# --- Managers: hours and dates only ---------------------------------------------------------


class ManagerMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_manage_records(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class TeamView(ManagerMixin, TemplateView):
    """Staff in the units the manager manages: hours, target and status, never content."""

    template_name = "supervision/team.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        user = self.request.user
        staff = staff_in_scope(user, records=True)
        people = (
            User.objects.filter(pk__in=staff.values("user_id"))
            .order_by("display_name", "email")
            .only("pk", "display_name", "email")
        )
        page = Paginator(people, self.paginate_by).get_page(self.request.GET.get("page"))
        ids = [p.pk for p in page.object_list]
        memberships = list(staff.filter(user_id__in=ids))
        summaries = selectors.summaries_for_memberships(memberships)
        units: dict[int, list] = {}
        for m in memberships:
            units.setdefault(m.user_id, []).append(m)
        rows = [
            {"person": p, "summary": summaries.get(p.pk), "memberships": units.get(p.pk, [])}
            for p in page.object_list
        ]
        return {**super().get_context_data(**kwargs), "rows": rows, "page": page}


class TeamPersonView(ManagerMixin, TemplateView):
    template_name = "supervision/team_person.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        user = self.request.user
        person = get_object_or_404(User, pk=self.kwargs["user_id"])
        if not manages_person(user, person, records=True):
            raise Http404
        sessions = (
            SupervisionSession.objects.filter(attendances__supervisee=person)
            .select_related("agreement")
            .order_by("-date", "-pk")
            .only(
                "pk",
                "date",
                "duration_minutes",
                "status",
                "format",
                "signed_off_at",
                "agreement__type",
            )
        )
        page = Paginator(sessions, self.paginate_by).get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "person": person,
            "summary": selectors.supervision_summary(person),
            "page": page,
        }
