"""Learning records in Wagtail: recording that a learner opened a module, and the admin screens
(enrolment rules; read-only enrolments and completions; competency assessments), grouped under
one "Learning records" menu."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from content.models import ModulePage
from lms.admin_policies import LimitedPermissionPolicy

from . import prior_learning, selectors, services
from .models import CompetencyAssessment, Completion, CourseMapping, Enrolment, EnrolmentRule
from .permissions import may_see_item_analysis

# --- Lesson flow ----------------------------------------------------------------------------


@hooks.register("before_serve_page")
def record_module_opened(page, request, serve_args, serve_kwargs):
    """Opening a module of an active enrolment marks it started and remembers it for 'Resume'
    (opening it again writes nothing)."""
    if not isinstance(page, ModulePage) or request.method != "GET":
        return None
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return None
    enrolment = selectors.module_enrolment_on_request(request, user, page)
    if enrolment is not None and enrolment.status == Enrolment.Status.ACTIVE:
        enrolment.module_progress = services.start_module(
            enrolment=enrolment, module=page, progress=enrolment.module_progress
        )
    return None


# --- Admin ----------------------------------------------------------------------------------


class EnrolmentRuleViewSet(ModelViewSet):
    name = "enrolment_rules"
    model = EnrolmentRule
    icon = "list-ul"
    menu_label = "Enrolment rules"
    form_fields = ["job_role", "course", "due_in_days", "is_active"]
    list_display = ["job_role", "course", "due_in_days", "is_active"]
    list_filter = ["job_role", "is_active"]
    search_fields = ["job_role__name", "course__title"]
    copy_view_enabled = False


class EnrolmentViewSet(ModelViewSet):
    name = "enrolments"
    model = Enrolment
    icon = "user"
    menu_label = "Enrolments"
    form_fields = ["due_on"]
    list_display = ["user", "course", "cycle", "status", "source", "due_on", "created_at"]
    list_filter = ["status", "source", "is_current", "course"]
    search_fields = ["user__email", "user__display_name", "course__title"]
    list_export = [
        "user",
        "course",
        "cycle",
        "status",
        "source",
        "due_on",
        "started_at",
        "completed_at",
        "created_at",
    ]
    inspect_view_enabled = True
    copy_view_enabled = False

    @property
    def permission_policy(self):
        return LimitedPermissionPolicy(self.model)


class CompletionViewSet(ModelViewSet):
    name = "completions"
    model = Completion
    icon = "success"
    menu_label = "Completions"
    form_fields = ["course_title"]
    list_display = ["user", "course_title", "score", "completed_at", "valid_until"]
    list_filter = ["course", "tier_code"]
    search_fields = ["user__email", "user__display_name", "course_title"]
    list_export = [
        "user",
        "course_title",
        "tier_code",
        "score",
        "completed_at",
        "valid_until",
        "course_revision_id",
    ]
    inspect_view_enabled = True
    copy_view_enabled = False

    @property
    def permission_policy(self):
        return LimitedPermissionPolicy(self.model)


class CompetencyAssessmentForm(WagtailAdminModelForm):
    """Records an assessment through the service (which checks the assessor may assess the
    person and recomputes the tiers they hold)."""

    class Meta:
        model = CompetencyAssessment
        fields = ["user", "tier", "competency_area", "status", "evidence", "assessed_on"]
        widgets = {"status": forms.RadioSelect}

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("user")
        if person is not None and self.for_user is not None:
            from .permissions import may_assess

            if not may_assess(self.for_user, person):
                self.add_error(
                    "user", "You can only assess people in teams you manage, not yourself."
                )
        return cleaned

    def save(self, commit=True):
        data = self.cleaned_data
        try:
            self.instance = services.record_assessment(
                assessor=self.for_user,
                user=data["user"],
                tier=data["tier"],
                competency_area=data.get("competency_area"),
                status=data["status"],
                evidence=data["evidence"],
                assessed_on=data.get("assessed_on"),
            )
        except (PermissionDenied, ValidationError) as exc:  # checked in clean(); belt and braces
            raise ValidationError(str(exc)) from exc
        return self.instance


class CompetencyAssessmentViewSet(ModelViewSet):
    name = "competency_assessments"
    model = CompetencyAssessment
    icon = "tick"
    menu_label = "Competency assessments"
    list_display = ["user", "tier", "competency_area", "status", "assessor", "assessed_on"]
    list_filter = ["tier", "status", "competency_area"]
    search_fields = ["user__email", "user__display_name"]
    list_export = ["user", "tier", "competency_area", "status", "assessor", "assessed_on"]
    inspect_view_enabled = True
    copy_view_enabled = False

    @property
    def permission_policy(self):
        return LimitedPermissionPolicy(self.model, {"change", "delete"})

    def get_form_class(self, for_update=False):
        return CompetencyAssessmentForm


class CourseMappingViewSet(ModelViewSet):
    """Courses of previous systems and HR competence names (training history import and the
    competence export)."""

    name = "course_mappings"
    model = CourseMapping
    icon = "link"
    menu_label = "Course mappings"
    form_fields = [
        "organisation",
        "external_code",
        "external_title",
        "course",
        "competence_name",
    ]
    list_display = ["external_code", "external_title", "course", "organisation", "competence_name"]
    list_filter = ["organisation"]
    search_fields = ["external_code", "external_title", "competence_name"]


class LearningRecordsGroup(ViewSetGroup):
    menu_label = "Learning records"
    menu_icon = "doc-full-inverse"
    menu_order = 310
    items = (
        EnrolmentRuleViewSet,
        EnrolmentViewSet,
        CompletionViewSet,
        CompetencyAssessmentViewSet,
        CourseMappingViewSet,
    )


@hooks.register("register_admin_viewset")
def register_learning_records_viewsets():
    return LearningRecordsGroup()


@hooks.register("register_log_actions")
def register_learning_log_actions(actions):
    actions.register_action(
        services.AUDIT_EXPORT_REFLECTIONS, "Export reflections", "Downloaded their reflections"
    )
    actions.register_action(
        prior_learning.AUDIT_RECORD, "Record prior learning", "Recorded training done elsewhere"
    )
    actions.register_action(
        prior_learning.AUDIT_APPROVE, "Recognise prior learning", "Recognised prior learning"
    )
    actions.register_action(
        prior_learning.AUDIT_REJECT, "Reject prior learning", "Did not recognise prior learning"
    )


class ItemAnalysisMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_item_analysis(request.user)


@hooks.register("register_admin_menu_item")
def register_item_analysis_menu_item():
    return ItemAnalysisMenuItem(
        "Item analysis", reverse("courses:item_analysis_index"), icon_name="table", order=320
    )


@hooks.register("register_admin_menu_item")
def register_scorm_results_menu_item():
    return ItemAnalysisMenuItem(
        "E-learning results", reverse("courses:scorm_results"), icon_name="table", order=321
    )
