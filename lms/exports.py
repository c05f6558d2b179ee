"""CSV and XLSX exports, streamed so that memory stays flat however many rows there are.

- CSV: a ``StreamingHttpResponse`` over a row iterator (the caller feeds it from
  ``.iterator(chunk_size=2000)``): the first bytes leave before the last row is read.
- XLSX: an openpyxl *write-only* workbook written row by row to a temporary file, then streamed
  with ``FileResponse``.

Every cell that holds text goes through ``neutralise``: text starting with ``= + - @`` or a tab
or carriage return would be run as a formula by spreadsheet programs (CSV/formula injection), so
it is prefixed with a single quote. Numbers and dates are written as such.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """A cell value a spreadsheet will not run as a formula. Text starting with a formula
    character gets a leading single quote; numbers, dates and None pass unchanged."""
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_cell(value) -> str:
    value = neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_cell(value):
    value = neutralise(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        # Excel has no time zones: local wall-clock time, as on screen.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class _Echo:
    """A file-like object whose ``write`` returns what it is given (for csv.writer)."""

    def write(self, value):
        return value


@dataclass
class Export:
    """What to export: a file name (without extension), column headings, the rows (an iterator
    of sequences) and a callback told how many rows were written once they all were."""

    name: str
    headings: list[str]
    rows: Iterable
    done: Callable[[int], None] | None = None
    title: str = ""


def _counted(export: Export) -> Iterator:
    count = 0
    for row in export.rows:
        count += 1
        yield row
    if export.done is not None:
        export.done(count)


CSV_BATCH = 500  # rows per piece sent: fewer, larger writes than one per row


def csv_response(export: Export) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        # The byte-order mark makes spreadsheet programs read UTF-8 names correctly.
        yield "\ufeff" + writer.writerow([_csv_cell(h) for h in export.headings])
        batch = []
        for row in _counted(export):
            batch.append(writer.writerow([_csv_cell(v) for v in row]))
            if len(batch) >= CSV_BATCH:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export.name}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def xlsx_response(export: Export) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(export.title or "Report")[:31])
    bold = Font(bold=True)
    header = []
    for heading in export.headings:
        cell = WriteOnlyCell(sheet, value=_xlsx_cell(heading))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _counted(export):
        sheet.append([_xlsx_cell(v) for v in row])
    # The workbook goes to a temporary file (rows never accumulate in memory) and is streamed
    # from there; the file is removed when the response is closed.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    workbook.save(handle)
    handle.seek(0)
    response = FileResponse(
        handle, as_attachment=True, filename=f"{export.name}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response


def response_for(export: Export, fmt: str):
    return xlsx_response(export) if fmt == "xlsx" else csv_response(export)


def chunked(queryset, size: int = 2000) -> Iterator[list]:
    """Rows of ``queryset`` in lists of ``size``, read with a server-side cursor where the
    database has one (``iterator(chunk_size=...)``), so only one chunk is in memory at a time."""
    chunk = []
    for row in queryset.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
