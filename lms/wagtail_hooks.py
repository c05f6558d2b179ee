"""Data protection in the Wagtail admin: "Erase a person" (Settings menu, a button on each
user's edit page and in the users list; superusers only) and the audit-log actions of
``lms.privacy``."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets.button import Button

from lms import privacy, privacy_views


@hooks.register("register_admin_urls")
def register_privacy_urls():
    return [
        path("privacy/erase/", privacy_views.EraseFindView.as_view(), name="privacy_erase_find"),
        path("privacy/erase/<int:pk>/", privacy_views.EraseView.as_view(), name="privacy_erase"),
    ]


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def register_erase_menu_item():
    return SuperuserMenuItem(
        "Erase a person", reverse("privacy_erase_find"), icon_name="bin", order=650
    )


@hooks.register("register_user_listing_buttons")
def user_listing_erase_button(user, request_user):
    """ "Erase this person" in the users list, for a superuser, of someone else, once (the
    user's edit page has the same button: lms.accounts.viewsets)."""
    if not request_user.is_superuser or user.pk == request_user.pk or user.erased_at:
        return []
    return [
        Button(
            "Erase this person",
            url=reverse("privacy_erase", args=[user.pk]),
            icon_name="bin",
            priority=100,
        )
    ]


@hooks.register("register_log_actions")
def register_privacy_log_actions(actions):
    actions.register_action(
        privacy.AUDIT_EXPORT, "Download personal data", "Downloaded their personal data"
    )
    actions.register_action(privacy.AUDIT_ERASE, "Erase a person", "Erased a person's data")


@hooks.register("construct_homepage_panels")
def add_awaiting_review_panel(request, panels):
    """Reviewers see what awaits them first, with visible Approve and Request changes."""
    from content.review import add_review_panel

    add_review_panel(request, panels)
