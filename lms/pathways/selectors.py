"""Which local pathways a person sees.

A person's region is the region at the top of the organisation tree above each unit they work
in today. Their region's own pathways come first; any part the region has left empty falls back
to the default's, so nobody meets a blank. Examples of other nations are listed separately,
always labelled as examples.
"""

from django.db.models import Q
from wagtail.rich_text import expand_db_html

from lms.workforce.models import OrganisationUnit
from lms.workforce.selectors import todays_memberships

from .models import LocalPathways


def region_paths_for(user) -> list[str]:
    """Tree paths of the regions a person works in today (from memberships already read for
    the request, so no query of its own)."""
    if not (user and user.is_authenticated):
        return []
    steplen = OrganisationUnit.steplen
    return sorted({m.unit.path[:steplen] for m in todays_memberships(user)})


def pathways_for(user) -> dict:
    """What the "Local pathways" lesson block shows this person (one query): see
    ``content.selectors.local_pathways_for_user`` for the shape."""
    paths = region_paths_for(user)
    found = list(
        LocalPathways.objects.filter(
            Q(use=LocalPathways.Use.REGION, region__path__in=paths)
            | ~Q(use=LocalPathways.Use.REGION)
        )
        .select_related("region")
        .order_by("name")
    )
    own = sorted(
        (p for p in found if p.use == LocalPathways.Use.REGION),
        key=lambda p: paths.index(p.region.path),
    )
    default = next((p for p in found if p.use == LocalPathways.Use.DEFAULT), None)
    mine = own[0] if own else None
    sections = {}
    for topic in LocalPathways.SECTIONS:
        value = (getattr(mine, topic) if mine else "") or (
            getattr(default, topic) if default else ""
        )
        sections[topic] = expand_db_html(value) if value else ""
    return {
        "name": mine.name if mine else "",
        "sections": sections,
        "examples": [
            {
                "name": p.nation,
                "sections": {
                    topic: expand_db_html(html) for topic, html in p.sections().items() if html
                },
            }
            for p in found
            if p.use == LocalPathways.Use.EXAMPLE
        ],
    }
