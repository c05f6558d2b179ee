"""Local pathways in the Wagtail admin (a snippet per region), and the answer to content's
"which pathways does this person see" hook."""

from django.http import Http404
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as views
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import LocalPathways
from .policies import RegionalPathwaysPolicy


class OwnPathwaysOnly:
    """Another region's pathways (or the default, or an example) answer 404 to a regional
    administrator, whatever the address."""

    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not self.permission_policy.user_has_any_permission_for_instance(
            self.request.user, ["change", "view"], instance
        ):
            raise Http404
        return instance


class EditView(OwnPathwaysOnly, views.EditView):
    pass


class HistoryView(OwnPathwaysOnly, views.HistoryView):
    pass


class UsageView(OwnPathwaysOnly, views.UsageView):
    pass


class InspectView(OwnPathwaysOnly, views.InspectView):
    pass


class LocalPathwaysViewSet(SnippetViewSet):
    model = LocalPathways
    icon = "site"
    menu_label = "Local pathways"
    menu_order = 270
    add_to_admin_menu = True
    list_display = ["name", "use", "region", "nation", "updated_at"]
    list_filter = ["use"]
    ordering = ["use", "name"]
    search_fields = ["name", "nation"]
    edit_view_class = EditView
    history_view_class = HistoryView
    usage_view_class = UsageView
    inspect_view_class = InspectView

    @property
    def permission_policy(self):
        return RegionalPathwaysPolicy(self.model)

    def get_queryset(self, request):
        return self.permission_policy.instances_user_has_any_permission_for(
            request.user, ["change", "view"]
        )


register_snippet(LocalPathwaysViewSet)


@hooks.register("lms_local_pathways_for_user")
def local_pathways_for_user(user):
    from .selectors import pathways_for

    return pathways_for(user)
