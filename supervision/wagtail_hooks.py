"""Supervision in the Wagtail admin: editable targets per tier and a read-only list of
agreements (who, type, format, dates; never terms or session content), under one "Supervision"
menu. Also registers the audit-log actions supervision writes."""

from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from lms.admin_policies import LimitedPermissionPolicy

from .models import SupervisionAgreement, SupervisionTarget
from .services import AUDIT_CORRECTION, AUDIT_EXPORT_LOG, AUDIT_SIGN_OFF, AUDIT_VIEW_RECORD


class SupervisionTargetViewSet(ModelViewSet):
    model = SupervisionTarget
    icon = "time"
    menu_label = "Targets by tier"
    form_fields = ["tier", "hours", "window_months", "max_gap_days"]
    list_display = ["tier", "hours", "window_months", "max_gap_days"]
    copy_view_enabled = False


class SupervisionAgreementViewSet(ModelViewSet):
    model = SupervisionAgreement
    icon = "doc-full"
    menu_label = "Agreements"
    form_fields = ["type"]
    list_display = [
        "__str__",
        "supervisor",
        "type",
        "format",
        "start_date",
        "review_date",
        "ended_on",
    ]
    list_filter = ["type", "format", "ended_on"]
    search_fields = ["supervisor__display_name", "supervisor__email"]
    list_export = ["pk", "supervisor", "type", "format", "start_date", "review_date", "ended_on"]
    copy_view_enabled = False
    inspect_view_enabled = False

    @property
    def permission_policy(self):
        return LimitedPermissionPolicy(self.model)


class SupervisionGroup(ViewSetGroup):
    menu_label = "Supervision"
    menu_icon = "group"
    menu_order = 310
    items = (SupervisionTargetViewSet, SupervisionAgreementViewSet)


@hooks.register("register_admin_viewset")
def register_supervision_viewsets():
    return SupervisionGroup()


@hooks.register("register_log_actions")
def register_supervision_log_actions(actions):
    actions.register_action(
        AUDIT_VIEW_RECORD, "View supervision record", "Viewed a supervision record"
    )
    actions.register_action(
        AUDIT_EXPORT_LOG, "Export supervision log", "Exported their supervision log"
    )
    actions.register_action(AUDIT_SIGN_OFF, "Sign off supervision session", "Signed off")
    actions.register_action(AUDIT_CORRECTION, "Correct supervision record", "Appended a correction")
