"""The live page tree as one cached read: which page a URL is, each course's facts and modules,
and the sites, for serving pages and drawing navigation without walking the tree.

Wagtail finds a page by reading each level of the tree in turn (two queries per level, then two
for view restrictions), and the module and course pages need the course, its tier, its modules
and its prerequisites on top. The directory reads all of that for the whole tree at once (a few
queries, however many pages there are) and keeps it in the cache until something is published,
unpublished, moved or deleted, or a site or a view restriction changes (``forget``, connected in
``content.apps``). Pages built from it carry only their light fields; reading a heavy field
(a lesson's body, a course's knowledge check) loads it from the database as usual.
"""

from __future__ import annotations

import copy
import pickle  # nosec B403
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http.request import split_domain_port
from wagtail.models import Page, PageViewRestriction, Site

CACHE_KEY = "content:directory:2"
# Pages read whole by ``Directory.load``, per process: (generation, id) -> the pickled page.
_loaded: dict[tuple[str, int], bytes] = {}
_LOADED_MAX = 500
# Pages built from the directory's rows by ``Directory.instance``, per process.
_built: dict[tuple[str, int], Page] = {}
_BUILT_MAX = 5000
GENERATION_KEY = "content:directory:2:generation"  # the generation of the cached directory
_PAGE_FIELDS = [f.attname for f in Page._meta.concrete_fields]
# Fields of the specific page types that navigation and listings show (never the StreamFields).
_LIGHT_FIELDS = {
    "content.modulepage": ["summary", "estimated_minutes"],
    "content.coursepage": [
        "tier_id",
        "required_for_tier",
        "summary",
        "estimated_minutes",
        "cpd_hours",
        "validity_months",
        "pass_mark",
        "max_attempts",
        "retry_cooldown_minutes",
        "issues_certificate",
        "curriculum_revision_id",
        "delivery",
    ],
}


@dataclass
class Directory:
    sites: list[dict]
    pages: dict[int, dict]  # id -> page row (live pages), with "model" and light fields
    by_url_path: dict[str, int]
    by_path: dict[str, int]
    children: dict[str, list[int]]  # parent path -> live child ids in tree order
    tiers: dict[int, dict]
    areas: dict[int, dict]
    course_areas: dict[int, list[int]]
    course_prerequisites: dict[int, list[int]]  # in tree order
    restricted: bool  # any view restriction anywhere
    # New with every read of the tree: keys of what is cached from it (anonymous pages), which
    # a publication so leaves behind.
    generation: str = ""
    _instances: dict = field(default_factory=dict, repr=False)

    # --- sites ------------------------------------------------------------------------------

    def site_for(self, request) -> Site | None:
        """``Site.find_for_request`` without a query (the same precedence: hostname and port,
        then hostname of the default site, then the default, then a unique hostname)."""
        hostname = split_domain_port(request._get_raw_host())[0]
        port = request.get_port()
        try:
            port = int(port)
        except (TypeError, ValueError):
            port = None

        def rank(site):
            if site["hostname"] == hostname and site["port"] == port:
                return 0
            if site["hostname"] == hostname and site["is_default_site"]:
                return 1
            if site["is_default_site"]:
                return 2
            return 3

        candidates = sorted(
            (s for s in self.sites if s["hostname"] == hostname or s["is_default_site"]), key=rank
        )
        if not candidates:
            return None
        best = candidates[0]
        if len(candidates) > 1 and rank(best) == 2:
            best = candidates[1] if len(candidates) == 2 else best
        return _build(Site, best)

    # --- pages ------------------------------------------------------------------------------

    def page_id_at(self, site: Site, path: str) -> int | None:
        root = self.pages.get(site.root_page_id)
        if root is None:
            return None
        components = [c for c in path.split("/") if c]
        url_path = root["url_path"] + "".join(f"{c}/" for c in components)
        return self.by_url_path.get(url_path)

    def model_of(self, page_id: int):
        return apps.get_model(self.pages[page_id]["model"])

    def instance(self, page_id: int) -> Page | None:
        """The live page with its light fields (others load on first use), its parent and, for
        a course, its tier; one instance per id and directory."""
        if page_id in self._instances:
            return self._instances[page_id]
        row = self.pages.get(page_id)
        if row is None:
            return None
        # Built once per process and generation, copied for each request (a copy costs a
        # fifth of building: Wagtail pages are slow to construct, and listings build many).
        key = (self.generation, page_id)
        built = _built.get(key)
        if built is None:
            if len(_built) >= _BUILT_MAX:
                _built.clear()
            built = _built[key] = _build(apps.get_model(row["model"]), row)
        page = copy.copy(built)  # its own state and field cache (``Model.__getstate__``)
        self._instances[page_id] = page
        self._attach(page)
        return page

    def load(self, page_id: int) -> Page:
        """The live page with every field, its parent and tier from the directory.

        Read from the database once per process and directory generation (one query), then
        built again for each request from what this process kept: 0.04 ms instead of the query's
        0.6 ms on every page view. A publication, or any save of a page, starts a new
        generation."""
        key = (self.generation, page_id)
        kept = _loaded.get(key)
        if kept is None:
            page = self.model_of(page_id).objects.get(pk=page_id)
            if len(_loaded) >= _LOADED_MAX:
                _loaded.clear()
            # Kept as bytes, before anything reads it, so that each request has its own copy
            # (its lazy StreamField values included). Only this process ever reads it back.
            _loaded[key] = pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            page = pickle.loads(kept)  # noqa: S301  # nosec B301
        self._attach(page)
        return page

    def _attach(self, page: Page) -> None:
        parent_id = self.by_path.get(page.path[: -page.steplen])
        if parent_id is not None:
            page._cached_parent_obj = self.instance(parent_id)
        tier_id = getattr(page, "__dict__", {}).get("tier_id")
        if tier_id in self.tiers:
            from .models import Tier

            page.tier = _build(Tier, self.tiers[tier_id])

    def live_module_count(self, course_path: str) -> int:
        """How many live modules there are under a course (live or not), without building them."""
        return sum(
            1
            for pk in self.children.get(course_path, [])
            if self.pages[pk]["model"] == "content.modulepage"
        )

    def live_children(self, page: Page) -> list[Page]:
        return [self.instance(pk) for pk in self.children.get(page.path, [])]

    def competency_areas_of(self, course_id: int) -> list:
        from .models import CompetencyArea

        return [
            _build(CompetencyArea, self.areas[pk]) for pk in self.course_areas.get(course_id, [])
        ]

    def tier_list(self) -> list:
        from .models import Tier

        return [_build(Tier, row) for row in sorted(self.tiers.values(), key=lambda t: t["order"])]

    def area_list(self) -> list:
        from .models import CompetencyArea

        rows = sorted(self.areas.values(), key=lambda a: (a["order"], a["name"]))
        return [_build(CompetencyArea, row) for row in rows]

    def live_courses(self) -> list[dict]:
        """Rows of the live courses (any catalogue), in tree order."""
        return [
            row
            for row in sorted(self.pages.values(), key=lambda r: r["path"])
            if row["model"] == "content.coursepage"
        ]

    def prerequisites_of(self, course_id: int) -> list[Page]:
        ids = self.course_prerequisites.get(course_id, [])
        return [self.instance(pk) for pk in ids if pk in self.pages]


def _build(model, row: dict):
    names = [f.attname for f in model._meta.concrete_fields if f.attname in row]
    return model.from_db(DEFAULT_DB_ALIAS, names, [row[name] for name in names])


def build() -> Directory:
    """Read the directory from the database (a fixed number of queries)."""
    from .models import CompetencyArea, CoursePage, Tier

    rows = list(Page.objects.filter(live=True).order_by("path").values(*_PAGE_FIELDS))
    labels = {}
    for ct_id in {r["content_type_id"] for r in rows}:
        model = ContentType.objects.get_for_id(ct_id).model_class()
        labels[ct_id] = model._meta.label_lower if model else "wagtailcore.page"
    pages = {}
    for row in rows:
        row["model"] = labels[row["content_type_id"]]
        pages[row["id"]] = row
    for label, names in _LIGHT_FIELDS.items():
        model = apps.get_model(label)
        for extra in model.objects.filter(live=True).values("page_ptr_id", *names):
            pk = extra.pop("page_ptr_id")
            if pk in pages:
                pages[pk].update(extra)
    for row in pages.values():
        row["page_ptr_id"] = row["id"]
    children: dict[str, list[int]] = {}
    for row in rows:  # ordered by path, so children come in tree order
        if row["depth"] > 1:
            children.setdefault(row["path"][: -Page.steplen], []).append(row["id"])
    course_areas: dict[int, list[int]] = {}
    through = CoursePage.competency_areas.through.objects.order_by(
        "competencyarea__order", "competencyarea__name"
    )
    for course_id, area_id in through.values_list("coursepage_id", "competencyarea_id"):
        course_areas.setdefault(course_id, []).append(area_id)
    prerequisites: dict[int, list[int]] = {}
    links = CoursePage.prerequisites.through.objects.order_by("to_coursepage__path")
    for from_id, to_id in links.values_list("from_coursepage_id", "to_coursepage_id"):
        prerequisites.setdefault(from_id, []).append(to_id)
    return Directory(
        sites=list(
            Site.objects.values(
                "id", "hostname", "port", "site_name", "root_page_id", "is_default_site"
            )
        ),
        pages=pages,
        by_url_path={row["url_path"]: pk for pk, row in pages.items()},
        by_path={row["path"]: pk for pk, row in pages.items()},
        children=children,
        tiers={t["id"]: t for t in Tier.objects.values()},
        areas={a["id"]: a for a in CompetencyArea.objects.values()},
        course_areas=course_areas,
        course_prerequisites=prerequisites,
        restricted=PageViewRestriction.objects.exists(),
        generation=uuid.uuid4().hex,
    )


# The directory of the request being served (set by ``content.middleware``), so that reads
# without the request at hand (selectors) do not fetch it from the cache again.
_current: ContextVar[Directory | None] = ContextVar("content_directory", default=None)
# The last directory this process read (``get``).
_held: Directory | None = None


def get() -> Directory:
    """The directory of this request, else from the cache or read afresh.

    A process keeps the last directory it read and uses it again while the cache's small
    ``GENERATION_KEY`` still names it (reading that costs a few microseconds; reading the whole
    directory from the cache, 0.3 ms a request), so every process sees a publication as soon as
    the cache does."""
    global _held
    data = _current.get()
    if data is not None:
        return data
    generation = cache.get(GENERATION_KEY)
    held = _held
    if held is None or generation is None or held.generation != generation:
        held = cache.get(CACHE_KEY)
        if held is None:
            held = build()
            cache.set(CACHE_KEY, held, settings.CONTENT_CACHE_SECONDS)
        if generation != held.generation:
            cache.set(GENERATION_KEY, held.generation, settings.CONTENT_CACHE_SECONDS)
        _held = held
    # Its own instances for each request; the rows are shared and never changed.
    return replace(held, _instances={})


def on_request(request) -> Directory:
    """``get()``, once per request."""
    if request is None:
        return get()
    directory = getattr(request, "_content_directory", None)
    if directory is None:
        directory = request._content_directory = get()
    return directory


@contextmanager
def serving(request):
    """Keep the request's directory for the reads made while serving it."""
    token = _current.set(on_request(request))
    try:
        yield
    finally:
        _current.reset(token)


def forget(**kwargs) -> None:
    """Drop the cached directory now and again after the commit (so that a request reading the
    tree before the commit cannot put the old tree back)."""
    _current.set(None)
    cache.delete_many([GENERATION_KEY, CACHE_KEY])
    transaction.on_commit(lambda: cache.delete_many([GENERATION_KEY, CACHE_KEY]))
