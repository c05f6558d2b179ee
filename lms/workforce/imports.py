"""Staff import: a file of staff (the product's own columns, or an HR extract read through a saved
``ColumnMapping``) is checked and previewed, then applied by a background job in chunks.

The flow: ``staff_import_check`` reads and validates every row and works out what would change
(new, joined, moved, updated, ended, unchanged) without writing anything about staff;
``staff_import_confirm`` queues the job; ``staff_import_run`` (the Celery task's body) applies the
file chunk by chunk. Each chunk is one transaction holding its writes *and* the job's progress,
so a worker killed in the middle loses at most the chunk it was in, which the redelivered task
does again; every write is also idempotent (unique constraints, "already there" checks), so a
re-run of the same file changes nothing.

Writes are set-based per chunk: people, staff numbers, memberships, enrolments, audit entries
and the coverage read model each take a fixed number of statements whatever the chunk's size.
No per-row signals fire; the chunk sends the bulk signals instead (``memberships_started_in_bulk``,
which ``courses`` answers with the enrolments the roles require, and ``people_changed``, which
the reports' read model answers), so this app knows neither.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Lower
from django.utils import timezone

from lms.accounts.validators import name_problem
from lms.celery import enqueue_on_commit

from . import signals
from .models import (
    ColumnMapping,
    Invitation,
    JobRole,
    Membership,
    OrganisationUnit,
    StaffImport,
    StaffNumber,
)
from .selectors import managed_root_paths

logger = logging.getLogger(__name__)
User = get_user_model()

# Field -> what it holds. The product's own template uses these names as headings.
STAFF_FIELDS = {
    "staff_number": "The organisation's staff or assignment number (recommended: it keeps "
    "people matched when their email changes).",
    "email": "Work email address (required; it is their login).",
    "name": "Full name, as it should appear on certificates (or first_name and last_name).",
    "first_name": "First name, when the file has names in two columns.",
    "last_name": "Last name, when the file has names in two columns.",
    "organisation": "The organisation's code or name (optional; checked against the one chosen).",
    "unit": "The team (code or name; an HR department through the mapping), or the "
    "organisation's code for people in no team.",
    "job_role": "The job role (code or name; an HR position title through the mapping).",
    "manager": "'yes' if they manage this unit (optional; default no).",
    "start_date": "When they started in this role: YYYY-MM-DD, DD/MM/YYYY or 01-Apr-2026 "
    "(optional; default today).",
    "end_date": "When they left (optional): their membership is ended, never deleted.",
}
REQUIRED_FIELDS = ("email", "unit", "job_role")
# The product's own headings: the import template and the shape of files without a mapping.
IMPORT_COLUMNS = {
    name: STAFF_FIELDS[name]
    for name in ("email", "name", "unit", "job_role", "manager", "start_date", "staff_number")
}
# An NHS Electronic Staff Record (ESR) staff extract's usual headings, offered as a preset.
ESR_COLUMNS = {
    "staff_number": "Assignment Number",
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "Email Address",
    "organisation": "Organisation",
    "job_role": "Position Title",
    "unit": "Department",
    "start_date": "Assignment Start Date",
    "end_date": "Assignment End Date",
}

MAX_ROWS = getattr(settings, "STAFF_IMPORT_MAX_ROWS", 100_000)
CHUNK_ROWS = getattr(settings, "STAFF_IMPORT_CHUNK_ROWS", 500)
# Coverage tallies of the units an import changes are refreshed every this many chunks (and at
# the end): entries are written with every chunk.
SETTLE_EVERY = 10
MAX_LENGTHS = {"email": 254, "name": 150, "staff_number": 30, "unit": 200, "job_role": 120}
REPORT_ERROR_ROWS = 500
REPORT_PREVIEW_ROWS = 200
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
OUTCOME_LABELS = {
    "new": "New people",
    "joined": "People already here who joined a team",
    "moved": "Moved team",
    "updated": "Updated (new role, or manager rights changed)",
    "ended": "Ended",
    "unchanged": "Unchanged",
}
OUTCOMES = tuple(OUTCOME_LABELS)

AUDIT_MEMBERSHIP_START = "workforce.membership_start"
AUDIT_MEMBERSHIP_END = "workforce.membership_end"
AUDIT_MEMBERSHIP_MOVE = "workforce.membership_move"


# --- Reading the file -----------------------------------------------------------------------


def decode_upload(raw: bytes) -> tuple[str, str]:
    """The text of an uploaded file and the encoding it was read in.

    Accepts UTF-8 (with or without a byte-order mark), UTF-16 (what spreadsheets call "Unicode
    text") and Windows-1252 (older "CSV" exports). Raises ``ValidationError`` naming what was
    found when the file is none of these.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "UTF-8"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise ValidationError(
                "The file starts like UTF-16 text but is not valid UTF-16. Save it from your "
                "spreadsheet as 'CSV UTF-8 (comma delimited)' and upload it again."
            ) from exc
    sample = raw[:4096]
    if sample and sample.count(b"\x00") * 3 > len(sample):
        # UTF-16 without a byte-order mark: every other byte is zero for Latin text.
        for codec in ("utf-16-le", "utf-16-be"):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text[:2048]:
                return text, "UTF-16"
        raise ValidationError(
            "This looks like a spreadsheet or other binary file, not text. Save it from your "
            "spreadsheet as 'CSV UTF-8 (comma delimited)' and upload it again."
        )
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "The file is not UTF-8, UTF-16 or Windows-1252 text (byte "
            f"0x{raw[exc.start]:02X} at position {exc.start:,} cannot be read). Save it from "
            "your spreadsheet as 'CSV UTF-8 (comma delimited)' and upload it again."
        ) from exc


def _headings(mapping: ColumnMapping | None) -> dict[str, str]:
    """Field -> heading (lower case) used in the file."""
    if mapping is None:
        return {name: name for name in STAFF_FIELDS}
    return {name: heading.strip().lower() for name, heading in mapping.columns.items() if heading}


def mapping_problems(columns: dict, job_titles: dict, departments: dict) -> dict[str, str]:
    """What is wrong with a column mapping, by field (empty when nothing is)."""
    problems = {}
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        return {"columns": "Give the columns as field names and headings, both text."}
    unknown = sorted(set(columns) - set(STAFF_FIELDS))
    if unknown:
        problems["columns"] = (
            f"Unknown fields: {', '.join(unknown)}. Known fields: {', '.join(STAFF_FIELDS)}."
        )
    missing = [f for f in ("email", "job_role", "unit") if not columns.get(f)]
    if missing and "columns" not in problems:
        problems["columns"] = f"Say which column holds: {', '.join(missing)}."
    if "name" not in columns and not ("first_name" in columns and "last_name" in columns):
        problems.setdefault(
            "columns", "Say which column holds the name (or first_name and last_name)."
        )
    for name, value in (("job_titles", job_titles), ("departments", departments)):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            problems[name] = "Give pairs of text: the value in the file and our code."
    return problems


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%d %b %Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _records(content: str, mapping: ColumnMapping | None):
    """``(problems, iterator of (line, {field: value}))``: file-level problems come first."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        return ["The file is empty."], iter(())
    except csv.Error as exc:
        return [f"The first line could not be read as CSV: {exc}."], iter(())
    header = [(h or "").strip().lower() for h in header]
    if any("\x00" in h for h in header):
        return ["The first line holds NUL characters: this is not a CSV file."], iter(())
    headings = _headings(mapping)
    position = {}
    for name, heading in headings.items():
        if heading in header:
            position[name] = header.index(heading)
    missing = [f for f in REQUIRED_FIELDS if f not in position]
    has_name = "name" in position or ("first_name" in position and "last_name" in position)
    if missing or not has_name:
        wanted = [headings.get(f, f) for f in missing] + (
            [] if has_name else [headings.get("name", "name")]
        )
        expected = ", ".join(sorted({headings.get(f, f) for f in (*REQUIRED_FIELDS, "name")}))
        return [
            "The first line must name the columns. Missing: "
            + ", ".join(wanted)
            + f". Expected at least: {expected}"
            + (f" (as set in the mapping '{mapping.name}')." if mapping else ".")
        ], iter(())

    def named(record: dict) -> dict:
        if "name" not in record:
            parts = (record.get("first_name", ""), record.get("last_name", ""))
            record["name"] = " ".join(p for p in parts if p)
        return record

    return [], ((line, named(record)) for line, record in csv_rows(reader, position))


def csv_rows(reader, position: dict[str, int]):
    """``(line, {field: value})`` for each non-empty line of ``reader``; a line the CSV parser
    cannot read becomes ``{"__error__": message}`` (that row's problem, not the file's)."""
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
            {name: (values[i].strip() if i < len(values) else "") for name, i in position.items()},
        )


# --- Checking rows --------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    email: str = ""
    name: str = ""
    staff_number: str = ""
    unit_code: str = ""
    job_role_code: str = ""
    is_manager: bool = False
    start_date: str = ""
    end_date: str = ""
    errors: list[str] = field(default_factory=list)
    outcome: str = ""
    # Resolved while checking; not part of the report.
    unit: OrganisationUnit | None = field(default=None, repr=False)
    role: JobRole | None = field(default=None, repr=False)
    start: date | None = field(default=None, repr=False)
    end: date | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_report(self) -> dict:
        data = asdict(self)
        for key in ("unit", "role", "start", "end"):
            data.pop(key)
        return data


class Context:
    """What rows are checked against, read once per check or run: units in scope, job roles,
    the mapping's value tables and the people's identifiers seen so far."""

    def __init__(self, *, user, organisation=None, mapping=None, today=None):
        self.today = today or timezone.localdate()
        self.organisation = organisation
        self.mapping = mapping
        if organisation is not None:
            scope = OrganisationUnit.objects.filter(path__startswith=organisation.path)
        elif user.is_superuser:
            scope = OrganisationUnit.objects.all()
        else:
            paths = managed_root_paths(user)
            scope = OrganisationUnit.objects.none()
            for path in paths:
                scope |= OrganisationUnit.objects.filter(path__startswith=path)
        self.scope_paths = (
            [organisation.path] if organisation is not None else managed_root_paths(user)
        )
        self.everything = user.is_superuser and organisation is None
        self.units_by_code: dict[str, OrganisationUnit] = {}
        self.units_by_name: dict[str, OrganisationUnit | None] = {}
        for unit in scope.filter(is_active=True):
            self.units_by_code[unit.code.lower()] = unit
            key = unit.name.strip().lower()
            # A name two units share cannot identify either.
            self.units_by_name[key] = None if key in self.units_by_name else unit
        self.all_codes = set(
            OrganisationUnit.objects.filter(is_active=True).values_list("code", flat=True)
        )
        self.roles: dict[str, JobRole] = {}
        for role in JobRole.objects.filter(is_active=True).select_related("required_tier"):
            self.roles[role.code.lower()] = role
            self.roles[role.name.lower()] = role
        self.job_titles = {
            k.strip().lower(): v.lower() for k, v in (mapping.job_titles if mapping else {}).items()
        }
        self.departments = {
            k.strip().lower(): v.lower()
            for k, v in (mapping.departments if mapping else {}).items()
        }
        self.seen_staff_numbers: dict[str, int] = {}
        self.seen_keys: dict[tuple, int] = {}

    def unit_for(self, value: str) -> OrganisationUnit | None:
        key = value.strip().lower()
        key = self.departments.get(key, key)
        return self.units_by_code.get(key) or self.units_by_name.get(key)

    def role_for(self, value: str) -> JobRole | None:
        key = value.strip().lower()
        return self.roles.get(self.job_titles.get(key, key))


def _check(line: int, record: dict, ctx: Context) -> ImportRow:
    """One row's own checks (no queries)."""
    row = ImportRow(line=line)
    if "__error__" in record:
        row.errors.append(record["__error__"])
        return row
    if any("\x00" in value for value in record.values()):
        row.errors.append("This line holds a NUL character; retype it in your spreadsheet.")
        record = {k: v.replace("\x00", "") for k, v in record.items()}
    row.email = record.get("email", "").lower()
    row.name = record.get("name", "")
    row.staff_number = record.get("staff_number", "")
    row.unit_code = record.get("unit", "")
    row.job_role_code = record.get("job_role", "")
    row.start_date = record.get("start_date", "")
    row.end_date = record.get("end_date", "")
    for name, limit in MAX_LENGTHS.items():
        value = getattr(row, {"unit": "unit_code", "job_role": "job_role_code"}.get(name, name))
        if len(value) > limit:
            row.errors.append(
                f"{name.replace('_', ' ').capitalize()} is {len(value)} characters long; "
                f"the most is {limit}."
            )
    if not row.email:
        row.errors.append("Email is missing.")
    elif len(row.email) <= MAX_LENGTHS["email"]:
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(f"'{row.email}' is not a valid email address.")
    problem = name_problem(row.name)
    if problem:
        row.errors.append(problem)
    organisation = record.get("organisation", "")
    if (
        organisation
        and ctx.organisation is not None
        and organisation.lower()
        not in {
            ctx.organisation.code.lower(),
            ctx.organisation.name.lower(),
        }
    ):
        row.errors.append(
            f"The organisation '{organisation}' is not {ctx.organisation.name}, the one this "
            "import is for."
        )
    if not row.unit_code:
        row.errors.append("Unit (team) is missing.")
    else:
        row.unit = ctx.unit_for(row.unit_code)
        if row.unit is None:
            if row.unit_code.lower() in {c.lower() for c in ctx.all_codes}:
                row.errors.append(f"You do not manage '{row.unit_code}'.")
            else:
                row.errors.append(
                    f"No active team or organisation you manage is called '{row.unit_code}'"
                    + (" (add it to the mapping's departments)." if ctx.mapping else ".")
                )
        elif row.unit.kind == OrganisationUnit.Kind.REGION:
            row.errors.append("Staff belong to an organisation or a team, not a region.")
            row.unit = None
    if not row.job_role_code:
        row.errors.append("Job role is missing.")
    else:
        row.role = ctx.role_for(row.job_role_code)
        if row.role is None:
            row.errors.append(
                f"No job role is called '{row.job_role_code}'"
                + (" (add it to the mapping's job titles)." if ctx.mapping else ".")
            )
    manager = record.get("manager", "").lower()
    if manager in YES:
        row.is_manager = True
    elif manager not in NO:
        row.errors.append(f"Manager must be 'yes' or 'no', not '{record.get('manager')}'.")
    for label, attr, raw in (("Start", "start", row.start_date), ("End", "end", row.end_date)):
        try:
            value = _parse_date(raw)
        except ValueError:
            row.errors.append(
                f"{label} date '{raw}' is not a date (use YYYY-MM-DD, DD/MM/YYYY or 01-Apr-2026)."
            )
            continue
        if value and value > ctx.today:
            row.errors.append(
                f"{label} date {value:%d %b %Y} is in the future; import people once they start "
                "(or leave)."
            )
            continue
        setattr(row, attr, value)
    if row.start and row.end and row.end < row.start:
        row.errors.append("End date is before the start date.")
    if row.staff_number:
        first = ctx.seen_staff_numbers.setdefault(row.staff_number.lower(), line)
        if first != line:
            row.errors.append(f"Staff number {row.staff_number} is also on line {first}.")
    key = (row.email, row.unit_code.lower(), row.job_role_code.lower())
    if row.email:
        first = ctx.seen_keys.setdefault(key, line)
        if first != line:
            row.errors.append(f"Repeats line {first}.")
    return row


# --- Planning and applying a chunk ----------------------------------------------------------


@dataclass
class Plan:
    """What one chunk changes. Built with a fixed number of reads; applied with a fixed number
    of writes."""

    rows: list[ImportRow]
    people: dict[int, int | None] = field(default_factory=dict)  # row line -> user id
    new_people: list[ImportRow] = field(default_factory=list)
    start: list[tuple[ImportRow, bool]] = field(default_factory=list)  # (row, is a move)
    end: dict[int, date] = field(default_factory=dict)  # membership id -> last day
    moved_from: dict[int, Membership] = field(default_factory=dict)  # row line -> old membership
    manager_on: list[int] = field(default_factory=list)
    manager_off: list[int] = field(default_factory=list)
    staff_numbers: list[tuple[str, int | None, ImportRow]] = field(default_factory=list)


def _plan(rows: list[ImportRow], ctx: Context) -> Plan:
    """Match the chunk's good rows to people and memberships and decide each row's outcome."""
    plan = Plan(rows=rows)
    good = [r for r in rows if r.ok]
    emails = {r.email for r in good}
    by_email = dict(
        User.objects.annotate(e=Lower("email")).filter(e__in=emails).values_list("e", "pk")
    )
    by_number = {}
    numbers = {r.staff_number for r in good if r.staff_number}
    if numbers and ctx.organisation is not None:
        by_number = dict(
            StaffNumber.objects.filter(
                organisation=ctx.organisation, number__in=numbers
            ).values_list("number", "user_id")
        )
    for row in good:
        user_id = by_number.get(row.staff_number) or by_email.get(row.email)
        plan.people[row.line] = user_id
        if row.staff_number and ctx.organisation is not None and row.staff_number not in by_number:
            plan.staff_numbers.append((row.staff_number, user_id, row))
    user_ids = {u for u in plan.people.values() if u}
    open_memberships: dict[int, list[Membership]] = {}
    if user_ids:
        memberships = Membership.objects.filter(
            user_id__in=user_ids, end_date__isnull=True
        ).select_related("unit", "job_role")
        for membership in memberships:
            if ctx.everything or any(membership.unit.path.startswith(p) for p in ctx.scope_paths):
                open_memberships.setdefault(membership.user_id, []).append(membership)
    yesterday = ctx.today - timedelta(days=1)
    for row in good:
        user_id = plan.people[row.line]
        if user_id is None:
            if not row.name:
                row.errors.append("Name is missing (needed for people new to the system).")
                continue
            if row.end:
                row.outcome = "unchanged"  # a leaver we never knew: nothing to record
                continue
            row.outcome = "new"
            plan.new_people.append(row)
            plan.start.append((row, False))
            continue
        current = open_memberships.get(user_id, [])
        same = [m for m in current if m.unit_id == row.unit.pk and m.job_role_id == row.role.pk]
        if row.end:
            if same:
                for membership in same:
                    plan.end[membership.pk] = max(row.end, membership.start_date)
                row.outcome = "ended"
            else:
                row.outcome = "unchanged"
            continue
        if same:
            membership = same[0]
            if membership.is_manager != row.is_manager:
                (plan.manager_on if row.is_manager else plan.manager_off).append(membership.pk)
                row.outcome = "updated"
            else:
                row.outcome = "unchanged"
            continue
        start = row.start or ctx.today
        same_role = [m for m in current if m.job_role_id == row.role.pk]
        same_unit = [m for m in current if m.unit_id == row.unit.pk]
        if same_role:  # a mover: the old team's membership ends the day before
            old = same_role[0]
            plan.end[old.pk] = max(old.start_date, min(start - timedelta(days=1), yesterday))
            plan.moved_from[row.line] = old
            row.outcome = "moved"
            plan.start.append((row, True))
        elif same_unit:  # a new role in the same team
            old = same_unit[0]
            plan.end[old.pk] = max(old.start_date, min(start - timedelta(days=1), yesterday))
            row.outcome = "updated"
            plan.start.append((row, False))
        else:
            row.outcome = "joined"
            plan.start.append((row, False))
    return plan


def _log_entries(entries: list[tuple[Membership, str, dict]], by) -> None:
    """Audit entries for many memberships in one insert (what ``wagtail.log_actions.log`` writes
    one at a time)."""
    from wagtail.models import ModelLogEntry

    from .services import membership_audit_data

    if not entries:
        return
    content_type = ContentType.objects.get_for_model(Membership)
    now = timezone.now()
    shared = uuid.uuid4()
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type=content_type,
                object_id=str(membership.pk),
                label=f"{name} – {membership.job_role.name if membership.job_role else 'no role'}, "
                f"{membership.unit.name}",
                action=action,
                data=membership_audit_data(membership, **extra),
                timestamp=now,
                uuid=shared,
                user=by,
            )
            for membership, action, extra, name in (
                (m, a, {k: v for k, v in e.items() if k != "name"}, e.get("name", ""))
                for m, a, e in entries
            )
        ],
        batch_size=1000,
    )


def _apply(plan: Plan, ctx: Context, *, by, send_invitations: bool) -> set[int]:
    """Write what ``plan`` says and the coverage entries of the people it changed; returns the
    units whose tallies the change moves (refreshed by the job every few chunks)."""
    # People new to the system: an account without a password (set when they accept).
    if plan.new_people:
        User.objects.bulk_create(
            [
                User(email=r.email, display_name=r.name, password="!" + uuid.uuid4().hex)
                for r in plan.new_people
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        created = dict(
            User.objects.annotate(e=Lower("email"))
            .filter(e__in=[r.email for r in plan.new_people])
            .values_list("e", "pk")
        )
        for row in plan.new_people:
            plan.people[row.line] = created[row.email]
    if plan.staff_numbers:
        StaffNumber.objects.bulk_create(
            [
                StaffNumber(
                    organisation=ctx.organisation,
                    number=number,
                    user_id=user_id or plan.people[row.line],
                )
                for number, user_id, row in plan.staff_numbers
            ],
            ignore_conflicts=True,
        )
    ended: list[Membership] = []
    if plan.end:
        ids = sorted(plan.end)
        from django.db.models import Case, When

        Membership.objects.filter(pk__in=ids, end_date__isnull=True).update(
            end_date=Greatest(
                F("start_date"),
                Case(*(When(pk=pk, then=Value(day)) for pk, day in plan.end.items())),
            )
        )
        ended = list(
            Membership.objects.filter(pk__in=ids).select_related("unit", "job_role", "user")
        )
    if plan.manager_on:
        Membership.objects.filter(pk__in=plan.manager_on).update(is_manager=True)
    if plan.manager_off:
        Membership.objects.filter(pk__in=plan.manager_off).update(is_manager=False)
    new = [
        Membership(
            user_id=plan.people[row.line],
            unit=row.unit,
            job_role=row.role,
            is_manager=row.is_manager,
            start_date=row.start or ctx.today,
        )
        for row, _ in plan.start
    ]
    Membership.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    keys = {(m.user_id, m.unit_id, m.job_role_id) for m in new}
    started = [
        m
        for m in Membership.objects.filter(
            user_id__in={k[0] for k in keys}, end_date__isnull=True
        ).select_related("unit", "job_role")
        if (m.user_id, m.unit_id, m.job_role_id) in keys
    ]
    names = {plan.people[r.line]: r.name for r in plan.rows if r.ok and r.line in plan.people}
    moves = {
        (plan.people[row.line], row.unit.pk, row.role.pk): plan.moved_from[row.line]
        for row, is_move in plan.start
        if is_move
    }
    entries = []
    for membership in started:
        old = moves.get((membership.user_id, membership.unit_id, membership.job_role_id))
        extra = {"name": names.get(membership.user_id, ""), "source": "staff import"}
        if old is not None:
            extra |= {
                "from_membership_id": old.pk,
                "from_unit": old.unit.name,
                "from_unit_id": old.unit_id,
            }
        entries.append(
            (membership, AUDIT_MEMBERSHIP_MOVE if old else AUDIT_MEMBERSHIP_START, extra)
        )
    moved_old = {m.pk for m in moves.values()}
    for membership in ended:
        if membership.pk not in moved_old:
            entries.append(
                (
                    membership,
                    AUDIT_MEMBERSHIP_END,
                    {"name": membership.user.display_name, "source": "staff import"},
                )
            )
    _log_entries(entries, by)
    signals.memberships_started_in_bulk.send(
        sender=Membership,
        starts=[(m.user_id, m.job_role, m.start_date) for m in started if m.job_role_id],
    )
    if send_invitations and plan.new_people:
        _invite(plan, ctx, by=by)
    changed = sorted(
        {m.user_id for m in started}
        | {m.user_id for m in ended}
        | {plan.people[r.line] for r in plan.rows if r.outcome == "updated"}
    )
    return signals.send_people_changed(changed, defer_aggregates=True)


def _invite(plan: Plan, ctx: Context, *, by) -> None:
    """An invitation (and its email, after the commit) for each person new to the system."""
    import secrets

    from .services import INVITATION_VALID_DAYS
    from .tasks import send_invitation_emails

    tokens = {row.email: secrets.token_urlsafe(32) for row in plan.new_people}
    expires = timezone.now() + timedelta(days=INVITATION_VALID_DAYS)
    Invitation.objects.bulk_create(
        [
            Invitation(
                email=row.email,
                display_name=row.name,
                unit=row.unit,
                job_role=row.role,
                is_manager=row.is_manager,
                invited_by=by,
                token_hash=Invitation.hash_token(tokens[row.email]),
                expires_at=expires,
            )
            for row in plan.new_people
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    hashes = {Invitation.hash_token(t): t for t in tokens.values()}
    pairs = [
        (pk, hashes[token_hash])
        for pk, token_hash in Invitation.objects.filter(token_hash__in=list(hashes)).values_list(
            "pk", "token_hash"
        )
    ]
    enqueue_on_commit(send_invitation_emails, pairs)


# --- The job --------------------------------------------------------------------------------


class StaffFile:
    """The steps of a staff file's job (``staff_import_run`` drives any kind of file through
    the same steps: read and check rows, then plan and apply them chunk by chunk, then finish)."""

    def context(self, staff_import: StaffImport) -> Context:
        return Context(
            user=staff_import.uploaded_by,
            organisation=staff_import.organisation,
            mapping=staff_import.mapping,
        )

    def rows(self, staff_import: StaffImport, ctx: Context):
        problems, records = _records(staff_import.content, staff_import.mapping)
        return problems, (_check(line, record, ctx) for line, record in records)

    def plan(self, chunk: list, ctx: Context) -> Plan:
        return _plan(chunk, ctx)

    def apply(self, plan: Plan, ctx: Context, *, staff_import: StaffImport, by) -> set[int]:
        return _apply(plan, ctx, by=by, send_invitations=staff_import.send_invitations)

    def finish(self, staff_import: StaffImport, ctx: Context, seen: Seen, *, by) -> int:
        """People ended because a full extract does not list them."""
        if staff_import.full_extract and staff_import.organisation_id:
            return _end_leavers(staff_import, ctx, _people_in_file(seen, ctx), by=by)
        return 0


def _kind(staff_import: StaffImport):
    if staff_import.kind == StaffImport.Kind.TRAINING_HISTORY:
        from courses.history import TrainingHistoryFile

        return TrainingHistoryFile()
    return StaffFile()


def _chunks(rows, size: int):
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _leavers(organisation, ctx: Context, people: set[int]) -> list[Membership]:
    """Open memberships (with a job role) in the organisation of people the file does not list."""
    return [
        m
        for m in Membership.objects.filter(
            unit__path__startswith=organisation.path,
            end_date__isnull=True,
            job_role__isnull=False,
        ).select_related("unit", "job_role", "user")
        if m.user_id not in people
    ]


def _people_in_file(seen: Seen, ctx: Context) -> set[int]:
    ids = set()
    emails = sorted(seen.emails)
    for start in range(0, len(emails), 1000):
        ids |= set(
            User.objects.annotate(e=Lower("email"))
            .filter(e__in=emails[start : start + 1000])
            .values_list("pk", flat=True)
        )
    numbers = sorted(seen.staff_numbers)
    for start in range(0, len(numbers), 1000):
        ids |= set(
            StaffNumber.objects.filter(
                organisation=ctx.organisation, number__in=numbers[start : start + 1000]
            ).values_list("user_id", flat=True)
        )
    return ids


class Seen:
    """What a run keeps of the rows it has passed: the report's rows (every problem up to
    ``REPORT_ERROR_ROWS``, the first ``REPORT_PREVIEW_ROWS`` good ones) and the people's
    identifiers (a full extract ends everyone else). Memory stays small whatever the file's size."""

    def __init__(self):
        self.bad: list = []
        self.good: list = []
        self.bad_count = self.good_count = 0
        self.emails: set[str] = set()
        self.staff_numbers: set[str] = set()

    def add(self, rows) -> None:
        for row in rows:
            if row.ok:
                self.good_count += 1
                if len(self.good) < REPORT_PREVIEW_ROWS:
                    self.good.append(row.as_report())
                if getattr(row, "email", ""):
                    self.emails.add(row.email)
                if getattr(row, "staff_number", ""):
                    self.staff_numbers.add(row.staff_number)
            else:
                self.bad_count += 1
                if len(self.bad) < REPORT_ERROR_ROWS:
                    self.bad.append(row.as_report())

    def report(self, problems, counts: dict, leavers: int = 0) -> dict:
        return {
            "problems": problems,
            "rows": self.bad + self.good,
            "good": self.good_count,
            "bad": self.bad_count,
            "counts": counts,
            "leavers": leavers,
        }


def _report(problems, rows: list, counts: dict, leavers: int = 0) -> dict:
    seen = Seen()
    seen.add(rows)
    return seen.report(problems, counts, leavers)


def staff_import_check(
    *,
    uploaded_by,
    filename: str,
    content: str,
    organisation: OrganisationUnit | None = None,
    mapping: ColumnMapping | None = None,
    full_extract: bool = False,
    send_invitations: bool = True,
    encoding: str = "",
) -> StaffImport:
    """Check a staff file and keep it, with a report of every row's problems and what the import
    would change, for confirmation. Nothing about staff is written."""
    if full_extract and organisation is None:
        raise ValidationError("A full extract needs the organisation it lists.")
    ctx = Context(user=uploaded_by, organisation=organisation, mapping=mapping)
    problems, records = _records(content, mapping)
    rows: list[ImportRow] = []
    counts = dict.fromkeys(OUTCOMES, 0)
    for line, record in records:
        rows.append(_check(line, record, ctx))
        if len(rows) > MAX_ROWS:
            problems = [f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."]
            rows = []
            break
    if not problems and not rows:
        problems = ["The file has no rows of staff under its header line."]
    if not problems:
        for chunk in _chunks(rows, CHUNK_ROWS):
            _plan(chunk, ctx)
            for row in chunk:
                if row.ok:
                    counts[row.outcome] += 1
    leavers = 0
    if full_extract and not problems:
        seen = Seen()
        seen.add(rows)
        leavers = len({m.user_id for m in _leavers_for_check(organisation, ctx, seen)})
    from lms.workforce.services import CONTROL_CHARACTERS

    return StaffImport.objects.create(
        uploaded_by=uploaded_by,
        organisation=organisation,
        mapping=mapping,
        full_extract=full_extract,
        send_invitations=send_invitations,
        filename=CONTROL_CHARACTERS.sub("", filename)[:255] or "staff.csv",
        encoding=encoding,
        content=content.replace("\x00", ""),
        content_sha256=hashlib.sha256(content.encode()).hexdigest(),
        report=_report(problems, rows, counts, leavers),
        rows_total=0 if problems else len(rows),
    )


def _leavers_for_check(organisation, ctx, seen: Seen):
    return _leavers(organisation, ctx, _people_in_file(seen, ctx))


def staff_import_confirm(*, staff_import: StaffImport, by) -> StaffImport:
    """Queue a checked import. A double submit queues it once."""
    from .tasks import run_staff_import

    with transaction.atomic():
        staff_import = StaffImport.objects.select_for_update().get(pk=staff_import.pk)
        if staff_import.status != StaffImport.Status.VALIDATED:
            return staff_import
        if staff_import.report.get("problems") or not staff_import.report.get("good"):
            raise ValidationError("This file has nothing that can be imported.")
        staff_import.status = StaffImport.Status.QUEUED
        staff_import.save(update_fields=["status", "updated_at"])
        enqueue_on_commit(run_staff_import, staff_import.pk)
    return staff_import


def staff_import_cancel(*, staff_import: StaffImport, by) -> StaffImport:
    """Stop an import after the chunk under way (what is done stays done; the report says how
    far it got). An import not yet started is cancelled at once."""
    with transaction.atomic():
        staff_import = StaffImport.objects.select_for_update().get(pk=staff_import.pk)
        if staff_import.is_finished:
            return staff_import
        staff_import.cancel_requested_at = timezone.now()
        fields = ["cancel_requested_at"]
        if staff_import.status in {StaffImport.Status.VALIDATED, StaffImport.Status.QUEUED}:
            staff_import.status = StaffImport.Status.CANCELLED
            staff_import.imported_at = timezone.now()
            fields += ["status", "imported_at"]
        staff_import.save(update_fields=fields)
    return staff_import


def staff_import_run(*, staff_import_id: int) -> StaffImport:
    """Apply a confirmed import, chunk by chunk, from where it stopped. Safe to run twice or
    concurrently: each chunk takes the import's row lock and starts from its recorded progress."""
    staff_import = StaffImport.objects.select_related("uploaded_by", "organisation", "mapping").get(
        pk=staff_import_id
    )
    if staff_import.is_finished or staff_import.status == StaffImport.Status.VALIDATED:
        return staff_import
    by = staff_import.uploaded_by
    kind = _kind(staff_import)
    ctx = kind.context(staff_import)
    problems, rows = kind.rows(staff_import, ctx)
    if problems:
        StaffImport.objects.filter(pk=staff_import.pk).update(
            status=StaffImport.Status.FAILED, error=" ".join(problems), imported_at=timezone.now()
        )
        return StaffImport.objects.get(pk=staff_import.pk)
    seen = Seen()
    units: set[int] = set()  # whose tallies wait for the next settling
    offset = 0
    for number, chunk in enumerate(_chunks(rows, CHUNK_ROWS), start=1):
        with transaction.atomic():
            current = StaffImport.objects.select_for_update().get(pk=staff_import.pk)
            if current.is_finished:
                return current
            if current.cancel_requested_at:
                _settle(units)
                current.status = StaffImport.Status.CANCELLED
                current.imported_at = timezone.now()
                current.report = seen.report([], current.counts)
                current.save(update_fields=["status", "imported_at", "report"])
                _notify(current)
                return current
            if offset + len(chunk) <= current.rows_done:  # done before a restart
                offset += len(chunk)
                kind.plan(chunk, ctx)  # outcomes for the report (now "unchanged")
                seen.add(chunk)
                continue
            units |= kind.apply(kind.plan(chunk, ctx), ctx, staff_import=current, by=by)
            if number % SETTLE_EVERY == 0:
                _settle(units)
            counts = dict.fromkeys(OUTCOMES, 0) | current.counts
            for row in chunk:
                if row.ok:
                    counts[row.outcome] += 1
            current.counts = counts
            current.rows_done = offset + len(chunk)
            current.rows_failed += sum(1 for r in chunk if not r.ok)
            if current.status != StaffImport.Status.RUNNING:
                current.status = StaffImport.Status.RUNNING
                current.started_at = current.started_at or timezone.now()
            current.save(
                update_fields=[
                    "counts",
                    "rows_done",
                    "rows_failed",
                    "status",
                    "started_at",
                    "updated_at",
                ]
            )
            seen.add(chunk)
            offset += len(chunk)
    with transaction.atomic():
        current = StaffImport.objects.select_for_update().get(pk=staff_import.pk)
        if current.is_finished:
            return current
        _settle(units)
        leavers = kind.finish(current, ctx, seen, by=by)
        if leavers:
            current.counts = current.counts | {"ended": current.counts.get("ended", 0) + leavers}
        current.report = seen.report([], current.counts, leavers)
        current.status = StaffImport.Status.IMPORTED
        current.imported_at = timezone.now()
        current.started_at = current.started_at or current.imported_at
        current.save(update_fields=["report", "status", "imported_at", "started_at", "counts"])
        transaction.on_commit(lambda: _notify(current))
    return current


STALLED_AFTER = timedelta(minutes=15)


def resume_stalled_imports() -> list[int]:
    """Send again the imports that are waiting or running but have not moved for a while (their
    message was lost, or their worker went away): the run carries on from its last chunk and
    changes nothing twice. Returns their ids."""
    from .tasks import run_staff_import

    stalled = list(
        StaffImport.objects.filter(
            status__in=[StaffImport.Status.QUEUED, StaffImport.Status.RUNNING],
            updated_at__lt=timezone.now() - STALLED_AFTER,
        ).values_list("pk", flat=True)
    )
    for pk in stalled:
        enqueue_on_commit(run_staff_import, pk)
    return stalled


def _settle(units: set[int]) -> None:
    """Refresh the coverage tallies of the units the chunks so far have changed (a unit's
    tallies are recomputed whole, so this is done every few chunks, not for each)."""
    signals.send_aggregates_due(units)
    units.clear()


def _end_leavers(staff_import: StaffImport, ctx: Context, people: set[int], *, by) -> int:
    """A full extract: end (never delete) the memberships of people it does not list."""

    leavers = _leavers(staff_import.organisation, ctx, people)
    if not leavers:
        return 0
    yesterday = ctx.today - timedelta(days=1)
    ids = [m.pk for m in leavers]
    for start in range(0, len(ids), 1000):
        Membership.objects.filter(pk__in=ids[start : start + 1000], end_date__isnull=True).update(
            end_date=Greatest(F("start_date"), Value(yesterday))
        )
    ended = list(Membership.objects.filter(pk__in=ids).select_related("unit", "job_role", "user"))
    _log_entries(
        [
            (m, AUDIT_MEMBERSHIP_END, {"name": m.user.display_name, "source": "full staff extract"})
            for m in ended
        ],
        by,
    )
    signals.send_people_changed({m.user_id for m in ended})  # and their units' tallies
    return len({m.user_id for m in ended})


def _notify(staff_import: StaffImport) -> None:
    """Email the uploader that the import has ended, with its figures."""
    from .tasks import send_import_finished_email

    if staff_import.uploaded_by_id:
        enqueue_on_commit(send_import_finished_email, staff_import.pk)


def staff_import_apply(*, staff_import: StaffImport, user) -> StaffImport:
    """Confirm a checked import and, where tasks run in-process (the embedded default, tests),
    run it now. Returns the import as it stands."""
    staff_import_confirm(staff_import=staff_import, by=user)
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return staff_import_run(staff_import_id=staff_import.pk)
    return StaffImport.objects.get(pk=staff_import.pk)


def seconds_left(staff_import: StaffImport) -> int | None:
    """An estimate from the rate so far, or None before the first chunk."""
    if staff_import.is_finished or not staff_import.started_at or not staff_import.rows_done:
        return None
    elapsed = (timezone.now() - staff_import.started_at).total_seconds()
    rate = staff_import.rows_done / max(elapsed, 0.001)
    return int((staff_import.rows_total - staff_import.rows_done) / rate) + 1
