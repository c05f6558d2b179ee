"""Markdown in the curriculum files -> Wagtail rich text (its database HTML format).

Only what the lesson editor offers trainers survives: paragraphs, the allowed heading levels,
bulleted and numbered lists, quotations (``>``, e.g. words to say to a parent), bold, italic and
links. Anything else is an error for the writer to
fix, so that what the loader publishes is exactly what a trainer can later edit in the admin.
"""

import re

import markdown
from bs4 import BeautifulSoup, NavigableString

INLINE_TAGS = {"b", "i", "a", "br"}
BLOCK_TAGS = {"p", "ul", "ol", "li", "blockquote"}
RENAMED = {"strong": "b", "em": "i"}
LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:", "/")
UNSUPPORTED_HINTS = {
    "pre": "code blocks (indented text or ```) are not supported; do not indent paragraphs",
    "code": "`code` is not supported",
    "img": "images are not supported in text; add images in the admin with alt text",
    "hr": "horizontal rules (---) are not supported",
    "table": "tables are not supported",
}


class MarkdownError(ValueError):
    """The Markdown uses something the rich text editor does not offer."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def markdown_to_richtext(text: str, *, headings: tuple[int, ...] = (3, 4)) -> str:
    """Convert Markdown to Wagtail rich text HTML, allowing only ``headings`` levels
    (e.g. ``(3, 4)`` for ``###`` and ``####``)."""
    html = markdown.markdown(text.strip(), extensions=["sane_lists"], output_format="html")
    soup = BeautifulSoup(html, "html.parser")
    allowed = INLINE_TAGS | BLOCK_TAGS | {f"h{level}" for level in headings}
    problems: list[str] = []

    for tag in soup.find_all(True):
        tag.name = RENAMED.get(tag.name, tag.name)
        if tag.name not in allowed:
            problems.append(_describe(tag.name, headings))
            continue
        if tag.name == "a":
            href = (tag.get("href") or "").strip()
            if not href.startswith(LINK_SCHEMES):
                problems.append(
                    f'link "{tag.get_text()}" must go to a full https:// address (found "{href}")'
                )
            tag.attrs = {"href": href}
        else:
            tag.attrs = {}

    # Loose lists give <li><p>...</p></li> and quotations <blockquote><p>...</p></blockquote>;
    # the editor keeps list items and quotations as single lines of text.
    for item in soup.find_all(["li", "blockquote"]):
        paragraphs = item.find_all("p", recursive=False)
        if len(paragraphs) > 1:
            what = "list item" if item.name == "li" else "quotation"
            problems.append(
                f'{what} "{item.get_text().strip()[:40]}..." has several paragraphs; keep each '
                f"{what} to one paragraph"
            )
        for paragraph in paragraphs:
            paragraph.unwrap()

    _normalise_whitespace(soup)
    if problems:
        raise MarkdownError(problems)
    return str(soup).strip()


def _describe(name: str, headings: tuple[int, ...]) -> str:
    if re.fullmatch(r"h[1-6]", name):
        allowed = " or ".join("#" * level for level in headings)
        return f"heading level {name[1]} is not allowed here; use {allowed} headings"
    return UNSUPPORTED_HINTS.get(name, f"<{name}> is not supported")


def _normalise_whitespace(soup: BeautifulSoup) -> None:
    """Line breaks inside paragraphs become spaces; whitespace between blocks goes."""
    for node in list(soup.find_all(string=True)):
        if not isinstance(node, NavigableString):
            continue
        parent = node.parent
        between_blocks = parent is soup or parent.name in {"ul", "ol"}
        edge_of_block = parent.name in {"li", "blockquote"} and "\n" in node
        if node.strip() == "" and (between_blocks or edge_of_block):
            node.extract()
            continue
        collapsed = re.sub(r"\s*\n\s*", " ", str(node))
        if collapsed != str(node):
            node.replace_with(NavigableString(collapsed))
    # Trim the inside edges of block elements.
    for block in soup.find_all(["p", "li", "blockquote", "h2", "h3", "h4"]):
        if block.contents and isinstance(block.contents[0], NavigableString):
            first = block.contents[0]
            first.replace_with(NavigableString(str(first).lstrip()))
        if block.contents and isinstance(block.contents[-1], NavigableString):
            last = block.contents[-1]
            last.replace_with(NavigableString(str(last).rstrip()))
