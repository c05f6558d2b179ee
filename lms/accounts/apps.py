from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True  # this module also holds the Wagtail users config
    name = "lms.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import sessions

        user_logged_in.connect(sessions.on_sign_in, dispatch_uid="lms.accounts.sessions")


class WagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our user model (display name, no username)."""

    user_viewset = "lms.accounts.viewsets.UserViewSet"
