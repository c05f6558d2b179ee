"""Workshop sessions in the Wagtail admin: trainers schedule, move and cancel them; saving a
change tells the people booked (``services.session_saved``)."""

from django import forms
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from content.models import CoursePage

from . import services
from .models import TIME_ZONES, WorkshopSession
from .permissions import may_see_evaluation_results


class WorkshopSessionForm(WagtailAdminModelForm):
    time_zone = forms.ChoiceField(choices=[(tz, tz) for tz in TIME_ZONES], initial="Europe/London")
    online_link = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="For a live online session: shown only to people with a place.",
    )

    class Meta:
        model = WorkshopSession
        fields = [
            "course",
            "starts_at",
            "ends_at",
            "time_zone",
            "venue_name",
            "venue_address",
            "accessibility_notes",
            "online_link",
            "capacity",
            "booking_deadline",
            "trainers",
            "status",
        ]
        widgets = {"trainers": forms.CheckboxSelectMultiple, "status": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.filter(
            delivery__in=[CoursePage.Delivery.WORKSHOP, CoursePage.Delivery.BLENDED]
        ).order_by("title")
        from django.contrib.auth import get_user_model

        from content.groups import TRAINERS

        self.fields["trainers"].queryset = (
            get_user_model()
            .objects.filter(groups__name=TRAINERS, is_active=True)
            .order_by("display_name")
        )

    def save(self, commit=True):
        adding = self.instance._state.adding
        changed = set(self.changed_data)
        session = super().save(commit=commit)
        if commit and not adding:
            services.session_saved(session=session, changed=changed)
        return session


class WorkshopSessionViewSet(ModelViewSet):
    name = "workshop_sessions"
    model = WorkshopSession
    icon = "date"
    menu_label = "Workshop sessions"
    menu_order = 315
    add_to_admin_menu = True
    list_display = ["course", "starts_at", "venue_name", "capacity", "status"]
    list_filter = ["status", "course"]
    search_fields = ["course__title", "venue_name", "venue_address"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return WorkshopSessionForm


@hooks.register("register_admin_viewset")
def register_workshop_sessions():
    return WorkshopSessionViewSet()


class ResultsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_evaluation_results(request.user)


@hooks.register("register_admin_menu_item")
def register_evaluation_results_menu_item():
    return ResultsMenuItem(
        "Evaluation results", reverse("workshops:results_index"), icon_name="table", order=322
    )


class RegistersMenuItem(MenuItem):
    def is_shown(self, request):
        from lms.workforce.selectors import Role, roles_for

        return Role.TRAINER in roles_for(request.user)


@hooks.register("register_admin_menu_item")
def register_registers_menu_item():
    """Trainers open the sessions they lead, and their registers, from /workshops/."""
    return RegistersMenuItem(
        "Workshop registers", reverse("workshops:index"), icon_name="tick", order=316
    )
