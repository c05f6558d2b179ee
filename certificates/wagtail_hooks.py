"""Certificates in the Wagtail admin: a searchable, filterable, exportable list with an inspect
view, and Revoke / Reinstate / Reissue actions that ask for a reason and write to the audit log.
Certificates are created only by the issue task, never added, edited or deleted here."""

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic.edit import FormView
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from lms.admin_policies import LimitedPermissionPolicy
from lms.exports import neutralise

from . import services
from .forms import ReasonForm
from .models import Certificate


def certificate_permission_policy() -> LimitedPermissionPolicy:
    """The "view" permission lists, inspects and exports; "manage" (a permission of its own,
    grantable to a group) revokes, reinstates and reissues. Nobody adds, changes or deletes:
    certificates are permanent records made by the issue task."""
    return LimitedPermissionPolicy(Certificate)


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=Certificate.Status.choices,
        method="filter_status",
        empty_label="Any",
    )
    issued_at = django_filters.DateFromToRangeFilter(
        label="Issued between", widget=DateRangePickerWidget
    )

    class Meta:
        model = Certificate
        fields = ["status", "course", "tier_code", "issued_at"]

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        return {
            Certificate.Status.VALID: queryset.filter(revoked_at__isnull=True, expires_at__gt=now),
            Certificate.Status.EXPIRED: queryset.filter(
                revoked_at__isnull=True, expires_at__lte=now
            ),
            Certificate.Status.REVOKED: queryset.filter(revoked_at__isnull=False),
        }.get(value, queryset)


class CertificateIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user")

    def search_queryset(self, queryset):
        # Plain field lookups (numbers and codes are not words for a search backend); a typed
        # code is matched however it was written.
        from .codes import normalise_code

        if not self.search_query:
            return queryset
        term = self.search_query.strip()
        query = (
            Q(number__icontains=term)
            | Q(holder_name__icontains=term)
            | Q(user__email__icontains=term)
            | Q(course_title__icontains=term)
        )
        code = normalise_code(term)
        if code:
            query |= Q(code=code)
        self.is_searching = True
        return queryset.filter(query)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.permission_policy.user_has_permission(self.request.user, "manage"):
            buttons.extend(_action_buttons(instance))
        return buttons

    def get_preprocess_function(self, field, value, export_format):
        # Holder names are typed by learners: never let a spreadsheet run one as a formula.
        if isinstance(value, str):
            return neutralise
        return super().get_preprocess_function(field, value, export_format)


def _action_buttons(certificate):
    buttons = []
    names = (
        [("reinstate", "Reinstate", "undo")]
        if certificate.is_revoked
        else [("reissue", "Reissue PDF", "repeat"), ("revoke", "Revoke", "cross")]
    )
    if certificate.holder_erased:  # no PDF to make again (lms.privacy)
        names = [n for n in names if n[0] != "reissue"]
    for name, label, icon in names:
        url = reverse(f"certificates_certificate:{name}", args=[certificate.pk])
        buttons.append(Button(label, url=url, icon_name=icon, priority=50))
    return buttons


class CertificateInspectView(generic.InspectView):
    def get_fields(self):
        return [
            "number",
            "code",
            "holder_name",
            "user",
            "course_title",
            "tier_code",
            "tier_name",
            "cpd_hours",
            "issued_at",
            "valid_until",
            "previous",
            "pdf_sha256",
            "rendered_at",
            "render_count",
            "emailed_at",
            "revoked_at",
            "revoked_by",
            "revoked_reason",
            "completion",
        ]

    def get_code_display_value(self):
        return self.object.display_code

    @property
    def header_more_buttons(self):
        buttons = []
        if self.permission_policy.user_has_permission(self.request.user, "manage"):
            buttons.extend(_action_buttons(self.object))
        buttons.append(
            Button(
                "History",
                url=reverse("certificates_certificate:history", args=[self.object.pk]),
                icon_name="history",
                priority=70,
            )
        )
        if self.object.has_pdf:
            buttons.append(
                Button(
                    "Download PDF",
                    url=reverse("certificates:pdf", args=[self.object.number]),
                    icon_name="download",
                    priority=60,
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fields"].insert(
            0, {"label": "Status", "value": self.object.status_label, "component": None}
        )
        return context


class CertificateHistoryView(generic.HistoryView):
    # The audit log of revocations and reissues is readable by whoever may see certificates
    # (Wagtail's default asks for add, change or delete, which nobody has here).
    any_permission_required = ["view", "manage"]


class CertificateActionView(WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    """Ask for a reason, then revoke, reinstate or reissue through the service."""

    model = Certificate
    form_class = ReasonForm
    template_name = "certificates/admin/action.html"
    header_icon = "doc-full"
    action = ""
    title = ""
    intro = ""
    submit_label = ""
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not certificate_permission_policy().user_has_permission(request.user, "manage"):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.title

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("certificates_certificate:index"), "label": "Certificates"},
            {
                "url": reverse("certificates_certificate:inspect", args=[self.object.pk]),
                "label": str(self.object),
            },
            {"url": "", "label": self.title},
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "object": self.object,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "cancel_url": reverse("certificates_certificate:inspect", args=[self.object.pk]),
        }

    def perform(self, reason: str):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message.format(number=self.object.number))
        return redirect("certificates_certificate:inspect", self.object.pk)


class RevokeView(CertificateActionView):
    title = "Revoke certificate"
    intro = (
        "The verification page will show this certificate as revoked from now on, and the "
        "holder will no longer be able to download it. You can reinstate it later."
    )
    submit_label = "Revoke certificate"
    success_message = "Certificate {number} revoked."

    def perform(self, reason):
        services.revoke_certificate(certificate=self.object, by=self.request.user, reason=reason)


class ReinstateView(CertificateActionView):
    title = "Reinstate certificate"
    intro = "The certificate will be valid again (until its expiry date)."
    submit_label = "Reinstate certificate"
    success_message = "Certificate {number} reinstated."

    def perform(self, reason):
        services.reinstate_certificate(certificate=self.object, by=self.request.user, reason=reason)


class ReissueView(CertificateActionView):
    title = "Reissue certificate PDF"
    intro = (
        "The PDF is made again with the holder's current name (for example after a name "
        "correction). The number and verification code stay the same."
    )
    submit_label = "Reissue PDF"
    success_message = "Certificate {number} reissued."

    def perform(self, reason):
        services.reissue_certificate(certificate=self.object, by=self.request.user, reason=reason)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = "Certificates"
    menu_order = 320
    add_to_admin_menu = True
    form_fields = ["holder_name"]
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    history_view_class = CertificateHistoryView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = CertificateFilterSet
    list_display = [
        "number",
        Column("holder_name", label="Holder"),
        Column("course_title", label="Course"),
        Column("tier_code", label="Tier"),
        Column("issued_at", label="Issued"),
        Column("status_label", label="Status"),
    ]
    search_fields = ["number"]  # searching is done by CertificateIndexView.search_queryset
    list_export = [
        "number",
        "holder_name",
        "user.email",
        "course_title",
        "tier_code",
        "cpd_hours",
        "issued_at",
        "valid_until",
        "status_label",
        "revoked_at",
        "revoked_reason",
        "pdf_sha256",
    ]
    export_headings = {"user.email": "Email", "status_label": "Status"}
    export_filename = "certificates"

    @property
    def permission_policy(self):
        return certificate_permission_policy()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("revoke/<int:pk>/", RevokeView.as_view(), name="revoke"),
            path("reinstate/<int:pk>/", ReinstateView.as_view(), name="reinstate"),
            path("reissue/<int:pk>/", ReissueView.as_view(), name="reissue"),
        ]


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet("certificates_certificate", url_prefix="certificates")


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    actions.register_action(services.AUDIT_REVOKE, "Revoke certificate", "Revoked")
    actions.register_action(services.AUDIT_REINSTATE, "Reinstate certificate", "Reinstated")
    actions.register_action(services.AUDIT_REISSUE, "Reissue certificate", "Reissued")
