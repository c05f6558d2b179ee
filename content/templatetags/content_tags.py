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
