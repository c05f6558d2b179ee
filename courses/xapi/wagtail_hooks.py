"""The xAPI outbox page in the Wagtail admin (Settings menu, superusers only)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


@hooks.register("register_admin_urls")
def register_outbox_url():
    return [path("xapi/outbox/", views.OutboxView.as_view(), name="xapi_outbox")]


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def register_outbox_menu_item():
    return SuperuserMenuItem("xAPI outbox", reverse("xapi_outbox"), icon_name="upload", order=660)
