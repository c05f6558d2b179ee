"""Linking the first use of each glossary term in a lesson to its definition.

Done when the lesson is rendered, on the HTML of its text blocks, case scenarios, key points and
state and cue cards (never in headings or in a scenario's hidden commentary, where a first use
would not be seen): authors write plain text and
a term added to the glossary is linked in every lesson at once. Only text outside links,
headings and code is linked, and only the first use of each term in the whole lesson (the
caller keeps the terms already linked in ``seen`` across blocks).

The link is an ordinary link to the term's entry on the glossary page: it works with a
keyboard, and its text ("attunement, in the glossary") tells a screen-reader user where it
goes before they follow it.
"""

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from django.urls import reverse

from .selectors import TermRef, linkable_terms, term_pattern

# Text inside these is never linked (a link in a link is invalid; headings stay clean).
SKIPPED_ELEMENTS = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "button", "summary"}
VOID_ELEMENTS = {"br", "hr", "img", "input", "meta", "link", "wbr", "source", "embed", "col"}


@dataclass(frozen=True)
class Terms:
    """What linking needs, worked out once for a page however many blocks it links."""

    pattern: re.Pattern | None
    by_form: dict[str, TermRef]
    glossary_url: str


def prepare(refs=None) -> Terms:
    refs = linkable_terms() if refs is None else refs
    pattern, by_form = term_pattern(tuple(refs))
    return Terms(pattern=pattern, by_form=by_form, glossary_url=reverse("glossary:index"))


def link_terms(
    html: str, *, seen: dict[str, TermRef], refs=None, terms: Terms | None = None
) -> str:
    """``html`` with the first use of each term not in ``seen`` linked; adds what it links to
    ``seen`` (slug -> term, in the order first used). ``terms`` (from ``prepare``) saves
    working out the expression and the glossary's address again for each block of a page."""
    terms = prepare(refs) if terms is None else terms
    if terms.pattern is None or not html:
        return html
    linker = _Linker(terms.pattern, terms.by_form, seen, terms.glossary_url)
    linker.feed(html)
    linker.close()
    return "".join(linker.out)


class _Linker(HTMLParser):
    def __init__(self, pattern, by_form, seen, glossary_url):
        super().__init__(convert_charrefs=True)
        self.pattern = pattern
        self.by_form = by_form
        self.seen = seen
        self.glossary_url = glossary_url
        self.out: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag not in VOID_ELEMENTS:
            self.out.append(f"</{tag}>")
        if tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass

    def handle_data(self, data):
        if self.skipping:
            self.out.append(escape(data, quote=False))
            return
        position = 0
        for match in self.pattern.finditer(data):
            self.out.append(escape(data[position : match.start()], quote=False))
            self.out.append(self._link(match))
            position = match.end()
        self.out.append(escape(data[position:], quote=False))

    def _link(self, match) -> str:
        text = match.group(0)
        ref = self.by_form.get(text.casefold())
        if ref is None or ref.slug in self.seen:
            return escape(text, quote=False)
        self.seen[ref.slug] = ref
        return (
            f'<a class="glossary-term" href="{self.glossary_url}#{ref.slug}">'
            f'{escape(text, quote=False)}<span class="visually-hidden">, in the glossary</span></a>'
        )

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_entityref(self, name):  # only with convert_charrefs=False
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")
