"""Naming an agreement from where the reader stands: the supervisor sees it named after their
supervisees, a supervisee after their supervisor (nobody reads "supervision with" themselves)."""

from django import template

register = template.Library()


@register.simple_tag
def with_whom(agreement, user) -> str:
    """The other side of ``agreement`` for ``user``: the supervisees' names for its supervisor,
    the supervisor's name for anyone else."""
    if user is not None and agreement.supervisor_id == getattr(user, "pk", None):
        names = [str(p.supervisee) for p in agreement.parties.all()]
        return ", ".join(names) or "no supervisee yet"
    return str(agreement.supervisor)
