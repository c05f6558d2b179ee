"""Template tags for lessons: link the first uses of glossary terms in a lesson's text (text
blocks, case scenarios, key points, state and cue cards), and list the terms a lesson linked."""

from django import template
from django.utils.safestring import mark_safe

from lms.request_memo import per_request

from ..linking import link_terms, prepare
from ..selectors import linkable_terms

register = template.Library()


def _seen(context) -> dict:
    """The terms linked so far in this lesson: kept on the request for the page being rendered,
    so that each term is linked once however many blocks use it."""
    page = context.get("page")
    key = ("glossary_seen", getattr(page, "pk", None))
    request = context.get("request")
    if request is None:
        return context.render_context.setdefault(key, {})
    return per_request(request, key, dict)


@register.simple_tag(takes_context=True)
def glossary_linked(context, value):
    """``value`` (HTML: rich text, or plain text passed through ``escape`` or ``linebreaksbr``)
    with the lesson's first uses of glossary terms linked. The terms are read once a page."""
    html = value.__html__() if hasattr(value, "__html__") else str(value)
    request = context.get("request")
    terms = per_request(
        request,
        "glossary_terms",
        lambda: prepare(per_request(request, "glossary_refs", linkable_terms)),
    )
    return mark_safe(link_terms(html, seen=_seen(context), terms=terms))  # noqa: S308 (escaped by the linker)


@register.inclusion_tag("glossary/lesson_terms.html", takes_context=True)
def glossary_lesson_terms(context):
    """The terms this lesson linked, in the order first used, with their plain-words
    definitions (render after the lesson's blocks)."""
    return {"terms": list(_seen(context).values())}
