"""Content in the Wagtail admin: the framework taxonomy (tiers and competency areas) under one
"Framework" menu."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import CompetencyArea, Tier


class TierViewSet(SnippetViewSet):
    model = Tier
    icon = "list-ol"
    menu_label = "Tiers"
    list_display = ["code", "name", "order", "refresher_months"]
    ordering = ["order"]
    search_fields = ["name", "code"]


class CompetencyAreaViewSet(SnippetViewSet):
    model = CompetencyArea
    icon = "tag"
    menu_label = "Competency areas"
    list_display = ["name", "key", "order"]
    ordering = ["order", "name"]
    search_fields = ["name", "description"]


class FrameworkGroup(SnippetViewSetGroup):
    menu_label = "Framework"
    menu_icon = "folder-open-inverse"
    menu_order = 250
    items = (TierViewSet, CompetencyAreaViewSet)


register_snippet(FrameworkGroup)
