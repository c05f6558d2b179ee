"""Template context for every page: the site name and the navigation for this user."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from lms.navigation import navigation_for


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "nav_items": SimpleLazyObject(lambda: navigation_for(request)),
    }
