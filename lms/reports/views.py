"""Report pages. Views check access through ``permissions`` (404 for anyone who may not see a
report or a person), read through ``selectors``, write only through ``services``."""

from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from courses.workshops.selectors import MIN_RESPONSES
from lms import exports
from lms.workforce.models import Membership

from . import outcomes, permissions, selectors, services
from .forms import FilterForm, OutcomesForm, drill_from
from .selectors import CourseState, Status
from .templatetags.reports_tags import people_url

User = get_user_model()
PAGE_SIZE = 50


def _filters(request, scope):
    form = FilterForm(request.GET or None, scope=scope)
    return form, form.filters()


class DashboardView(LoginRequiredMixin, View):
    """Coverage for a manager's units (all organisations for a regional lead). Trainers who
    manage nobody land on the course analytics."""

    def get(self, request):
        scope = permissions.coverage_scope(request.user)
        if scope is None:
            if permissions.may_see_course_analytics(request.user):
                return redirect("reports:analytics")
            raise Http404
        form, filters = _filters(request, scope)
        figures = selectors.coverage(scope, filters)
        courses = selectors.course_completion(scope, filters)
        focus = figures.focus
        ancestors = list(focus.get_ancestors()) if focus is not None else []
        query = filters.as_query()
        return render(
            request,
            "reports/dashboard.html",
            {
                "form": form,
                "filters": filters,
                "query": query,
                "cards": _cards(figures.total, query),
                "figures": figures,
                "courses": courses,
                "supervision": figures.supervision,
                "scope": scope,
                "named": scope.may_name_anyone and (focus is None or scope.may_name(focus)),
                "ancestors": [a for a in ancestors if scope.covers(a)],
                "statuses": [(s, Status.LABELS[s], Status.TAGS[s]) for s in Status.ORDER],
                "analytics": permissions.may_see_course_analytics(request.user),
            },
        )


def _cards(total, query) -> list[dict]:
    """The headline figures (``selectors.HEADLINES``), each with the people behind it."""
    return [
        {
            "key": h.key,
            "title": h.title,
            "share": h.share(total),
            "count": h.count(total),
            "note": h.definition,
            "url": people_url(query, **dict(h.drill)),
        }
        for h in selectors.HEADLINES
    ]


class OutcomesView(LoginRequiredMixin, View):
    """Coverage over time for the same people as the dashboard: on a chosen past day, at each
    of the last eight quarter ends (table and trend charts), with supervision hours by quarter.
    """

    def get(self, request):
        scope = permissions.coverage_scope_or_404(request.user)
        form = OutcomesForm(request.GET or None, scope=scope)
        filters = form.filters()
        today = timezone.localdate()
        chosen = form.day() or today
        ends = outcomes.quarter_ends(today)
        quarters = outcomes.outcomes(scope, filters, ends, supervision=True)
        on_day = outcomes.outcomes(scope, filters, [chosen])
        evaluations = outcomes.evaluations_by_quarter(scope, filters, ends)
        focus = quarters.focus
        ancestors = list(focus.get_ancestors()) if focus is not None else []
        query = filters.as_query()
        labels = [outcomes.quarter_label(d) for d in ends]
        return render(
            request,
            "reports/outcomes.html",
            {
                "form": form,
                "filters": filters,
                "query": query,
                "chosen": chosen,
                "is_today": chosen == today,
                "on_day": on_day,
                "quarters": quarters,
                "columns": list(zip(labels, ends, strict=True)),
                "labels": labels,
                "charts": [(f"trend-{i}", row) for i, row in enumerate(quarters.rows)],
                "evaluation_rows": list(zip(labels, evaluations, strict=True)),
                "evaluation_minimum": MIN_RESPONSES,
                "holding_title": outcomes.HOLDING_TITLE,
                "ancestors": [a for a in ancestors if scope.covers(a)],
            },
        )


def _person_scope(request):
    """The scope of someone who may see people by name, or 404."""
    return permissions.named_scope_or_404(request.user)


class PeopleView(LoginRequiredMixin, View):
    """The people behind a figure, with their status, due dates and last activity."""

    def get(self, request):
        scope = _person_scope(request)
        form, filters = _filters(request, scope)
        if filters.unit is not None and not scope.may_name(filters.unit):
            raise Http404
        drill = drill_from(request.GET)
        paginator = Paginator(selectors.people(scope, filters, drill), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        rows = selectors.person_rows(list(page.object_list))
        query = {**filters.as_query(), **drill.as_query()}
        return render(
            request,
            "reports/people.html",
            {
                "form": form,
                "filters": filters,
                "drill": drill,
                "query": query,
                "page": page,
                "rows": rows,
                "as_at": timezone.now(),
                "course_states": CourseState.LABELS,
            },
        )


class PersonView(LoginRequiredMixin, View):
    """A person's training record, for the managers of a unit they work in (404 otherwise)."""

    def get(self, request, user_id: int):
        scope = _person_scope(request)
        person = get_object_or_404(User, pk=user_id)
        visible = Membership.objects.active().filter(user=person).filter(scope.named_q("unit__"))
        if not visible.exists():
            raise Http404
        record = selectors.person_record(person)
        services.audit_view_person(user=request.user, person=person)
        return render(request, "reports/person.html", {"record": record, "person": person})


# --- Exports -------------------------------------------------------------------------------


def _pct(value):
    return float(value)


def _counts_columns():
    """Staff, then every headline figure of the dashboard under its title, count and %."""
    headings = ["Staff"]
    for h in selectors.HEADLINES:
        headings += [h.title, f"{h.title} (%)"]
    return headings


def _counts_cells(counts):
    cells = [counts.total]
    for h in selectors.HEADLINES:
        cells += [h.count(counts), _pct(h.share(counts))]
    return cells


def _table_export(report, scope, filters):
    """(headings, rows, title) of one dashboard table."""
    if report == "courses":
        data = selectors.course_completion(scope, filters)
        headings = ["Course", "Tier", "Required", "Current", "Current (%)",
                    "Expiring within 90 days", "Only an expired completion", "Never completed",
                    "As at"]  # fmt: skip
        rows = (
            [r.course.title, r.course.tier.code, r.required, r.current, _pct(r.current_share),
             r.expiring, r.expired, r.never, data.as_at]
            for r in data.rows
        )  # fmt: skip
        return headings, rows, "Course completion"
    if report == "quarters":
        ends = outcomes.quarter_ends()
        data = outcomes.outcomes(scope, filters, ends, supervision=True)
        headings = ["Unit", "Quarter", "Quarter end", "Staff", outcomes.HOLDING_TITLE,
                    f"{outcomes.HOLDING_TITLE} (%)", "Supervision hours in the quarter",
                    "As at"]  # fmt: skip
        rows = (
            [r.label, outcomes.quarter_label(cell.on), cell.on, cell.total, cell.holding,
             _pct(cell.share), hours, data.as_at]
            for r in data.rows
            for cell, hours in zip(r.cells, r.hours, strict=True)
        )  # fmt: skip
        return headings, rows, "Coverage by quarter"
    figures = selectors.coverage(scope, filters)
    if report == "supervision":
        sup = figures.supervision
        headings = ["Unit", "Staff with a supervision target", "At target", "At target (%)",
                    "Hours in the target window", "Target hours", "As at"]  # fmt: skip
        rows = (
            [r.label, r.people, r.at_target, _pct(r.at_target_share), r.hours, r.target_hours,
             sup.as_at]
            for r in [*sup.units, sup.total]
        )  # fmt: skip
        return headings, rows, "Supervision"
    title, label, source = {
        "units": ("Coverage by unit", "Unit", figures.units),
        "roles": ("Coverage by job role", "Job role", figures.roles),
        "tiers": ("Coverage by tier", "Required tier", figures.tiers),
    }[report]
    headings = [label, *_counts_columns(), "As at"]
    total = selectors.Row(key="", label="Total (each person once)", counts=figures.total)
    rows = ([r.label, *_counts_cells(r.counts), figures.as_at] for r in [*source, total])
    return headings, rows, title


PEOPLE_HEADINGS = [
    "Name", "Email", "Status", "Units and job roles", "Holds required tier until",
    "Next due", "Last completed", "Last activity", "Completion of the chosen course valid until",
    "Supervision hours in window", "Supervision target hours",
]  # fmt: skip


def _people_rows(scope, filters, drill):
    """The people list, read in chunks of 2,000 (two more queries per chunk for their units
    and last activity) inside one read transaction: memory stays flat."""
    with selectors.tuned():
        yield from _people_chunks(scope, filters, drill)


def _people_chunks(scope, filters, drill):
    queryset = selectors.people(scope, filters, drill)
    for chunk in exports.chunked(queryset):
        for p in selectors.person_rows(chunk):
            yield [
                p.name,
                p.email,
                p.status_label,
                "; ".join(f"{unit}: {role} ({tier})" for unit, role, tier in p.memberships),
                p.standing_until if p.holds_required else None,
                p.next_due_on,
                p.last_completed_at,
                p.last_activity_at,
                p.course_valid_until,
                p.supervision_hours,
                p.supervision_target_hours,
            ]


class ExportView(LoginRequiredMixin, View):
    REPORTS = {"units", "roles", "tiers", "courses", "supervision", "people", "quarters"}

    def get(self, request, report: str, fmt: str):
        if report not in self.REPORTS or fmt not in ("csv", "xlsx"):
            raise Http404
        scope = (
            _person_scope(request)
            if report == "people"
            else permissions.coverage_scope_or_404(request.user)
        )
        form, filters = _filters(request, scope)
        if form.is_bound and form.errors:
            # A filter that is not theirs (or not at all) is refused, never quietly dropped:
            # the file would hold other figures than the ones asked for.
            raise Http404
        audit_filters = filters.as_data()
        if report == "people":
            if filters.unit is not None and not scope.may_name(filters.unit):
                raise Http404
            drill = drill_from(request.GET)
            audit_filters.update(drill.as_query())
            headings, rows, title = PEOPLE_HEADINGS, _people_rows(scope, filters, drill), "People"
        else:
            headings, rows, title = _table_export(report, scope, filters)
        instance = filters.unit or selectors.default_focus(scope) or request.user
        entry = services.audit_export(
            user=request.user, instance=instance, report=report, fmt=fmt, filters=audit_filters
        )
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        export = exports.Export(
            name=f"{report}-{stamp}",
            headings=headings,
            rows=rows,
            done=lambda count: services.audit_export_rows(entry, count),
            title=title,
        )
        return exports.response_for(export, fmt)


# --- Trainers: course analytics ------------------------------------------------------------


def _analytics_or_404(request):
    if not permissions.may_see_course_analytics(request.user):
        raise Http404


class AnalyticsView(LoginRequiredMixin, View):
    def get(self, request):
        _analytics_or_404(request)
        return render(
            request,
            "reports/analytics.html",
            {"rows": selectors.analytics_overview(), "as_at": timezone.now()},
        )


class CourseAnalyticsView(LoginRequiredMixin, View):
    def get(self, request, course_id: int):
        _analytics_or_404(request)
        course = get_object_or_404(selectors.analytics_courses(), pk=course_id)
        return render(
            request,
            "reports/course_analytics.html",
            {"data": services.course_analytics_for_trainers(course)},
        )


# --- Everyone: the reminders they were sent ------------------------------------------------


class MyEmailsView(LoginRequiredMixin, View):
    def get(self, request):
        paginator = Paginator(selectors.reminders_sent_to(request.user), PAGE_SIZE)
        return render(
            request,
            "reports/my_emails.html",
            {"page": paginator.get_page(request.GET.get("page"))},
        )
