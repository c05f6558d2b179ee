"""Training history import: completions from a previous learning system or an HR system, mapped
to catalogue courses, recorded as completions with the source "imported".

The file runs through the same job as a staff file (``lms.workforce.imports``: check and
preview, confirm, chunks in the background, progress, cancel); this module holds what is
particular to it. Each row names a person (staff number or email), a course (a code or title
kept in ``CourseMapping``, or the catalogue course's own title) and a completion date, with an
optional expiry. Imported completions count in standing, coverage and the training record
(marked "imported") and get no certificate. Re-importing the same file changes nothing: each
completion carries its source reference (course code and date) under a unique constraint.

Where the person's current enrolment on the course is still open and the imported completion is
still valid, the completion closes that enrolment (the requirement is met); otherwise it is
recorded as a past cycle.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, DateTimeField, Max, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from content.models import CoursePage

from .dates import validity_for
from .models import Completion, CourseMapping, Enrolment

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

    def rows():
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, {"__error__": f"This line could not be read: {exc}."}
                continue
            if not any(v.strip() for v in values):
                continue
            yield (
                reader.line_num,
                {
                    name: (values[i].strip() if i < len(values) else "")
                    for name, i in position.items()
                },
            )

    return [], rows()


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


@dataclass
class HistoryPlan:
    rows: list[HistoryRow]
    # (user id, course id) -> the current enrolment, open and without a completion
    open_enrolments: dict[tuple[int, int], int] = field(default_factory=dict)
    has_current: set[tuple[int, int]] = field(default_factory=set)
    cycles: dict[tuple[int, int], int] = field(default_factory=dict)


def _plan(rows: list[HistoryRow], ctx: HistoryContext) -> HistoryPlan:
    """Find the people and what they already have; a fixed number of queries per chunk."""
    from lms.workforce.models import StaffNumber

    plan = HistoryPlan(rows=rows)
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
    pairs = {(r.user_id, r.course.pk) for r in good}
    user_ids = {u for u, _ in pairs}
    course_ids = {c for _, c in pairs}
    already = set(
        Completion.objects.filter(
            user_id__in=user_ids,
            course_id__in=course_ids,
            source_reference__in={r.reference for r in good},
        ).values_list("user_id", "course_id", "source_reference")
    )
    for user_id, course_id, cycle, current, open_id in (
        Enrolment.objects.filter(user_id__in=user_ids, course_id__in=course_ids)
        .values("user_id", "course_id")
        .annotate(
            cycle=Max("cycle"),
            current=Max(Case(When(is_current=True, then=1), default=0)),
            open_id=Max(
                Case(
                    When(is_current=True, status=Enrolment.Status.ACTIVE, then="id"),
                    default=None,
                )
            ),
        )
        .values_list("user_id", "course_id", "cycle", "current", "open_id")
    ):
        plan.cycles[(user_id, course_id)] = cycle
        if current:
            plan.has_current.add((user_id, course_id))
        if open_id:
            plan.open_enrolments[(user_id, course_id)] = open_id
    for row in good:
        row.outcome = (
            "unchanged" if (row.user_id, row.course.pk, row.reference) in already else "new"
        )
    return plan


def _times(row: HistoryRow) -> tuple[datetime, datetime, date]:
    completed_at = timezone.make_aware(datetime.combine(row.completed, time(12)))
    if row.expires:
        expires_at = timezone.make_aware(datetime.combine(row.expires, time.min))
        return completed_at, expires_at, row.expires - timedelta(days=1)
    valid_until, expires_at = validity_for(completed_at, row.course.effective_validity_months)
    return completed_at, expires_at, valid_until


def _apply(plan: HistoryPlan, ctx: HistoryContext) -> set[int]:
    """Write the new completions (and the enrolments they belong to); returns the people."""
    new = [r for r in plan.rows if r.ok and r.outcome == "new"]
    if not new:
        return set()
    # The latest valid record of each (person, course) may close the open enrolment.
    new.sort(key=lambda r: r.completed, reverse=True)
    closing: dict[int, HistoryRow] = {}
    enrolments: list[tuple[HistoryRow, Enrolment]] = []
    for row in new:
        key = (row.user_id, row.course.pk)
        completed_at, _, valid_until = _times(row)
        open_id = plan.open_enrolments.get(key)
        if open_id and open_id not in closing and valid_until >= ctx.today:
            closing[open_id] = row
            continue
        makes_current = key not in plan.has_current and valid_until >= ctx.today
        if makes_current:
            plan.has_current.add(key)
        plan.cycles[key] = plan.cycles.get(key, 0) + 1
        enrolments.append(
            (
                row,
                Enrolment(
                    user_id=row.user_id,
                    course=row.course,
                    source=Enrolment.Source.IMPORTED,
                    status=Enrolment.Status.COMPLETED,
                    is_current=makes_current,
                    cycle=plan.cycles[key],
                    started_at=completed_at,
                    completed_at=completed_at,
                ),
            )
        )
    created = Enrolment.objects.bulk_create([e for _, e in enrolments], batch_size=1000)
    if closing:
        Enrolment.objects.filter(pk__in=list(closing)).update(
            status=Enrolment.Status.COMPLETED,
            completed_at=Case(
                *(When(pk=pk, then=Value(_times(row)[0])) for pk, row in closing.items()),
                output_field=DateTimeField(),
            ),
        )
    targets = [(row, e.pk) for (row, _), e in zip(enrolments, created, strict=True)]
    targets += [(row, pk) for pk, row in closing.items()]
    completions = []
    for row, enrolment_id in targets:
        completed_at, expires_at, valid_until = _times(row)
        completions.append(
            Completion(
                user_id=row.user_id,
                course=row.course,
                enrolment_id=enrolment_id,
                course_title=row.course.title,
                tier_code=row.course.tier.code,
                completed_at=completed_at,
                expires_at=expires_at,
                valid_until=valid_until,
                source=Completion.Source.IMPORTED,
                source_reference=row.reference,
            )
        )
    Completion.objects.bulk_create(completions, batch_size=1000, ignore_conflicts=True)
    return {row.user_id for row in new}


class TrainingHistoryFile:
    """The steps of a training history file's job (see ``lms.workforce.imports.StaffFile``)."""

    def context(self, staff_import) -> HistoryContext:
        return HistoryContext(organisation=staff_import.organisation)

    def rows(self, staff_import, ctx: HistoryContext):
        problems, records = _records(staff_import.content)
        return problems, (_check(line, record, ctx) for line, record in records)

    def plan(self, chunk, ctx: HistoryContext) -> HistoryPlan:
        return _plan(chunk, ctx)

    def apply(self, plan: HistoryPlan, ctx: HistoryContext, *, staff_import, by) -> set[int]:
        from lms.reports import facts

        from .services import refresh_standing

        people = _apply(plan, ctx)
        for user in User.objects.filter(pk__in=people):
            refresh_standing(user=user)
        return facts.refresh_people(people, tallies=False)

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
