"""The request's page directory and Wagtail site: every page that links to a course or a module
asks Wagtail which site the request is for (otherwise a query), and the selectors behind a page
read the directory once for the whole request."""

import logging

from . import directory

logger = logging.getLogger(__name__)


class SiteFromDirectoryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            tree = directory.on_request(request)
        except Exception:  # the database is down: let the page (or /health/ready/) say so
            logger.warning("The page directory could not be read", exc_info=True)
            return self.get_response(request)
        with directory.serving(request):
            if not hasattr(request, "_wagtail_site"):
                request._wagtail_site = tree.site_for(request)
            return self.get_response(request)
