"""Reads of the glossary: every term for the glossary page, and the terms lessons link to.

Lessons ask on every render, so the terms they need are kept in the cache (shared by every
process) until a term changes.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from .models import GlossaryTerm

CACHE_KEY = "glossary:terms:v1"
CACHE_SECONDS = 60 * 60 * 24


@dataclass(frozen=True)
class TermRef:
    """What a lesson needs to link a term: its name, its anchor and how it reads in text."""

    term: str
    slug: str
    forms: tuple[str, ...]
    plain_definition: str


def glossary_terms() -> QuerySet[GlossaryTerm]:
    """Every term A to Z, with its related terms loaded (two queries)."""
    return GlossaryTerm.objects.order_by("term").prefetch_related("related_terms")


def linkable_terms() -> tuple[TermRef, ...]:
    """Every term as lessons link it, from the cache (no query when it is warm)."""
    refs = cache.get(CACHE_KEY)
    if refs is None:
        refs = tuple(
            TermRef(
                term=t.term,
                slug=t.slug,
                forms=tuple(t.forms),
                plain_definition=t.plain_definition,
            )
            for t in GlossaryTerm.objects.order_by("term")
        )
        cache.set(CACHE_KEY, refs, CACHE_SECONDS)
    return refs


def forget_terms(*args, **kwargs) -> None:
    """Drop the cached terms now and again after the commit (so that a request reading them
    between the change and the commit does not keep the old ones)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


@lru_cache(maxsize=8)
def term_pattern(refs: tuple[TermRef, ...]) -> tuple[re.Pattern | None, dict[str, TermRef]]:
    """One expression matching any form of any term as a whole word (longest forms first, so
    that "reflective supervision" wins over "supervision"), and which term each form is.

    Kept per set of terms: a pure function of its argument, so no process holds anything that
    another could see differently."""
    by_form: dict[str, TermRef] = {}
    for ref in refs:
        for form in ref.forms:
            by_form.setdefault(form.casefold(), ref)
    if not by_form:
        return None, by_form
    alternatives = sorted(by_form, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(form) for form in alternatives) + r")(?![\w-])",
        re.IGNORECASE,
    )
    return pattern, by_form
