"""Registers the audit-log action accounts write (changes of administrator rights, groups and
active status made in the Wagtail user admin: see ``viewsets``)."""

from wagtail import hooks

from .services import AUDIT_ROLE_CHANGE


@hooks.register("register_log_actions")
def register_account_log_actions(actions):
    actions.register_action(
        AUDIT_ROLE_CHANGE, "Change administrator rights or groups", "Changed access rights"
    )
