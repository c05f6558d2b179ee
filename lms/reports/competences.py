"""The competence export: an organisation's current completions, keyed on staff number, with
each course's competence name in the HR system (``courses.CourseMapping.competence_name``), in
a CSV an HR system such as ESR can load.

Columns (stable; documented in the README): ``Staff Number``, ``Name``, ``Email``,
``Competence Name``, ``Course``, ``Achievement Date``, ``Expiry Date`` (the first day it no
longer counts; empty for none), ``Source`` (completed here, imported, recognised prior learning).
One row per person and course: the completion that lasts longest. People without a staff number
in the organisation, and courses without a competence name, are left out.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.views import View

from courses.models import Completion, CourseMapping
from lms import exports
from lms.workforce.models import Membership, OrganisationUnit, StaffNumber
from lms.workforce.permissions import ManagerRequiredMixin
from lms.workforce.selectors import record_root_paths

from . import services

HEADINGS = [
    "Staff Number",
    "Name",
    "Email",
    "Competence Name",
    "Course",
    "Achievement Date",
    "Expiry Date",
    "Source",
]


def competence_rows(organisation: OrganisationUnit, on=None):
    """Rows of the export for ``organisation`` (see the module docstring)."""
    on = on or timezone.localdate()
    names: dict[int, str] = {}
    for mapping in (
        CourseMapping.objects.filter(
            Q(organisation__isnull=True) | Q(organisation=organisation),
            course__isnull=False,
        )
        .exclude(competence_name="")
        .order_by("organisation_id")
    ):
        names[mapping.course_id] = mapping.competence_name  # the organisation's own wins
    if not names:
        return
    people = set(
        Membership.objects.active(on)
        .filter(unit__path__startswith=organisation.path)
        .values_list("user_id", flat=True)
    )
    numbers = {
        user_id: number
        for number, user_id in StaffNumber.objects.filter(
            organisation=organisation, user_id__in=people
        ).values_list("number", "user_id")
    }
    best: dict[tuple[int, int], Completion] = {}
    completions = (
        Completion.objects.filter(
            user_id__in=list(numbers), course_id__in=list(names), valid_until__gte=on
        )
        .select_related("user")
        .order_by("user_id", "course_id", "valid_until")
    )
    for chunk in exports.chunked(completions):
        for c in chunk:
            best[(c.user_id, c.course_id)] = c
    for (user_id, course_id), c in sorted(best.items(), key=lambda i: (numbers[i[0][0]], i[0][1])):
        yield [
            numbers[user_id],
            c.user.display_name,
            c.user.email,
            names[course_id],
            c.course_title,
            timezone.localdate(c.completed_at).isoformat(),
            timezone.localdate(c.expires_at).isoformat(),
            c.get_source_display(),
        ]


class CompetenceExportView(ManagerRequiredMixin, View):
    """``/reports/competences/<organisation id>.csv``: for the organisation's managers and
    administrators; 404 for anyone else."""

    def get(self, request, pk: int):
        organisation = OrganisationUnit.objects.filter(
            pk=pk, kind=OrganisationUnit.Kind.ORGANISATION
        ).first()
        # Named people's records: the organisation's own managers and administrators, never a
        # regional lead (figures only).
        if organisation is None or not (
            request.user.is_superuser
            or any(organisation.path.startswith(p) for p in record_root_paths(request.user))
        ):
            raise Http404
        entry = services.audit_export(
            user=request.user, instance=organisation, report="competences", fmt="csv", filters={}
        )
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        return exports.csv_response(
            exports.Export(
                name=f"competences-{organisation.code}-{stamp}",
                headings=HEADINGS,
                rows=competence_rows(organisation),
                done=lambda count: services.audit_export_rows(entry, count),
                title="Competences",
            )
        )
