"""Template context for every page: the site name and the navigation for this user."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from lms.navigation import may_open_admin, navigation_for


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "nav_items": SimpleLazyObject(lambda: navigation_for(request)),
        "may_open_admin": SimpleLazyObject(lambda: may_open_admin(request)),
    }
