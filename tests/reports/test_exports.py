"""Exports: every table and list as CSV and XLSX, streamed, neutralised against formula
injection, and written to the audit log."""

import csv
import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from lms import exports
from lms.reports.services import AUDIT_EXPORT

pytestmark = pytest.mark.django_db


def export(client, report, fmt, **params):
    return client.get(reverse("reports:export", args=[report, fmt]), params)


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    assert isinstance(response, FileResponse)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 2", "'+1 2"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Plain name", "Plain name"),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_people_csv_neutralises_learner_text(client, population):
    person = population.people[3]
    person.display_name = '=HYPERLINK("http://evil.example","Click")'
    person.save()
    client.force_login(population.trust_manager)
    rows = csv_rows(export(client, "people", "csv", status="overdue"))
    assert rows[0][:3] == ["Name", "Email", "Status"]
    assert rows[1][0] == "'" + person.display_name
    assert rows[1][2] == "Overdue"


def test_people_xlsx_neutralises_learner_text(client, population):
    person = population.people[3]
    person.display_name = "@SUM(1+1)"
    person.save()
    client.force_login(population.trust_manager)
    rows = xlsx_rows(export(client, "people", "xlsx", status="overdue"))
    assert rows[0][0] == "Name"
    assert rows[1][0] == "'@SUM(1+1)"


@pytest.mark.parametrize("report", ["units", "roles", "tiers", "courses", "supervision"])
def test_every_table_exports(client, population, report):
    client.force_login(population.trust_manager)
    csv_data = csv_rows(export(client, report, "csv"))
    xlsx_data = xlsx_rows(export(client, report, "xlsx"))
    assert len(csv_data) == len(xlsx_data) > 1
    assert csv_data[0] == [str(h) for h in xlsx_data[0]]


def test_units_export_matches_the_dashboard(client, population):
    client.force_login(population.trust_manager)
    rows = csv_rows(export(client, "units", "csv"))
    by_unit = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    a1 = by_unit["Health Visiting North"]
    assert a1["Staff"] == "8"
    assert a1["Hold the required tier beyond 90 days"] == "2"
    assert a1["Hold the required tier today"] == "3"
    assert by_unit["Total (each person once)"]["Staff"] == "9"


def test_csv_is_streamed_from_an_iterator(client, population, monkeypatch):
    """The first rows leave before the query has been read to the end: rows come from
    ``iterator(chunk_size=...)`` in chunks."""
    seen = []
    real = exports.chunked

    def spy(queryset, size=2000):
        for chunk in real(queryset, size=2):
            seen.append(len(chunk))
            yield chunk

    monkeypatch.setattr(exports, "chunked", spy)
    monkeypatch.setattr(exports, "CSV_BATCH", 1)
    client.force_login(population.trust_manager)
    response = export(client, "people", "csv")
    assert isinstance(response, StreamingHttpResponse)
    stream = iter(response.streaming_content)
    assert next(stream).startswith("\ufeffName,".encode())  # byte-order mark and headings
    next(stream)  # the first person
    assert seen == [2]  # only the first chunk has been read so far
    rest = list(stream)
    assert len(rest) == 9 - 1
    assert sum(seen) == 9


def test_exports_are_audited(client, population):
    client.force_login(population.trust_manager)
    response = export(client, "people", "csv", status="overdue", unit=population.tree["hv_team"].pk)
    b"".join(response.streaming_content)
    entry = ModelLogEntry.objects.get(action=AUDIT_EXPORT)
    assert entry.user_id == population.trust_manager.pk
    assert entry.data["report"] == "people"
    assert entry.data["format"] == "csv"
    assert entry.data["filters"] == {"unit": population.tree["hv_team"].pk, "status": "overdue"}
    assert entry.data["rows"] == 1
    assert entry.object_id == str(population.tree["hv_team"].pk)


def test_regional_lead_exports_aggregates_only(client, population):
    client.force_login(population.region_lead)
    rows = csv_rows(export(client, "units", "csv"))
    assert {row[0] for row in rows[1:]} == {
        "Riverside NHS Trust",
        "Northshire Council",
        "Total (each person once)",
    }
    assert export(client, "people", "xlsx").status_code == 404


def test_unknown_export_is_404(client, population):
    client.force_login(population.trust_manager)
    assert export(client, "secrets", "csv").status_code == 404
    assert export(client, "units", "pdf").status_code == 404


def test_every_headline_figure_is_in_the_exports_under_its_dashboard_name(client, population):
    """The dashboard's summary cards and the coverage exports read one list of headline
    figures: each card's title is a column of the export (count and %), with the same value."""
    from lms.reports.selectors import HEADLINES

    client.force_login(population.trust_manager)
    page = client.get(reverse("reports:dashboard")).content.decode()
    rows = csv_rows(export(client, "units", "csv"))
    headings = rows[0]
    total = dict(zip(headings, rows[-1], strict=True))
    assert total[headings[0]] == "Total (each person once)"
    for headline in HEADLINES:
        assert f">{headline.title}<" in page
        assert headline.title in headings and f"{headline.title} (%)" in headings
    # Trust: 9 people; 1, 8, 9 hold T2/T1 beyond 90 days and 2 until +30 days.
    assert total["Hold the required tier today"] == "4"
    assert total["Hold the required tier today (%)"] == "44.4"
    assert total["Hold the required tier beyond 90 days"] == "3"
    assert total["Trained in the last 12 months"] == "4"
    # The old, ambiguous name of the "beyond 90 days" figure is gone from screen and export.
    assert "Meets required tier" not in page and "Meets required tier" not in headings
    xlsx_headings = [str(h) for h in xlsx_rows(export(client, "tiers", "xlsx"))[0]]
    assert "Hold the required tier today" in xlsx_headings


def test_readme_defines_every_headline_figure_by_its_screen_name():
    from pathlib import Path

    from lms.reports.selectors import HEADLINES

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for headline in HEADLINES:
        assert f"**{headline.title}**" in readme
