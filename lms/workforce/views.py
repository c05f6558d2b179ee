"""Pages for managers (staff in their units, invitations, staff import), for organisation and
regional administrators (teams, people's roles) and the invitation link that new staff follow.
Rules live in ``services`` and ``selectors``."""

import csv

from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import FormView, TemplateView

from . import imports, selectors, services
from .forms import (
    AccountSetupForm,
    InviteForm,
    MembershipChangeForm,
    StaffImportForm,
    TeamForm,
    TrainingHistoryImportForm,
)
from .models import Invitation, Membership, StaffImport
from .permissions import AdministratorRequiredMixin, ManagerRequiredMixin, can_administer


class HomeView(ManagerRequiredMixin, TemplateView):
    template_name = "workforce/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        units = selectors.managed_units(user)
        return {
            **super().get_context_data(**kwargs),
            "units": selectors.unit_tree(units),
            "administers": can_administer(user),
            "invitations": Invitation.objects.pending()
            .filter(unit__in=units)
            .select_related("unit", "job_role")[:50],
            "imports": StaffImport.objects.filter(uploaded_by=user)[:5],
        }


class UnitDetailView(ManagerRequiredMixin, TemplateView):
    template_name = "workforce/unit_detail.html"

    def get_context_data(self, **kwargs):
        unit = get_object_or_404(selectors.managed_units(self.request.user), pk=self.kwargs["pk"])
        staff = (
            selectors.staff_in_scope(self.request.user)
            .filter(unit__path__startswith=unit.path)
            .order_by("unit__path", "user__display_name")
        )
        return {
            **super().get_context_data(**kwargs),
            "unit": unit,
            "administers": can_administer(self.request.user)
            and selectors.administers_unit(self.request.user, unit),
            "ancestors": unit.get_ancestors(),
            "children": selectors.unit_tree(unit.get_children()),
            "staff": staff,
            "invitations": Invitation.objects.pending()
            .filter(unit__path__startswith=unit.path)
            .select_related("unit", "job_role"),
        }


class InviteView(ManagerRequiredMixin, FormView):
    template_name = "workforce/invite.html"
    form_class = InviteForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"unit": self.request.GET.get("unit")}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            invitation, created = services.invitation_create(
                invited_by=self.request.user,
                email=data["email"],
                display_name=data["display_name"],
                unit=data["unit"],
                job_role=data["job_role"],
                is_manager=data["is_manager"],
            )
        except PermissionDenied as exc:
            form.add_error("unit", str(exc))
            return self.form_invalid(form)
        if created:
            messages.success(
                self.request, f"Invitation sent to {invitation.email}. The link works for 14 days."
            )
        else:
            messages.info(
                self.request,
                f"{invitation.email} already has an open invitation to {invitation.unit.name}; "
                "no new email was sent. Use 'Resend' if they have lost it.",
            )
        return redirect("workforce:unit", pk=invitation.unit_id)


class InvitationActionView(ManagerRequiredMixin, View):
    action = ""

    def post(self, request, pk):
        invitation = get_object_or_404(
            Invitation.objects.filter(unit__in=selectors.managed_units(request.user)), pk=pk
        )
        try:
            if self.action == "resend":
                services.invitation_resend(invitation=invitation, by=request.user)
                messages.success(request, f"A new link has been sent to {invitation.email}.")
            else:
                services.invitation_revoke(invitation=invitation, by=request.user)
                messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("workforce:unit", pk=invitation.unit_id)


class StaffImportView(ManagerRequiredMixin, FormView):
    template_name = "workforce/import.html"
    form_class = StaffImportForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "columns": imports.STAFF_FIELDS,
            "max_rows": imports.MAX_ROWS,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        staff_import = services.staff_import_check(
            uploaded_by=self.request.user,
            filename=data["file"].name,
            content=data["content"],
            encoding=data["encoding"],
            organisation=data.get("organisation"),
            mapping=data.get("mapping"),
            full_extract=data.get("full_extract", False),
            send_invitations=data.get("send_invitations", False),
        )
        return redirect("workforce:import_detail", pk=staff_import.pk)


class TrainingHistoryImportView(ManagerRequiredMixin, FormView):
    """Upload completions from a previous system (checked and previewed like a staff file)."""

    template_name = "workforce/import_history.html"
    form_class = TrainingHistoryImportForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        from courses.history import HISTORY_FIELDS

        return {**super().get_context_data(**kwargs), "columns": HISTORY_FIELDS}

    def form_valid(self, form):
        from courses.history import history_import_check

        data = form.cleaned_data
        checked = history_import_check(
            uploaded_by=self.request.user,
            filename=data["file"].name,
            content=data["content"],
            encoding=data["encoding"],
            organisation=data.get("organisation"),
        )
        return redirect("workforce:import_detail", pk=checked.pk)


def _own_import(request, pk) -> StaffImport:
    qs = StaffImport.objects.select_related("organisation", "mapping")
    if not request.user.is_superuser:
        qs = qs.filter(uploaded_by=request.user)
    return get_object_or_404(qs, pk=pk)


def _outcome_labels(staff_import: StaffImport) -> dict[str, str]:
    if staff_import.kind == StaffImport.Kind.TRAINING_HISTORY:
        from courses.history import OUTCOME_LABELS

        return OUTCOME_LABELS
    return imports.OUTCOME_LABELS


def _progress(staff_import: StaffImport) -> dict:
    left = imports.seconds_left(staff_import)
    return {
        "status": staff_import.status,
        "status_label": staff_import.get_status_display(),
        "finished": staff_import.is_finished,
        "rows_total": staff_import.rows_total,
        "rows_done": staff_import.rows_done,
        "rows_failed": staff_import.rows_failed,
        "percent": staff_import.percent_done,
        "seconds_left": left,
        "counts": staff_import.counts,
    }


class StaffImportDetailView(ManagerRequiredMixin, TemplateView):
    """The preview before confirming, the progress while the job runs (it updates by itself
    with JavaScript and on every reload without), and the result."""

    template_name = "workforce/import_detail.html"

    def get_context_data(self, **kwargs):
        staff_import = _own_import(self.request, self.kwargs["pk"])
        rows = staff_import.report.get("rows", [])
        return {
            **super().get_context_data(**kwargs),
            "staff_import": staff_import,
            "report": staff_import.report,
            "progress": _progress(staff_import),
            "outcome_counts": [
                (outcome, label, (staff_import.counts or {}).get(outcome, 0))
                for outcome, label in _outcome_labels(staff_import).items()
            ],
            "preview_counts": [
                (label, staff_import.report.get("counts", {}).get(outcome, 0))
                for outcome, label in _outcome_labels(staff_import).items()
            ],
            "bad_rows": [r for r in rows if r["errors"]],
            "good_rows": [r for r in rows if not r["errors"]],
        }

    def post(self, request, pk):
        staff_import = _own_import(request, pk)
        if request.POST.get("action") == "cancel":
            services.staff_import_cancel(staff_import=staff_import, by=request.user)
            messages.success(request, "The import is cancelled. What was done before stays.")
            return redirect("workforce:import_detail", pk=staff_import.pk)
        try:
            services.staff_import_confirm(staff_import=staff_import, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("workforce:import_detail", pk=staff_import.pk)


class StaffImportProgressView(ManagerRequiredMixin, View):
    """The import's progress as JSON, for the progress page to poll."""

    def get(self, request, pk):
        return JsonResponse(_progress(_own_import(request, pk)))


class ImportTemplateView(ManagerRequiredMixin, View):
    def get(self, request):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="staff-import-template.csv"'
        writer = csv.writer(response)
        writer.writerow(list(services.IMPORT_COLUMNS))
        writer.writerow(
            ["a.person@example.org", "A Person", "team-code", "health-visitor", "no", "", ""]
        )
        return response


class JoinView(View):
    """The link in an invitation email: set up an account (or accept with an existing one)."""

    template_name = "workforce/join.html"

    def _render(self, request, invitation, form=None, status="pending", status_code=200):
        return render(
            request,
            self.template_name,
            {"invitation": invitation, "form": form, "status": status},
            status=status_code,
        )

    def get(self, request, token):
        invitation = services.invitation_for_token(token)
        if invitation is None:
            return self._render(request, None, status="unknown", status_code=404)
        if invitation.status != "pending":
            return self._render(request, invitation, status=invitation.status, status_code=410)
        if request.user.is_authenticated:
            status = "confirm" if request.user.email == invitation.email else "wrong_user"
            return self._render(request, invitation, status=status)
        from django.contrib.auth import get_user_model

        existing = get_user_model().objects.filter(email__iexact=invitation.email).first()
        if existing and existing.has_usable_password():
            return self._render(request, invitation, status="has_account")
        form = AccountSetupForm(
            email=invitation.email, initial={"display_name": invitation.display_name}
        )
        return self._render(request, invitation, form=form)

    def post(self, request, token):
        invitation = services.invitation_for_token(token)
        if invitation is None:
            raise Http404
        form = None
        try:
            if request.user.is_authenticated:
                invitation, user = services.invitation_accept(token=token, user=request.user)
            else:
                form = AccountSetupForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return self._render(request, invitation, form=form)
                invitation, user = services.invitation_accept(
                    token=token,
                    display_name=form.cleaned_data["display_name"],
                    password=form.cleaned_data["password1"],
                )
        except services.InvitationNotUsable as exc:
            return self._render(request, invitation, status=exc.status, status_code=410)
        messages.success(request, f"Welcome. You are now a member of {invitation.unit.label}.")
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return perform_login(request, user, redirect_url=settings.LOGIN_REDIRECT_URL)


# --- Organisation administration (organisation, regional and site administrators) -----------


class TeamAddView(AdministratorRequiredMixin, FormView):
    """Add a team to an organisation the person administers."""

    template_name = "workforce/team_form.html"
    form_class = TeamForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"organisation": self.request.GET.get("organisation")}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            team = services.team_create(
                organisation=data["organisation"], name=data["name"], by=self.request.user
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{team.name} has been added to {data['organisation']}.")
        return redirect("workforce:unit", pk=team.pk)


class TeamChangeView(AdministratorRequiredMixin, FormView):
    """Rename a team, or close it to new people."""

    template_name = "workforce/team_form.html"
    form_class = TeamForm

    def get_team(self):
        return get_object_or_404(
            selectors.administered_units(self.request.user).filter(kind="team"),
            pk=self.kwargs["pk"],
        )

    def get_form_kwargs(self):
        self.team = self.get_team()
        return {**super().get_form_kwargs(), "user": self.request.user, "team": self.team}

    def get_initial(self):
        return {"name": self.team.name, "is_active": self.team.is_active}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "team": self.team}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            team = services.team_change(
                team=self.team, name=data["name"], is_active=data["is_active"], by=self.request.user
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{team.name} has been saved.")
        return redirect("workforce:unit", pk=team.pk)


class MembershipChangeView(AdministratorRequiredMixin, FormView):
    """Move someone to another team, change their job role, or record that they are leaving."""

    template_name = "workforce/membership_form.html"
    form_class = MembershipChangeForm

    def get_membership(self):
        return get_object_or_404(
            Membership.objects.active()
            .filter(unit__in=selectors.administered_units(self.request.user))
            .select_related("user", "unit", "job_role"),
            pk=self.kwargs["pk"],
        )

    def get_form_kwargs(self):
        self.membership = self.get_membership()
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "membership": self.membership,
        }

    def get_initial(self):
        return {"unit": self.membership.unit_id, "job_role": self.membership.job_role_id}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "membership": self.membership}

    def form_valid(self, form):
        data = form.cleaned_data
        person = self.membership.user.display_name or self.membership.user.email
        try:
            changed = services.membership_change(
                membership=self.membership,
                by=self.request.user,
                unit=data["unit"],
                job_role=data["job_role"],
                end_date=data["end_date"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error("unit", str(exc))
            return self.form_invalid(form)
        if data["end_date"]:
            messages.success(
                self.request,
                f"{person} leaves {changed.unit.name} on {data['end_date']:%-d %B %Y}. "
                "Their records are kept.",
            )
        elif changed.pk == self.membership.pk:
            messages.info(self.request, "Nothing was changed.")
        else:
            messages.success(
                self.request,
                f"{person} is now {changed.job_role} in {changed.unit.name}; the training "
                "the role requires has been assigned.",
            )
        return redirect("workforce:unit", pk=changed.unit_id)


def _form_errors(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form, on the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
