"""The glossary page: every term, A to Z, for practitioners and in plain words."""

from itertools import groupby

from django.template.response import TemplateResponse

from .selectors import glossary_terms


def index(request):
    terms = list(glossary_terms())
    letters = [
        (letter, list(group))
        for letter, group in groupby(terms, key=lambda term: term.term[:1].upper())
    ]
    return TemplateResponse(request, "glossary/index.html", {"letters": letters, "terms": terms})
