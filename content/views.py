"""Learner-facing views of the content: serving pages, the catalogue's filters and site
search."""

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from wagtail import hooks
from wagtail import views as wagtail_views
from wagtail.models import Page
from wagtail.search.utils import parse_query_string
from wagtail.url_routing import RouteResult
from wagtail.wagtail_hooks import check_view_restrictions

from . import directory
from .forms import CatalogueFilterForm
from .models import CourseIndexPage, CoursePage, HomePage, ModulePage, Tier
from .selectors import catalogue_courses, required_tier_for_user

SEARCH_PAGE_SIZE = 10
# Control characters (NUL above all) mean nothing in a search and break SQLite's full-text query.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def serve(request, path):
    """Wagtail's page serving, with the page found in the cached directory (one query for the
    page itself) instead of a walk down the tree, and no view-restriction queries while the site
    has no view restrictions. Anything the directory does not know (a page that is not live,
    a page type with its own routing) is served by Wagtail's own view."""
    tree = directory.on_request(request)
    site = tree.site_for(request)
    page_id = tree.page_id_at(site, path) if site is not None else None
    if page_id is None or tree.model_of(page_id).route is not Page.route:
        return wagtail_views.serve(request, path)
    request._wagtail_site = site
    cache_key = _anonymous_cache_key(request, tree, site, path)
    if cache_key is not None:
        cached = cache.get(cache_key)
        if cached is not None:
            return _response_from(cached)
    page = tree.load(page_id)
    request._wagtail_route_for_request = RouteResult(page)
    args, kwargs = [], {}

    chain = wagtail_views.serve_chain
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        if fn is check_view_restrictions and not tree.restricted:
            continue
        chain = fn(chain)
    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, args, kwargs)
        if isinstance(result, HttpResponse):
            return result
    response = chain(page, request, args, kwargs)
    if cache_key is not None and isinstance(page, ANONYMOUS_CACHED_TYPES):
        _store(cache_key, request, response)
    return response


# Pages everyone sees the same when signed out: served from the cache to anonymous visitors.
# The key holds the directory's generation, so a publication (or anything else that clears the
# directory) shows at once; ``CONTENT_CACHE_SECONDS`` bounds what is kept.
ANONYMOUS_CACHED_TYPES = (HomePage, CourseIndexPage, CoursePage)
MAX_CACHED_QUERY = 200


def _anonymous_cache_key(request, tree, site, path) -> str | None:
    """The cache key of this page for an anonymous visitor, or None when the response may
    differ from one visitor to the next (signed in, a session or messages pending, a view
    restriction somewhere, not a plain GET)."""
    if request.method not in ("GET", "HEAD") or tree.restricted:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return None  # signed in, or something is waiting for this visitor
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return None
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_CACHED_QUERY:
        return None
    digest = hashlib.sha256(f"{site.pk}|{path}|{query}".encode()).hexdigest()
    return f"content:anonymous-page:{tree.generation}:{digest}"


def _store(key: str, request, response) -> None:
    if response.status_code != 200 or response.cookies or response.has_header("Set-Cookie"):
        return
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    content = response.content
    if b"csrfmiddlewaretoken" in content:  # a form with this visitor's token: never shared
        return
    headers = {
        name: value
        for name, value in response.items()
        if name.lower() in ("content-type", "content-language")
    }
    cache.set(key, (content, headers), settings.CONTENT_CACHE_SECONDS)


def _response_from(cached) -> HttpResponse:
    content, headers = cached
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response


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


def handout(request, slug):
    """A printable handout for parents, as PDF (anyone may download it; its helplines are the
    reader's region's, or the default's)."""
    from .handouts import HANDOUTS, handout_pdf

    found = HANDOUTS.get(slug)
    if found is None:
        raise Http404("No such handout.")
    response = HttpResponse(handout_pdf(found, user=request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.slug}.pdf"'
    return response


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
