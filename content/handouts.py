"""Printable handouts for parents, generated from the content: the project's diagrams with
their plain-words text, the glossary's plain-words definitions and the reader's local helplines.

A handout is rendered to PDF with WeasyPrint from a template with its own stylesheet and no
outside resources (the fetcher refuses every URL), and kept in the cache under a fingerprint of
its HTML: a change to a glossary term or to the pathways makes a new PDF, an unchanged handout
is not rendered again.
"""

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.template.loader import render_to_string

from .diagrams import DIAGRAMS
from .selectors import local_pathways_for_user

CACHE_SECONDS = 60 * 60 * 24
_render_lock = threading.Lock()  # Pango and a shared font configuration are not thread-safe


@dataclass(frozen=True)
class Handout:
    slug: str
    title: str
    intro: str
    diagrams: tuple[str, ...]
    glossary_slugs: tuple[str, ...]
    pathway_topics: tuple[str, ...]
    link_text: str = ""  # how a lesson offers it: "Print a leaflet for parents: <link_text>"


HANDOUTS = {
    "states-and-cues": Handout(
        slug="states-and-cues",
        title="Getting to know your baby: states and cues",
        intro="Babies tell us what they need long before they can talk. This leaflet shows the "
        "six states your baby moves through in a day and the signs, or cues, they use to say "
        '"let\'s play" or "I need a break". Every baby is different: watching yours is the '
        "best guide.",
        diagrams=("infant_states", "cue_types"),
        glossary_slugs=(
            "quiet-alert",
            "infant-cues",
            "co-regulation",
            "responsive-feeding",
            "rupture-and-repair",
        ),
        pathway_topics=("helplines",),
        link_text="states and cues in plain words",
    ),
    "crying-and-comfort": Handout(
        slug="crying-and-comfort",
        title="When your baby cries: comfort, coping and keeping your baby safe",
        intro="All babies cry, and some cry a lot. Crying is how your baby tells you they need "
        "something, and it can be hard to listen to, especially when you are tired. This leaflet "
        "gives you a plan to use when your baby cries, and to share with everyone who looks "
        "after them.",
        diagrams=("comfort_plan",),
        glossary_slugs=("infant-cues", "co-regulation", "skin-to-skin", "rupture-and-repair"),
        pathway_topics=("helplines",),
        link_text="crying, comfort and coping in plain words",
    ),
}


def handout_html(handout: Handout, *, user=None) -> str:
    from content.glossary.models import GlossaryTerm

    terms = {t.slug: t for t in GlossaryTerm.objects.filter(slug__in=handout.glossary_slugs)}
    pathways = local_pathways_for_user(user)
    sections = pathways.get("sections", {})
    return render_to_string(
        "content/handouts/handout.html",
        {
            "handout": handout,
            "diagrams": [
                (DIAGRAMS[key], DIAGRAMS[key].svg(f"handout-{key}")) for key in handout.diagrams
            ],
            "terms": [terms[slug] for slug in handout.glossary_slugs if slug in terms],
            "help": [sections[topic] for topic in handout.pathway_topics if sections.get(topic)],
        },
    )


def handout_pdf(handout: Handout, *, user=None) -> bytes:
    """The handout as PDF bytes (from the cache when its HTML has not changed)."""
    html = handout_html(handout, user=user)
    key = "handout:" + hashlib.sha256(html.encode()).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(html)
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf


def _refuse(url, *args, **kwargs):
    raise ValueError(f"Handouts load nothing from outside: refused {url[:100]!r}")


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    with _render_lock:
        return HTML(string=html, url_fetcher=_refuse).write_pdf(font_config=_font_config())
