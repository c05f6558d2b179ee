"""Registers the audit-log actions the reports write (exports, reading a training record)."""

from wagtail import hooks

from .services import AUDIT_EXPORT, AUDIT_VIEW_PERSON


@hooks.register("register_log_actions")
def register_report_log_actions(actions):
    actions.register_action(AUDIT_EXPORT, "Export a report", "Exported a report")
    actions.register_action(
        AUDIT_VIEW_PERSON, "View a training record", "Viewed a training record in reports"
    )
