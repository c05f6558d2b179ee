"""The glossary in the Wagtail admin, beside the framework taxonomy."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import GlossaryTerm


class GlossaryTermViewSet(SnippetViewSet):
    model = GlossaryTerm
    icon = "openquote"
    menu_label = "Glossary"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["term", "slug", "plain_definition"]
    ordering = ["term"]
    search_fields = ["term", "other_forms", "practitioner_definition", "plain_definition"]


register_snippet(GlossaryTermViewSet)
