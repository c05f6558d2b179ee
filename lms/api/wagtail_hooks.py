"""Registers the audit-log actions of the reporting API (tokens made, revoked and used)."""

from wagtail import hooks

from .services import AUDIT_CREATE, AUDIT_REVOKE, AUDIT_USE


@hooks.register("register_log_actions")
def register_api_log_actions(actions):
    actions.register_action(AUDIT_CREATE, "Make an API token", "Made an API token")
    actions.register_action(AUDIT_REVOKE, "Revoke an API token", "Revoked an API token")
    actions.register_action(AUDIT_USE, "Use an API token", "Read the reporting API")
