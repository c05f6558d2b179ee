"""The staff CSV import given generated files: the upload form and the check/apply services
never fail with an exception; every problem comes back in the report, line by line."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

from lms.workforce import services
from lms.workforce.forms import StaffImportForm
from lms.workforce.imports import OUTCOMES
from lms.workforce.models import Membership, StaffImport

from .support import characters, dates, fuzz, junk, rolled_back, text

COLUMNS = list(services.IMPORT_COLUMNS)
UNITS = ["mx-team-a", "mx-trust", "mx-team-b", "mx-region", "nowhere", "MX-TEAM-A", ""]
ROLES = ["mx-hv", "Matrix health visitor", "MX-HV", "astronaut", ""]

cell = st.one_of(
    st.emails(),
    st.sampled_from(UNITS),
    st.sampled_from(ROLES),
    st.sampled_from(["yes", "no", "Y", "maybe", "1", "0", ""]),
    dates,
    text,
    junk,
)
header = st.one_of(
    st.permutations(COLUMNS).map(list),
    st.lists(
        st.one_of(st.sampled_from([*COLUMNS, "Email", " EMAIL ", "e-mail"]), text), max_size=8
    ),
)


def _quote(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def csv_files(draw):
    """CSV text: a header (right, shuffled, partial or nonsense) and rows of plausible or junk
    cells, some rows too short or too long; sometimes raw text instead."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(text, junk, st.text(characters, max_size=2000)))
    columns = draw(header)
    rows = draw(
        st.lists(
            st.lists(cell, min_size=max(0, len(columns) - 2), max_size=len(columns) + 2),
            max_size=6,
        )
    )
    separator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [",".join(_quote(c) for c in columns)] + [
        ",".join(_quote(c) for c in row) for row in rows
    ]
    content = separator.join(lines)
    if draw(st.booleans()):
        content = "\ufeff" + content
    return content


HUGE = st.sampled_from(
    [
        "email,name,unit,job_role\n" + "a" * 200_000 + "@example.org,X,mx-team-a,mx-hv\n",
        'email,name,unit,job_role\n"' + "x" * 140_000 + '",X,mx-team-a,mx-hv\n',
        "email,name,unit,job_role\n" + "p@example.org,P,mx-team-a,mx-hv\n" * 3000,
        "email,name,unit,job_role\n" + "," * 5000 + "\n",
        'email,name,unit,job_role\n"unterminated,quote,mx-team-a,mx-hv\n',
        "email\x00,name,unit,job_role\nx@example.org,X,mx-team-a,mx-hv\n",
        "email;name;unit;job_role\nx@example.org;X;mx-team-a;mx-hv\n",
        "\ufeff\ufeffemail,name,unit,job_role\n",
    ]
)


def _check_report(report: dict) -> None:
    assert set(report) >= {"problems", "rows", "good", "bad"}
    assert all(isinstance(p, str) and p for p in report["problems"])
    for row in report["rows"]:
        assert isinstance(row["line"], int)
        assert all(isinstance(e, str) and e for e in row["errors"])
    # Every bad row is listed (up to 500) and the first 200 good ones as a preview.
    bad = [r for r in report["rows"] if r["errors"]]
    assert len(bad) == min(report["bad"], 500)
    assert len(report["rows"]) - len(bad) == min(report["good"], 200)
    if report["problems"]:
        assert not report["rows"]


@pytest.mark.django_db
@fuzz(content=st.one_of(csv_files(), HUGE))
def test_check_and_apply_report_every_problem(world, content):
    manager = world.users["manager"]
    with rolled_back():
        staff_import = services.staff_import_check(
            uploaded_by=manager, filename="staff.csv", content=content
        )
        _check_report(staff_import.report)
        memberships = Membership.objects.count()
        if staff_import.report["problems"] or not staff_import.report["good"]:
            with pytest.raises(ValidationError, match="nothing that can be imported"):
                services.staff_import_apply(staff_import=staff_import, user=manager)
            return
        applied = services.staff_import_apply(staff_import=staff_import, user=manager)
        _check_report(applied.report)
        assert applied.status == StaffImport.Status.IMPORTED
        good = [r for r in applied.report["rows"] if not r["errors"]]
        assert all(r["outcome"] in OUTCOMES for r in good)
        assert Membership.objects.count() - memberships <= len(good)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-32"])


@pytest.mark.django_db
@fuzz(
    raw=st.one_of(
        st.binary(max_size=2000),
        st.builds(
            lambda content, encoding: content.encode(encoding, errors="replace"),
            csv_files(),
            ENCODINGS,
        ),
    ),
    name=st.one_of(st.just("staff.csv"), st.text(characters, min_size=1, max_size=300)),
)
def test_uploaded_bytes_are_read_or_refused_clearly(world, raw, name):
    manager = world.users["manager"]
    # A browser sends a base name (the multipart parser strips any folders).
    name = name.replace("/", "_").replace("\\", "_").strip(".") or "x"
    form = StaffImportForm(
        data={},
        files={"file": SimpleUploadedFile(name, raw, content_type="text/csv")},
        user=manager,
    )
    with rolled_back():
        if not form.is_valid():
            assert form.errors["file"], form.errors
            return
        staff_import = services.staff_import_check(
            uploaded_by=manager,
            filename=form.cleaned_data["file"].name,
            content=form.cleaned_data["content"],
        )
        _check_report(staff_import.report)
        if staff_import.report["problems"] or not staff_import.report["good"]:
            return
        _check_report(services.staff_import_apply(staff_import=staff_import, user=manager).report)
