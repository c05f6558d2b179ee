"""Registers the audit-log actions accounts write: changes of administrator rights, groups and
active status made in the Wagtail user admin (see ``viewsets``), and single sign-on's joins and
refusals (see ``services``)."""

from wagtail import hooks

from .services import AUDIT_ROLE_CHANGE, AUDIT_SSO_JOINED, AUDIT_SSO_REFUSED


@hooks.register("register_log_actions")
def register_account_log_actions(actions):
    actions.register_action(
        AUDIT_ROLE_CHANGE, "Change administrator rights or groups", "Changed access rights"
    )
    actions.register_action(
        AUDIT_SSO_JOINED,
        "Join an organisation through single sign-on",
        "Joined the organisation by signing in with its account",
    )
    actions.register_action(
        AUDIT_SSO_REFUSED, "Refuse a single sign-on", "Refused a sign-in with this provider"
    )
