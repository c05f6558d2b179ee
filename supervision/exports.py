"""A supervisee's supervision log as CSV and PDF: evidence for endorsement or revalidation.

The log lists sessions (date, length, format, type, supervisor, sign-off) and themes, never
case references, discussion or reflections: it is meant to be handed to someone else.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from lms.exports import Export, csv_response

from . import selectors
from .models import SupervisionSession

COLUMNS = [
    "Date",
    "Duration (minutes)",
    "Hours",
    "Type",
    "Format",
    "Supervisor",
    "Status",
    "Signed off on",
    "Counts toward target",
    "Themes",
]


def log_rows(user):
    """One dict per session the person attended, newest first (a constant number of queries)."""
    sessions = (
        SupervisionSession.objects.filter(attendances__supervisee=user)
        .select_related("agreement__supervisor")
        .prefetch_related("themes")
        .order_by("-date", "-pk")
    )
    for s in sessions:
        themes = [t.name for t in s.themes.all()]
        if s.theme_wellbeing:
            themes.append("Practitioner wellbeing")
        yield {
            "date": s.date,
            "minutes": s.duration_minutes,
            "hours": s.hours,
            "type": s.agreement.get_type_display(),
            "format": "Peer" if s.format == "peer" else s.get_format_display(),
            "supervisor": str(s.agreement.supervisor),
            "status": s.get_status_display(),
            "signed_off_on": timezone.localtime(s.signed_off_at).date()
            if s.signed_off_at
            else None,
            "counts": s.is_countable,
            "themes": themes,
        }


def _filename(user, ext: str) -> str:
    return f"supervision-log-{timezone.localdate().isoformat()}.{ext}"


def log_csv_response(user):
    """The log as a CSV file (cells neutralised against formula injection by ``lms.exports``)."""
    rows = (
        [
            row["date"],
            row["minutes"],
            row["hours"],
            row["type"],
            row["format"],
            row["supervisor"],
            row["status"],
            row["signed_off_on"],
            row["counts"],
            "; ".join(row["themes"]),
        ]
        for row in log_rows(user)
    )
    return csv_response(Export(name=_filename(user, "csv")[:-4], headings=COLUMNS, rows=rows))


# --- PDF ------------------------------------------------------------------------------------

PDF_STYLESHEET = Path(__file__).resolve().parent / "pdf" / "log.css"
_PDF_TOOLS = {}


def _pdf_tools():
    """WeasyPrint's font configuration and stylesheet, built once per process."""
    if not _PDF_TOOLS:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        class NoFetching(URLFetcher):
            """Fetch nothing: the log is built from text and one local stylesheet."""

            def fetch(self, url, headers=None):
                raise ValueError(f"External resources are not loaded in PDFs: {url}")

        fonts = FontConfiguration()
        fetcher = NoFetching()
        style = CSS(
            string=PDF_STYLESHEET.read_text(encoding="utf-8"),
            font_config=fonts,
            url_fetcher=fetcher,
        )
        _PDF_TOOLS.update(fonts=fonts, style=style, fetcher=fetcher)
    return _PDF_TOOLS


def log_pdf_bytes(user, *, on: date | None = None) -> bytes:
    from weasyprint import HTML

    tools = _pdf_tools()
    summary = selectors.supervision_summary(user, on=on)
    rows = list(log_rows(user))
    html = render_to_string(
        "supervision/log_pdf.html",
        {
            "person": user,
            "summary": summary,
            "rows": rows,
            "total_countable": sum((r["hours"] for r in rows if r["counts"]), start=0),
            "generated_at": timezone.localtime(),
            "site_name": settings.SITE_NAME,
        },
    )
    return HTML(string=html, url_fetcher=tools["fetcher"], base_url=None).write_pdf(
        stylesheets=[tools["style"]], font_config=tools["fonts"]
    )


def log_pdf_response(user) -> HttpResponse:
    response = HttpResponse(log_pdf_bytes(user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(user, "pdf")}"'
    return response
