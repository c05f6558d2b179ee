"""Local pathways in the Wagtail admin (a snippet per region), and the answer to content's
"which pathways does this person see" hook."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import LocalPathways


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


register_snippet(LocalPathwaysViewSet)


@hooks.register("lms_local_pathways_for_user")
def local_pathways_for_user(user):
    from .selectors import pathways_for

    return pathways_for(user)
