"""Small formatting helpers for course and module pages."""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django import template
from django.template.base import token_kwargs

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """75 -> "1 hour 15 minutes"; 30 -> "30 minutes"."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


@register.filter
def hours(value) -> str:
    """Decimal("1.50") -> "1.5"; Decimal("2.00") -> "2"."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    text = format(number, "f")
    return text


@register.filter
def months(value) -> str:
    """36 -> "3 years"; 18 -> "18 months"; 12 -> "1 year"."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return ""
    if value % 12 == 0:
        years = value // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{value} month{'s' if value != 1 else ''}"


# --- Shared fragments with personal parts ------------------------------------------------------
#
# ``{% shared_fragment key %}`` keeps the rendering of a part of a page that is the same for
# everyone (a lesson's body, its navigation) and reuses it for every request with the same key.
# The parts about the person looking (their progress panel, their own reflection answers) are
# ``{% personal_include %}``s inside it: while the shared part is rendered for the cache each
# leaves a marker and what it needs (its template and a few plain values); on every request the
# shared HTML is read from the cache and only those templates are rendered, for this request.

HOLES = "_shared_fragment_holes"
PLAIN = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Hole:
    template: str
    values: tuple  # ((name, value), ...), plain values only


def _render_hole(hole: Hole, context) -> str:
    from django.template.loader import get_template

    template = get_template(hole.template).template
    with context.push(**dict(hole.values)):
        return template.render(context)


class SharedFragmentNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist = nodelist
        self.key = key

    def render(self, context):
        from django.conf import settings
        from django.core.cache import cache

        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        cache_key = f"content:fragment:{key}"
        kept = cache.get(cache_key)
        if kept is None:
            kept = self._render_shared(context)
            cache.set(cache_key, kept, settings.CONTENT_CACHE_SECONDS)
        parts, holes = kept
        out = [parts[0]]
        for hole, after in zip(holes, parts[1:], strict=True):
            out.append(_render_hole(hole, context))
            out.append(after)
        return "".join(out)

    def _render_shared(self, context) -> tuple[list[str], list[Hole]]:
        """The shared HTML split at the personal parts, and those parts (to render per request)."""
        marker = f"<!--personal-{secrets.token_hex(8)}-->"
        holes: list[Hole] = []
        with context.push(**{HOLES: (marker, holes)}):
            html = self.nodelist.render(context)
        parts = html.split(marker)
        if len(parts) != len(holes) + 1:  # a personal part left out (e.g. in a comment)
            raise template.TemplateSyntaxError("personal_include marker lost in shared_fragment")
        return parts, holes


@register.tag
def shared_fragment(parser, token):
    """``{% shared_fragment key %}...{% endshared_fragment %}``: the enclosed part of a page,
    rendered once and reused for every request with the same ``key`` (which must say everything
    the shared part depends on: ``content.selectors.lesson_fragment_key``), except its
    ``{% personal_include %}``s, rendered for each request; rendered afresh, and not kept, when
    ``key`` is empty."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("shared_fragment takes one argument: the key")
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(nodelist, parser.compile_filter(bits[1]))


class PersonalIncludeNode(template.Node):
    def __init__(self, template_name, values):
        self.template_name = template_name
        self.values = values

    def render(self, context):
        values = tuple((name, value.resolve(context)) for name, value in self.values.items())
        for name, value in values:
            if not isinstance(value, PLAIN):
                raise template.TemplateSyntaxError(
                    f"personal_include: {name} must be plain text or a number, "
                    f"not {type(value).__name__}"
                )
        hole = Hole(self.template_name, values)
        shared = context.get(HOLES)
        if shared is None:  # not inside a shared fragment being kept: render it here
            return _render_hole(hole, context)
        marker, holes = shared
        holes.append(hole)
        return marker


@register.tag
def personal_include(parser, token):
    """``{% personal_include "template.html" name=value ... %}``: a part about the person looking
    (their progress, their own answers), rendered for every request even inside a
    ``{% shared_fragment %}``, with the request's context and ``name=value`` (plain values, read
    when the shared part is rendered: e.g. the id and prompt of the block it belongs to)."""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("personal_include takes a quoted template name")
    values = token_kwargs(bits[2:], parser, support_legacy=False)
    if len(values) != len(bits) - 2:
        raise template.TemplateSyntaxError("personal_include takes name=value arguments only")
    return PersonalIncludeNode(bits[1][1:-1], values)
