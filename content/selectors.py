"""Reads over the content tree: the catalogue's courses and a module's place in its course.

Every function runs a fixed number of queries, however many courses or modules there are.
"""

from django.db.models import QuerySet
from wagtail import hooks

from lms.request_memo import per_request

from . import directory
from .models import CompetencyArea, CourseIndexPage, CoursePage, ModulePage, Tier


def catalogue_courses(
    catalogue: CourseIndexPage,
    *,
    tier: Tier | None = None,
    area: CompetencyArea | None = None,
    required_up_to: Tier | None = None,
) -> QuerySet[CoursePage]:
    """Live courses of the catalogue in framework order (tier, then position), with their tiers
    and competency areas loaded.

    ``required_up_to``: only the core courses someone needs for that tier, i.e. courses that are
    required for their tier at that tier or below.
    """
    courses = (
        CoursePage.objects.child_of(catalogue)
        .live()
        .select_related("tier")
        .prefetch_related("competency_areas")
        .order_by("tier__order", "path")
    )
    if tier is not None:
        courses = courses.filter(tier=tier)
    if area is not None:
        courses = courses.filter(competency_areas=area)
    if required_up_to is not None:
        courses = courses.filter(required_for_tier=True, tier__order__lte=required_up_to.order)
    return courses


def required_tier_for_user(user) -> Tier | None:
    """The tier a person's job roles require, asked of whichever app knows (``workforce``
    registers the ``lms_required_tier_for_user`` hook); content itself knows nothing of roles."""
    if not (user and user.is_authenticated):
        return None
    tier = None
    for fn in hooks.get_hooks("lms_required_tier_for_user"):
        tier = fn(user) or tier
    return tier


def local_pathways_for_user(user) -> dict:
    """The local pathways a person sees, asked of whichever app knows (``lms.pathways``
    registers the ``lms_local_pathways_for_user`` hook); content knows nothing of regions.

    A dict: ``name`` (whose pathways, e.g. the region's name, or "" for the default),
    ``sections`` (topic key -> HTML) and ``examples`` (each a ``name`` and ``sections``).
    Empty when nothing answers: lessons then say to ask a manager or safeguarding lead."""
    answer: dict = {}
    for fn in hooks.get_hooks("lms_local_pathways_for_user"):
        answer = fn(user) or answer
    return answer


def local_pathways_on_request(request) -> dict:
    """``local_pathways_for_user`` once per request (a lesson may hold several blocks)."""
    user = getattr(request, "user", None)
    return per_request(request, "local_pathways", lambda: local_pathways_for_user(user))


def module_navigation(module: ModulePage, request=None) -> dict:
    """A module's course, its live sibling modules, its position and its neighbours, from the
    cached page directory (no query once it is read).

    A module that is not live (a draft in preview) gets no position and no neighbours.
    """
    tree = directory.on_request(request)
    course_id = tree.by_path.get(module.path[: -module.steplen])
    if course_id is None:  # a course that is not live: previews only
        course = CoursePage.objects.select_related("tier").get(path=module.path[: -module.steplen])
        modules = list(course.modules())
    else:
        course = tree.instance(course_id)
        modules = [m for m in tree.live_children(course) if isinstance(m, ModulePage)]
    position = next((i for i, m in enumerate(modules) if m.pk == module.pk), None)
    if position is not None and module.live:
        modules[position] = module
    return {
        "course": course,
        "module_list": modules,
        "module_number": position + 1 if position is not None else None,
        "module_count": len(modules),
        "previous_module": modules[position - 1] if position else None,
        "next_module": (
            modules[position + 1] if position is not None and position + 1 < len(modules) else None
        ),
    }


def course_modules(course: CoursePage, request=None) -> list[ModulePage]:
    """A live course's live modules in order, from the cached page directory; read from the
    database for a course that is not live (a preview)."""
    tree = directory.on_request(request)
    if course.pk not in tree.pages:
        return list(course.modules())
    return [m for m in tree.live_children(course) if isinstance(m, ModulePage)]


def module_navigation_on_request(request, module: ModulePage) -> dict:
    """``module_navigation``, read once per request (the page and its panels all need it)."""
    return per_request(
        request, ("module_navigation", module.pk), lambda: module_navigation(module, request)
    )


def page_fragment_key(request, page) -> str | None:
    """The cache key of the parts of a live page that are the same for everyone (its content,
    with ``{% personal_include %}``s for the parts about the person looking): the page and the
    page directory's generation, which changes with every publication and every change to a
    tier or competency area. None for a preview or a draft (rendered afresh)."""
    if request is None or getattr(request, "is_preview", False) or not page.live:
        return None
    tree = directory.on_request(request)
    if tree.by_path.get(page.path) != page.pk:
        return None
    return f"{tree.generation}:{page.pk}"


def lesson_fragment_key(request, module: ModulePage) -> str | None:
    """The cache key of a module page's content (its lesson, position and navigation) as this
    person sees it, or None when it must be rendered afresh (a preview, a draft, no request).

    The content is the same for everyone who sees the same published revision (the page
    directory's generation changes with every publication), the same glossary terms (a change
    to the glossary drops them from the cache) and, where the lesson has a "Local pathways"
    block, the same region's pathways. So it is rendered once per such combination and reused
    by every learner; the parts about the person (their progress panel, the e-learning player,
    their own private reflection answers) are ``{% personal_include %}``s, rendered for every
    request."""
    import hashlib
    import json

    from .glossary.selectors import linkable_terms

    shared = page_fragment_key(request, module)
    if shared is None:
        return None
    terms = per_request(request, "glossary_refs", linkable_terms)
    parts = [shared, repr(terms)]
    if any(block["type"] == "local_pathways" for block in module.body.raw_data):
        pathways = local_pathways_on_request(request)
        parts.append(json.dumps(pathways, sort_keys=True, default=str))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
