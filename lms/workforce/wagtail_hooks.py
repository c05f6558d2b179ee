"""Workforce in the Wagtail admin: organisation tree, job roles, memberships, invitations and
organisation administrators, grouped under one "Workforce" menu."""

from django import forms
from django.core.exceptions import ValidationError
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from lms.admin_policies import LimitedPermissionPolicy

from . import services
from .models import (
    Administrator,
    ColumnMapping,
    Invitation,
    JobRole,
    Membership,
    OrganisationUnit,
)


class OrganisationUnitForm(WagtailAdminModelForm):
    parent = forms.ModelChoiceField(
        queryset=OrganisationUnit.objects.all(),
        required=False,
        help_text="Regions have no parent; an organisation sits in a region; a team in an "
        "organisation.",
    )

    class Meta:
        model = OrganisationUnit
        fields = ["name", "code", "kind", "sector", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            self.fields["parent"].queryset = OrganisationUnit.objects.exclude(
                path__startswith=self.instance.path
            )

    def clean(self):
        cleaned = super().clean()
        kind, parent = cleaned.get("kind"), cleaned.get("parent")
        if kind:
            try:
                services._check_parent(kind, parent)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def save(self, commit=True):
        data = {f: self.cleaned_data[f] for f in self.Meta.fields}
        parent = self.cleaned_data.get("parent")
        if self.instance.pk:
            self.instance = services.unit_update(unit=self.instance, parent=parent, **data)
        else:
            self.instance = services.unit_create(parent=parent, **data)
        return self.instance


class OrganisationUnitViewSet(ModelViewSet):
    model = OrganisationUnit
    icon = "site"
    menu_label = "Organisation tree"
    add_to_admin_menu = False
    list_display = [
        Column("label", label="Unit", accessor="label"),
        "kind",
        "code",
        "sector",
        "is_active",
    ]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    list_export = ["name", "code", "kind", "sector", "depth", "is_active"]
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return OrganisationUnitForm


class JobRoleViewSet(ModelViewSet):
    model = JobRole
    icon = "user"
    menu_label = "Job roles"
    form_fields = ["name", "code", "required_tier", "description", "is_active"]
    list_display = ["name", "code", "required_tier", "is_active"]
    list_filter = ["required_tier", "is_active"]
    search_fields = ["name", "code"]
    list_export = ["name", "code", "required_tier", "is_active"]


class MembershipForm(WagtailAdminModelForm):
    """Starts and ends memberships through the services, so that required courses are assigned,
    coverage is refreshed and the role change is in the audit log under the administrator's
    name. Other corrections are saved as they are and logged with the fields they changed."""

    class Meta:
        model = Membership
        fields = ["user", "unit", "job_role", "is_manager", "start_date", "end_date"]

    def save(self, commit=True):
        data, by = self.cleaned_data, self.for_user
        if self.instance.pk is None:
            membership, _ = services.membership_start(
                user=data["user"],
                unit=data["unit"],
                job_role=data["job_role"],
                is_manager=data["is_manager"],
                start_date=data["start_date"],
                by=by,
            )
            if data.get("end_date"):
                services.membership_end(membership=membership, end_date=data["end_date"], by=by)
            self.instance = membership
            return membership
        # Fields whose value really changed (``changed_data`` also lists dates that were only
        # written differently).
        changes = {
            name: (self.initial.get(name), data.get(name))
            for name in self.changed_data
            if getattr(data.get(name), "pk", data.get(name)) != self.initial.get(name)
        }
        if "end_date" in changes and data.get("end_date") and not self.initial.get("end_date"):
            services.membership_end(membership=self.instance, end_date=data["end_date"], by=by)
            del changes["end_date"]
        if changes:
            services.membership_correct(membership=self.instance, changes=changes, by=by)
        return self.instance


class MembershipViewSet(ModelViewSet):
    model = Membership
    icon = "group"
    menu_label = "Memberships"
    form_fields = ["user", "unit", "job_role", "is_manager", "start_date", "end_date"]
    list_display = ["user", "unit", "job_role", "is_manager", "start_date", "end_date"]
    list_filter = ["is_manager", "job_role", "unit__kind", "end_date"]
    search_fields = ["user__email", "user__display_name", "unit__name"]
    list_export = ["user", "unit", "job_role", "is_manager", "start_date", "end_date"]
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return MembershipForm


class InvitationViewSet(ModelViewSet):
    model = Invitation
    icon = "mail"
    menu_label = "Invitations"
    form_fields = ["email"]
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["email", "unit", "job_role", "status", "created_at", "expires_at"]
    list_filter = ["unit__kind", "job_role"]
    search_fields = ["email"]
    inspect_view_fields = [
        "email",
        "display_name",
        "unit",
        "job_role",
        "is_manager",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]

    @property
    def permission_policy(self):
        # Invitations are written only by the services (invite, resend, withdraw, accept).
        return LimitedPermissionPolicy(self.model)


class ColumnMappingViewSet(ModelViewSet):
    """How each organisation's HR extract names its columns (staff import). The model's
    ``clean`` says what is missing or unknown."""

    model = ColumnMapping
    icon = "table"
    menu_label = "Staff file column mappings"
    form_fields = ["organisation", "name", "columns", "job_titles", "departments"]
    list_display = ["name", "organisation", "updated_at"]
    list_filter = ["organisation"]
    search_fields = ["name"]


class AdministratorForm(WagtailAdminModelForm):
    """Grants (on add) and ends (on edit, "End these rights") through the services, so that the
    change takes effect at once and is in the audit log under the site administrator's name."""

    end_rights = forms.BooleanField(
        required=False,
        label="End these rights",
        help_text="They stop administering this unit now; the record is kept.",
    )

    class Meta:
        model = Administrator
        fields = ["user", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrganisationUnit.objects.exclude(
            kind=OrganisationUnit.Kind.TEAM
        )
        if self.instance.pk:
            for name in ("user", "unit"):
                self.fields[name].disabled = True
            if self.instance.ended_at:
                self.fields["end_rights"].disabled = True
                self.fields["end_rights"].initial = True
        else:
            del self.fields["end_rights"]

    def save(self, commit=True):
        if self.instance.pk is None:
            self.instance, _ = services.administrator_grant(
                user=self.cleaned_data["user"], unit=self.cleaned_data["unit"], by=self.for_user
            )
        elif self.cleaned_data.get("end_rights") and self.instance.ended_at is None:
            services.administrator_end(grant=self.instance, by=self.for_user)
        return self.instance


class AdministratorViewSet(ModelViewSet):
    """Who administers which organisation or region. Granted and ended, never deleted."""

    model = Administrator
    icon = "key"
    menu_label = "Organisation administrators"
    url_namespace = "administrator"
    url_prefix = "workforce/administrators"
    list_display = ["user", "unit", "granted_by", "granted_at", "ended_at"]
    list_filter = ["unit__kind", "ended_at"]
    search_fields = ["user__email", "user__display_name", "unit__name"]
    list_export = ["user", "unit", "granted_by", "granted_at", "ended_at"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return AdministratorForm

    @property
    def permission_policy(self):
        return LimitedPermissionPolicy(self.model, denied={"delete"})


class WorkforceGroup(ViewSetGroup):
    menu_label = "Workforce"
    menu_icon = "group"
    menu_order = 300
    items = (
        OrganisationUnitViewSet,
        JobRoleViewSet,
        MembershipViewSet,
        InvitationViewSet,
        ColumnMappingViewSet,
        AdministratorViewSet,
    )


@hooks.register("register_admin_viewset")
def register_workforce_viewsets():
    return WorkforceGroup()


@hooks.register("lms_required_tier_for_user")
def required_tier_for_user(user):
    """Lets ``content`` (which knows nothing of the workforce) filter the catalogue by "required
    for my role": the highest tier the person's current roles require, or None."""
    from .selectors import required_tier_for

    return required_tier_for(user) if user.is_authenticated else None


@hooks.register("register_log_actions")
def register_workforce_log_actions(actions):
    actions.register_action(
        services.AUDIT_MEMBERSHIP_START, "Start a membership", "Started in a unit and role"
    )
    actions.register_action(services.AUDIT_MEMBERSHIP_END, "End a membership", "Ended a membership")
    actions.register_action(
        services.AUDIT_MEMBERSHIP_MOVE,
        "Move to another unit or role",
        "Moved to another unit or role",
    )
    actions.register_action(
        services.AUDIT_MANAGER_GRANTED, "Grant manager rights", "Granted manager rights"
    )
    actions.register_action(
        services.AUDIT_MEMBERSHIP_CORRECT, "Correct a membership", "Corrected a membership"
    )
    actions.register_action(
        services.AUDIT_ADMINISTRATOR_GRANT, "Grant administrator rights", "Made administrator"
    )
    actions.register_action(
        services.AUDIT_ADMINISTRATOR_END, "End administrator rights", "Ended administrator rights"
    )
    actions.register_action(services.AUDIT_TEAM_CREATE, "Add a team", "Added a team")
    actions.register_action(services.AUDIT_TEAM_CHANGE, "Change a team", "Changed a team")
