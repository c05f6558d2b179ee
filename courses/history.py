"""Training history import: completions from a previous learning system or an HR system, mapped
to catalogue courses, recorded as completions with the source "imported".

The file runs through the same job as a staff file (``lms.workforce.imports``: check and
preview, confirm, chunks in the background, progress, cancel); this module holds what is
particular to it. Each row names a person (staff number or email), a course (a code or title
kept in ``CourseMapping``, or the catalogue course's own title) and a completion date, with an
optional expiry. Imported completions count in standing, coverage and the training record
(marked "imported") and get no certificate. Re-importing the same file changes nothing: each
completion carries its source reference (course code and date) under a unique constraint.

How a completion from elsewhere joins the person's enrolments is
``courses.services.record_external_completions`` (shared with recognised prior learning).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from content.models import CoursePage

from .models import Completion, CourseMapping

User = get_user_model()

OUTCOME_LABELS = {
    "new": "Completions to record",
    "unchanged": "Already recorded",
}
HISTORY_FIELDS = {
    "staff_number": "The organisation's staff or assignment number (or give the email).",
    "email": "Work email address (or give the staff number).",
    "course": "The course's code or title in the other system (kept in the course mappings), "
    "or the catalogue course's title.",
    "completed_on": "When it was completed: YYYY-MM-DD, DD/MM/YYYY or 01-Apr-2024.",
    "expires_on": "When it stops counting (optional; default: the course's refresher period).",
}


@dataclass
class HistoryRow:
    line: int
    email: str = ""
    staff_number: str = ""
    course_code: str = ""
    completed_on: str = ""
    expires_on: str = ""
    errors: list[str] = field(default_factory=list)
    outcome: str = ""
    course: CoursePage | None = field(default=None, repr=False)
    completed: date | None = field(default=None, repr=False)
    expires: date | None = field(default=None, repr=False)
    user_id: int | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def reference(self) -> str:
        return f"import:{self.course_code.lower()}:{self.completed.isoformat()}"[:200]

    def as_report(self) -> dict:
        data = asdict(self)
        for key in ("course", "completed", "expires", "user_id"):
            data.pop(key)
        return data


class HistoryContext:
    def __init__(self, *, organisation=None, today=None):
        self.organisation = organisation
        self.today = today or timezone.localdate()
        courses = {c.pk: c for c in CoursePage.objects.select_related("tier")}
        self.courses: dict[str, CoursePage | None] = {}
        for course in courses.values():
            self.courses[course.title.strip().lower()] = course
            self.courses[course.slug.lower()] = course
        mappings = CourseMapping.objects.filter(
            Q(organisation__isnull=True) | Q(organisation=organisation)
        ).order_by("organisation_id")  # the organisation's own come last and win
        for mapping in mappings:
            course = courses.get(mapping.course_id)
            self.courses[mapping.external_code.strip().lower()] = course
            if mapping.external_title:
                self.courses[mapping.external_title.strip().lower()] = course
        self.seen: dict[tuple, int] = {}


def _records(content: str):
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    try:
        header = [(h or "").strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return ["The first line must name the columns."], iter(())
    if any("\x00" in h for h in header):
        return ["The first line holds NUL characters: this is not a CSV file."], iter(())
    missing = [f for f in ("course", "completed_on") if f not in header]
    if "email" not in header and "staff_number" not in header:
        missing.insert(0, "email or staff_number")
    if missing:
        return [
            "The first line must name the columns. Missing: "
            + ", ".join(missing)
            + f". Expected: {', '.join(HISTORY_FIELDS)}."
        ], iter(())
    position = {name: header.index(name) for name in HISTORY_FIELDS if name in header}

    from lms.workforce.imports import csv_rows

    return [], csv_rows(reader, position)


def _check(line: int, record: dict, ctx: HistoryContext) -> HistoryRow:
    from lms.workforce.imports import _parse_date

    row = HistoryRow(line=line)
    if "__error__" in record:
        row.errors.append(record["__error__"])
        return row
    if any("\x00" in v for v in record.values()):
        row.errors.append("This line holds a NUL character; retype it in your spreadsheet.")
        record = {k: v.replace("\x00", "") for k, v in record.items()}
    row.email = record.get("email", "").lower()[:254]
    row.staff_number = record.get("staff_number", "")[:30]
    row.course_code = record.get("course", "")
    row.completed_on = record.get("completed_on", "")
    row.expires_on = record.get("expires_on", "")
    if not row.email and not row.staff_number:
        row.errors.append("Give the person's email or staff number.")
    if row.staff_number and ctx.organisation is None and not row.email:
        row.errors.append("A staff number needs the organisation chosen for the import.")
    if len(row.course_code) > 120:
        row.errors.append("Course is longer than 120 characters.")
    elif not row.course_code:
        row.errors.append("Course is missing.")
    elif row.course_code.strip().lower() not in ctx.courses:
        row.errors.append(
            f"No course is known as '{row.course_code}': add it to the course mappings."
        )
    else:
        row.course = ctx.courses[row.course_code.strip().lower()]
        if row.course is None:
            row.errors.append(f"'{row.course_code}' is mapped to no catalogue course.")
    for label, attr, raw in (
        ("Completion", "completed", row.completed_on),
        ("Expiry", "expires", row.expires_on),
    ):
        try:
            value = _parse_date(raw)
        except ValueError:
            row.errors.append(f"{label} date '{raw}' is not a date.")
            continue
        setattr(row, attr, value)
    if not row.completed_on:
        row.errors.append("Completion date is missing.")
    elif row.completed and row.completed > ctx.today:
        row.errors.append(f"Completion date {row.completed:%d %b %Y} is in the future.")
    if row.completed and row.expires and row.expires <= row.completed:
        row.errors.append("Expiry date is not after the completion date.")
    if row.ok:
        key = (row.email or row.staff_number, row.course.pk, row.completed)
        first = ctx.seen.setdefault(key, line)
        if first != line:
            row.errors.append(f"Repeats line {first}.")
    return row


def _plan(rows: list[HistoryRow], ctx: HistoryContext) -> list[HistoryRow]:
    """Find the people, and which records are already here; a fixed number of queries."""
    from lms.workforce.models import StaffNumber

    good = [r for r in rows if r.ok]
    by_email = dict(
        User.objects.annotate(e=Lower("email"))
        .filter(e__in={r.email for r in good if r.email})
        .values_list("e", "pk")
    )
    by_number = {}
    if ctx.organisation is not None:
        by_number = dict(
            StaffNumber.objects.filter(
                organisation=ctx.organisation,
                number__in={r.staff_number for r in good if r.staff_number},
            ).values_list("number", "user_id")
        )
    for row in good:
        row.user_id = by_number.get(row.staff_number) or by_email.get(row.email)
        if row.user_id is None:
            row.errors.append(
                "No one here has this "
                + ("staff number or email." if row.staff_number else "email.")
                + " Import the staff first."
            )
    good = [r for r in rows if r.ok]
    already = set(
        Completion.objects.filter(
            user_id__in={r.user_id for r in good},
            course_id__in={r.course.pk for r in good},
            source_reference__in={r.reference for r in good},
        ).values_list("user_id", "course_id", "source_reference")
    )
    for row in good:
        known = (row.user_id, row.course.pk, row.reference) in already
        row.outcome = "unchanged" if known else "new"
    return rows


class TrainingHistoryFile:
    """The steps of a training history file's job (see ``lms.workforce.imports.StaffFile``)."""

    def context(self, staff_import) -> HistoryContext:
        return HistoryContext(organisation=staff_import.organisation)

    def rows(self, staff_import, ctx: HistoryContext):
        problems, records = _records(staff_import.content)
        return problems, (_check(line, record, ctx) for line, record in records)

    def plan(self, chunk, ctx: HistoryContext) -> list[HistoryRow]:
        return _plan(chunk, ctx)

    def apply(self, rows: list[HistoryRow], ctx: HistoryContext, *, staff_import, by) -> set[int]:
        from lms.workforce.signals import send_people_changed

        from .services import ExternalRecord, record_external_completions

        people = record_external_completions(
            records=[
                ExternalRecord(
                    user_id=row.user_id,
                    course=row.course,
                    completed_on=row.completed,
                    expires_on=row.expires,
                    source=Completion.Source.IMPORTED,
                    reference=row.reference,
                )
                for row in rows
                if row.ok and row.outcome == "new"
            ],
            on=ctx.today,
        )
        return send_people_changed(people, defer_aggregates=True)

    def finish(self, staff_import, ctx, seen, *, by) -> int:
        return 0


def history_import_check(
    *, uploaded_by, filename: str, content: str, organisation=None, encoding: str = ""
):
    """Check a training history file and keep it with its report, for confirmation; nothing
    about training is written."""
    from lms.workforce.imports import CHUNK_ROWS, MAX_ROWS, OUTCOMES, _chunks, _report
    from lms.workforce.models import StaffImport
    from lms.workforce.services import CONTROL_CHARACTERS

    ctx = HistoryContext(organisation=organisation)
    problems, records = _records(content)
    rows: list[HistoryRow] = []
    for line, record in records:
        rows.append(_check(line, record, ctx))
        if len(rows) > MAX_ROWS:
            problems, rows = [f"The file has more than {MAX_ROWS:,} rows; split it."], []
            break
    if not problems and not rows:
        problems = ["The file has no rows under its header line."]
    counts = dict.fromkeys(OUTCOMES, 0)
    if not problems:
        for chunk in _chunks(rows, CHUNK_ROWS):
            _plan(chunk, ctx)
            for row in chunk:
                if row.ok:
                    counts[row.outcome] += 1
    return StaffImport.objects.create(
        kind=StaffImport.Kind.TRAINING_HISTORY,
        uploaded_by=uploaded_by,
        organisation=organisation,
        send_invitations=False,
        filename=CONTROL_CHARACTERS.sub("", filename)[:255] or "training.csv",
        encoding=encoding,
        content=content.replace("\x00", ""),
        content_sha256=hashlib.sha256(content.encode()).hexdigest(),
        report=_report(problems, rows, counts),
        rows_total=0 if problems else len(rows),
    )
