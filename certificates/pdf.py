"""PDF rendering with WeasyPrint: identical output on every machine, nothing from the network.

- Fonts are bundled (``static/certificates/fonts/``) and declared with ``@font-face`` in the
  stylesheets, so no system font is ever chosen.
- The URL fetcher lets WeasyPrint read only ``data:`` URIs, the bundled static files and files
  under ``MEDIA_ROOT`` (the logo and signature images); everything else is refused.
- The font configuration, the parsed stylesheets and the fetcher are created once per process
  and reused (see /work/shared/RECIPES.md): a warm certificate renders in about 25 ms instead of
  about 300 ms.
- Renders are serialised by a lock: Pango and the shared font configuration are not
  thread-safe, and a process renders one document at a time anyway (Celery prefork).
- WeasyPrint (and Pango through it) is imported on the first render, not with this module: a
  web worker that never renders a PDF does not carry it (about 22 MB of memory per process).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "certificates"
STYLESHEETS = {
    "certificate": STATIC_DIR / "pdf" / "certificate.css",
    "training_record": STATIC_DIR / "pdf" / "training_record.css",
}
MINIMAL_UA = STATIC_DIR / "pdf" / "ua.css"

_render_lock = threading.Lock()


class ResourceRefused(ValueError):
    """WeasyPrint asked for something outside the allowed places."""


def allowed_roots() -> list[Path]:
    return [STATIC_DIR, Path(settings.MEDIA_ROOT).resolve()]


@cache
def _weasyprint_classes():
    """The two WeasyPrint subclasses, defined on first use (see the module's docstring)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class RestrictedURLFetcher(URLFetcher):
        """Serves ``data:`` URIs and local files under :func:`allowed_roots`; refuses the rest
        (http, https, ftp, other files), so a template or an uploaded SVG cannot make the
        renderer reach the network or read arbitrary files."""

        def __init__(self):
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)

        def fetch(self, url, headers=None):
            check_allowed(url)
            return super().fetch(url, headers)

    class MinimalUserAgentHTML(HTML):
        """An HTML document styled with a minimal user-agent stylesheet instead of WeasyPrint's
        full one, for templates whose own stylesheet sets everything (the certificate). Should a
        future WeasyPrint stop calling this hook, its full stylesheet applies: same output, a
        little slower."""

        def _ua_stylesheets(self, forms=False):
            return [minimal_ua_stylesheet()]

    return RestrictedURLFetcher, MinimalUserAgentHTML, HTML


def check_allowed(url: str) -> None:
    """Raise :class:`ResourceRefused` unless ``url`` may be loaded while rendering."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return
    if scheme == "file":
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"Refused to load {url!r}: remote file URL.")
        path = Path(url2pathname(parts.path)).resolve()
        if any(path.is_relative_to(root) for root in allowed_roots()):
            return
        raise ResourceRefused(f"Refused to load {url!r}: outside the allowed folders.")
    logger.warning("Certificate rendering refused %s", url[:200])
    raise ResourceRefused(f"Refused to load {url[:200]!r}: only bundled files are allowed.")


@lru_cache(maxsize=1)
def url_fetcher():
    # Reused: WeasyPrint's default fetcher builds an SSL context for every document (~50 ms).
    return _weasyprint_classes()[0]()


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def stylesheet(name: str) -> CSS:
    # Parsing the stylesheet registers the bundled @font-face fonts with the shared
    # configuration, once per process.
    from weasyprint import CSS

    return CSS(
        filename=str(STYLESHEETS[name]), font_config=font_config(), url_fetcher=url_fetcher()
    )


@lru_cache(maxsize=1)
def minimal_ua_stylesheet() -> CSS:
    from weasyprint import CSS

    return CSS(filename=str(MINIMAL_UA), font_config=font_config(), url_fetcher=url_fetcher())


def render(html: str, *, stylesheet_name: str, minimal_ua: bool = False) -> bytes:
    """Render an HTML string to PDF bytes with one of the bundled stylesheets. Relative URLs in
    the HTML resolve against the certificates static folder."""
    _, minimal_html, html_class = _weasyprint_classes()
    document_class = minimal_html if minimal_ua else html_class
    with _render_lock:
        document = document_class(
            string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=url_fetcher()
        )
        return document.write_pdf(
            stylesheets=[stylesheet(stylesheet_name)], font_config=font_config()
        )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
