"""Learner-facing views of the content: the catalogue's filters and site search."""

import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template.response import TemplateResponse
from wagtail.models import Page
from wagtail.search.utils import parse_query_string

from .forms import CatalogueFilterForm
from .models import CourseIndexPage, CoursePage, ModulePage, Tier
from .selectors import catalogue_courses, required_tier_for_user

SEARCH_PAGE_SIZE = 10
# Control characters (NUL above all) mean nothing in a search and break SQLite's full-text query.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def catalogue_context(catalogue: CourseIndexPage, request) -> dict:
    """Context for the catalogue page: the filter form, the user's required tier and the
    filtered courses."""
    form = CatalogueFilterForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()  # cleans every field; the form shows an error for any that is invalid
        filters = form.cleaned_data  # the valid ones, which are applied
    my_tier = required_tier_for_user(request.user)
    mine_requested = bool(filters.get("mine"))
    courses = catalogue_courses(
        catalogue,
        tier=filters.get("tier"),
        area=filters.get("area"),
        required_up_to=my_tier if mine_requested else None,
    )
    courses = list(courses)
    for course in courses:
        course.required_for_me = bool(
            my_tier and course.required_for_tier and course.tier.order <= my_tier.order
        )
    return {
        "filter_form": form,
        "courses": courses,
        "my_tier": my_tier,
        "mine_requested": mine_requested,
        "mine_unavailable": mine_requested and my_tier is None,
        "is_filtered": any(filters.get(name) for name in ("tier", "area", "mine")),
    }


def search(request):
    """Search live courses and modules with Wagtail's search backend. Words must all match;
    "quoted words" match as a phrase; a stray quote or bracket is taken as text, not syntax."""
    query = CONTROL_CHARACTERS.sub(" ", request.GET.get("q", "")).strip()[:200]
    results_page = None
    paginator = None
    if query:
        results = (
            Page.objects.live()
            .public()
            .type(CoursePage, ModulePage)
            .specific()
            .search(parse_query_string(query, operator="and")[1])
        )
        paginator = Paginator(results, SEARCH_PAGE_SIZE)
        try:
            results_page = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            results_page = paginator.page(1)
        except EmptyPage:
            results_page = paginator.page(paginator.num_pages)
        results_page.object_list = _with_course_titles(results_page.object_list)
    return TemplateResponse(
        request,
        "content/search.html",
        {"search_query": query, "results": results_page, "paginator": paginator},
    )


def _with_course_titles(pages) -> list:
    """Give each module result its course and each course its tier (one query each for the
    whole page of results)."""
    pages = list(pages)
    parent_paths = {p.path[: -p.steplen] for p in pages if isinstance(p, ModulePage)}
    courses = {c.path: c for c in Page.objects.filter(path__in=parent_paths)}
    tiers = Tier.objects.in_bulk({p.tier_id for p in pages if isinstance(p, CoursePage)})
    for page in pages:
        page.result_course = courses.get(page.path[: -page.steplen])
        if isinstance(page, CoursePage):
            page.tier = tiers[page.tier_id]
    return pages
