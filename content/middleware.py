"""The request's page directory and Wagtail site: every page that links to a course or a module
asks Wagtail which site the request is for (otherwise a query), and the selectors behind a page
read the directory once for the whole request."""

from . import directory


class SiteFromDirectoryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with directory.serving(request):
            if not hasattr(request, "_wagtail_site"):
                request._wagtail_site = directory.on_request(request).site_for(request)
            return self.get_response(request)
