"""Reads about the workforce: roles, who manages what, and who is in a manager's scope."""

import uuid
from datetime import date
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils import timezone

from content.groups import AUTHORING_GROUPS

from .models import JobRole, Membership, OrganisationUnit


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    REGIONAL_LEAD = "regional_lead"
    TRAINER = "trainer"
    ADMIN = "admin"
    # Administrators of one organisation, or of every organisation in one region.
    ORGANISATION_ADMIN = "organisation_admin"
    REGIONAL_ADMIN = "regional_admin"


_ROLES_CACHE = "_lms_roles"
_FLAGS_CACHE = "_lms_account_flags"
_MEMBERSHIPS_CACHE = "_lms_todays_memberships"


def roles_for(user) -> frozenset[str]:
    """The roles a signed-in person holds today. Cached on the user object for the request."""
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    if user.is_superuser:
        roles.add(Role.ADMIN)
    for membership in todays_memberships(user):
        if membership.job_role_id:
            roles.add(Role.PRACTITIONER)
        if membership.is_manager:
            kind = membership.unit.kind
            roles.add(Role.REGIONAL_LEAD if kind == OrganisationUnit.Kind.REGION else Role.MANAGER)
    flags = account_flags(user)
    if flags["authoring"]:
        roles.add(Role.TRAINER)
    for path in flags["administers"]:
        region = len(path) // OrganisationUnit.steplen == 1
        roles.add(Role.REGIONAL_ADMIN if region else Role.ORGANISATION_ADMIN)
    result = frozenset(roles)
    setattr(user, _ROLES_CACHE, result)
    return result


def todays_memberships(user) -> list[Membership]:
    """The person's memberships active today, with unit, job role and required tier, kept on
    the user object for the request (the navigation, the permission checks and the learner's
    dashboard all ask) and in the cache between requests.

    Every signed-in page asks (the roles behind the navigation and every permission check), and
    the query with its three joins costs 0.7 ms of CPU to build and read, so the answer is kept
    in the cache for the day, until any membership, unit, job role or tier changes anywhere
    (``forget_memberships``: connected to their saves and deletes in ``lms.workforce.apps``,
    and sent by the bulk writes of ``MembershipQuerySet``). With the shared cache (Redis) every
    process sees a change at once; with the local-memory cache of the embedded default, other
    processes see it within ``ROLES_CACHE_SECONDS``."""
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, _MEMBERSHIPS_CACHE, None)
    if cached is None:
        cached = _memberships_from_cache(user)
        setattr(user, _MEMBERSHIPS_CACHE, cached)
    return cached


MEMBERSHIPS_VERSION_KEY = "lms:memberships:version"


def _memberships_from_cache(user) -> list[Membership]:
    from django.conf import settings
    from django.core.cache import cache

    today = timezone.localdate()
    key = f"lms:memberships:{user.pk}:{user.date_joined.timestamp()}:{today.isoformat()}"
    found = cache.get_many([MEMBERSHIPS_VERSION_KEY, key])
    version, entry = found.get(MEMBERSHIPS_VERSION_KEY), found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1]
    if version is None:
        cache.add(MEMBERSHIPS_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(MEMBERSHIPS_VERSION_KEY)
    memberships = list(active_memberships(user, today))
    if version is not None:
        cache.set(key, (version, memberships), settings.ROLES_CACHE_SECONDS)
    return memberships


def forget_memberships(**kwargs) -> None:
    """A membership, unit, job role or tier changed: every cached answer of
    ``todays_memberships`` is read again, now and once more when the change is committed (so
    that a request that read the rows before the commit cannot keep them)."""
    from django.core.cache import cache
    from django.db import transaction

    cache.delete(MEMBERSHIPS_VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(MEMBERSHIPS_VERSION_KEY))


_FLAGS_VERSION_KEY = "lms:account-flags:version"
_FLAGS_SECONDS = 300


def account_flags(user) -> dict:
    """``authoring``: the person is in an authoring group (trainers, reviewers); ``admin``: they
    may open the Wagtail admin (the ``wagtailadmin.access_admin`` permission, through a group or
    their own); ``administers``: the tree paths of the organisations and regions they
    administer. Every page's navigation and permission check asks, so the answer is kept in the
    cache until a group, a permission or an administrator grant changes anywhere
    (``forget_account_flags``), and on the user object for the request."""
    if not user or not user.is_authenticated:
        return {"authoring": False, "admin": False, "administers": ()}
    cached = getattr(user, _FLAGS_CACHE, None)
    if cached is not None:
        return cached
    from django.core.cache import cache

    key = f"lms:account-flags:{user.pk}:{user.date_joined.timestamp()}"
    found = cache.get_many([_FLAGS_VERSION_KEY, key])
    version = found.get(_FLAGS_VERSION_KEY)
    entry = found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        authoring, has_admin, administers = entry[1]
    else:
        if version is None:
            version = uuid.uuid4().hex
            cache.add(_FLAGS_VERSION_KEY, version, None)
            version = cache.get(_FLAGS_VERSION_KEY, version)
        authoring, has_admin, administers = _read_account_flags(user)
        cache.set(key, (version, (authoring, has_admin, administers)), _FLAGS_SECONDS)
    flags = {
        "authoring": authoring,
        # A regional administrator opens the admin to edit their region's local pathways.
        "admin": user.is_active
        and (user.is_superuser or has_admin or any(map(_is_region_path, administers))),
        "administers": administers if user.is_active else (),
    }
    setattr(user, _FLAGS_CACHE, flags)
    return flags


def _read_account_flags(user) -> tuple[bool, bool, tuple[str, ...]]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Exists, OuterRef

    from .models import Administrator

    access_admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            authoring=Exists(Group.objects.filter(user=OuterRef("pk"), name__in=AUTHORING_GROUPS)),
            group_admin=Exists(access_admin.filter(group__user=OuterRef("pk"))),
            own_admin=Exists(access_admin.filter(user=OuterRef("pk"))),
        )
        .values("authoring", "group_admin", "own_admin")
        .first()
    )
    if row is None:
        return False, False, ()
    administers = tuple(
        _tops(
            Administrator.objects.active()
            .filter(user=user, unit__is_active=True)
            .values_list("unit__path", flat=True)
        )
    )
    return bool(row["authoring"]), bool(row["group_admin"] or row["own_admin"]), administers


def forget_account_flags(**kwargs) -> None:
    """Someone's groups, a group's permissions or an administrator grant changed: every cached
    answer is read again."""
    from django.core.cache import cache

    cache.delete(_FLAGS_VERSION_KEY)


def forget_roles(user) -> None:
    for name in (_ROLES_CACHE, _FLAGS_CACHE, _MEMBERSHIPS_CACHE):
        if hasattr(user, name):
            delattr(user, name)


def _subtree_q(paths: list[str], prefix: str = "") -> Q:
    """A filter matching any unit at or below one of ``paths`` (on ``<prefix>path``)."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def administered_paths(user) -> tuple[str, ...]:
    """Tree paths of the organisations and regions a person administers today."""
    return account_flags(user)["administers"]


def _is_region_path(path: str) -> bool:
    return len(path) == OrganisationUnit.steplen


def administered_region_paths(user) -> list[str]:
    """Tree paths of the regions a person administers today (as a regional administrator)."""
    return [path for path in administered_paths(user) if _is_region_path(path)]


def administers_unit(user, unit: OrganisationUnit) -> bool:
    """Site administrators administer everything; organisation and regional administrators
    their own organisation or region and every unit in it."""
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    return any(unit.path.startswith(path) for path in administered_paths(user))


def administered_units(user) -> QuerySet[OrganisationUnit]:
    """Units an organisation or regional administrator (or a site administrator) may change."""
    if user and user.is_authenticated and user.is_superuser:
        return OrganisationUnit.objects.all()
    return OrganisationUnit.objects.filter(_subtree_q(list(administered_paths(user))))


def managed_root_paths(user, on: date | None = None) -> list[str]:
    """Tree paths of the units a person manages directly (the tops of their scope): the units
    they manage and, today, the organisations and regions they administer."""
    if not user or not user.is_authenticated:
        return []
    managed = list(
        Membership.objects.active(on)
        .filter(user=user, is_manager=True)
        .values_list("unit__path", flat=True)
    )
    if on is None or on == timezone.localdate():
        managed += administered_paths(user)
    return _tops(managed)


def record_root_paths(user, on: date | None = None) -> list[str]:
    """Tops of the units whose people's training and supervision records ``user`` may see and
    act on: the units they manage, regions left out, and the organisations and regions they
    administer. A regional lead sees a region's figures (the reports), never named people's
    records (ARCHITECTURE.md, "Who may see what"); someone who manages a region and an
    organisation in it has that organisation's people; a regional administrator, whose work is
    the region's people, has them all."""
    if not user or not user.is_authenticated:
        return []
    if on is None or on == timezone.localdate():
        return _tops(
            [
                *(
                    m.unit.path
                    for m in todays_memberships(user)
                    if m.is_manager and m.unit.kind != OrganisationUnit.Kind.REGION
                ),
                *administered_paths(user),
            ]
        )
    return _tops(
        Membership.objects.active(on)
        .filter(user=user, is_manager=True)
        .exclude(unit__kind=OrganisationUnit.Kind.REGION)
        .values_list("unit__path", flat=True)
    )


def _tops(paths) -> list[str]:
    """The outermost of ``paths``: a path inside another is already covered by it."""
    tops: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return tops


def managed_units(user) -> QuerySet[OrganisationUnit]:
    """Every unit a person manages: the units they manage directly and all units below them.

    Administrators manage everything.
    """
    if user and user.is_authenticated and user.is_superuser:
        return OrganisationUnit.objects.all()
    paths = managed_root_paths(user)
    if not paths:
        return OrganisationUnit.objects.none()
    return OrganisationUnit.objects.filter(_subtree_q(paths))


def scope_q(user, prefix: str) -> Q:
    """A filter for rows whose unit (reached through ``prefix``, e.g. ``"unit__"``) is in the
    person's management scope. Use it to scope any query to what a manager may see."""
    if user and user.is_authenticated and user.is_superuser:
        return Q()
    return _subtree_q(managed_root_paths(user), prefix=prefix)


def manages_unit(user, unit: OrganisationUnit) -> bool:
    if user and user.is_authenticated and user.is_superuser:
        return True
    return any(unit.path.startswith(path) for path in managed_root_paths(user))


def manages_person(manager, person, *, records: bool = False) -> bool:
    """Whether ``person`` works (today) in a unit that ``manager`` manages. ``records``: in a
    unit whose people's records ``manager`` may see (``record_root_paths``)."""
    if manager.is_superuser:
        return True
    paths = record_root_paths(manager) if records else managed_root_paths(manager)
    if not paths:
        return False
    return (
        Membership.objects.active()
        .filter(user=person)
        .filter(_subtree_q(paths, prefix="unit__"))
        .exists()
    )


def staff_in_scope(user, *, records: bool = False) -> QuerySet[Membership]:
    """Active memberships in the units a person manages, with people, units and roles.
    ``records``: only in the units whose people's records they may see (``record_root_paths``:
    a regional lead gets nobody)."""
    if not (user and user.is_authenticated):
        return Membership.objects.none()
    if user.is_superuser:
        scope = Q()
    else:
        paths = record_root_paths(user) if records else managed_root_paths(user)
        if not paths:
            return Membership.objects.none()
        scope = _subtree_q(paths, prefix="unit__")
    return (
        Membership.objects.active()
        .filter(scope)
        .select_related("user", "unit", "job_role", "job_role__required_tier")
    )


def active_memberships(user, on: date | None = None) -> QuerySet[Membership]:
    return (
        Membership.objects.active(on)
        .filter(user=user)
        .select_related("unit", "job_role", "job_role__required_tier")
    )


def required_tier_for(user, on: date | None = None):
    """The highest tier any of a person's current job roles requires, or None."""
    memberships = active_memberships(user, on).exclude(job_role=None)
    tiers = [m.job_role.required_tier for m in memberships]
    return max(tiers, key=lambda t: t.order, default=None)


def unit_tree(units: QuerySet[OrganisationUnit]) -> list[OrganisationUnit]:
    """Units in tree order, each with ``staff_count`` (active memberships in that unit)."""
    from django.db.models import Count
    from django.utils import timezone

    today = timezone.localdate()
    active = Q(memberships__start_date__lte=today) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today)
    )
    return list(
        units.annotate(staff_count=Count("memberships", filter=active, distinct=True)).order_by(
            "path"
        )
    )


def job_roles() -> QuerySet[JobRole]:
    return JobRole.objects.filter(is_active=True).select_related("required_tier")
