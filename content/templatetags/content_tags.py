"""Small formatting helpers for course and module pages."""

from decimal import Decimal

from django import template

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
        html = cache.get(cache_key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(cache_key, html, settings.CONTENT_CACHE_SECONDS)
        return html


@register.tag
def shared_fragment(parser, token):
    """``{% shared_fragment key %}...{% endshared_fragment %}``: the enclosed part of a page,
    rendered once and reused for every request with the same ``key`` (which must say everything
    the part depends on: ``content.selectors.lesson_fragment_key``); rendered afresh, and not
    kept, when ``key`` is empty."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("shared_fragment takes one argument: the key")
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(nodelist, parser.compile_filter(bits[1]))
