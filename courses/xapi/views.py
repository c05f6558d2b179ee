"""Settings > xAPI outbox (superusers): how many statements wait, were sent or were refused."""

from django.conf import settings
from django.http import Http404
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import selectors


class OutboxView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "xapi/outbox.html"
    page_title = "xAPI outbox"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_superuser):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts=selectors.outbox_counts(),
            endpoint=settings.XAPI_LRS_ENDPOINT,
            **kwargs,
        )
