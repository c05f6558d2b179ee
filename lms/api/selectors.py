"""Reads of the reporting API: which token a request carries, what it may see (as a
``lms.reports`` scope, so that the figures come from the dashboard's own selectors), and the
rows of its lists."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from courses.models import Completion
from lms.reports import selectors as reports
from lms.reports.permissions import REGION_DEPTH, Scope
from lms.workforce.models import Membership, OrganisationUnit
from lms.workforce.selectors import administered_units

from .models import ApiToken


def token_by_prefix(prefix: str) -> ApiToken | None:
    return ApiToken.objects.select_related("created_by").filter(prefix=prefix).first()


def tokens_for(user) -> QuerySet[ApiToken]:
    """The tokens a person sees and may revoke on the tokens page: site administrators every
    token, other administrators the tokens they made."""
    qs = ApiToken.objects.select_related("created_by", "revoked_by").prefetch_related("units")
    if user.is_superuser:
        return qs
    return qs.filter(created_by=user)


def token_units(token: ApiToken) -> list[OrganisationUnit]:
    """The token's units that its maker still administers (a token reads no more than its
    maker could: an administrator who hands over an organisation takes their tokens' access
    to it with them)."""
    maker = token.created_by
    if not maker.is_active:
        return []
    units = token.units.order_by("path")
    if maker.is_superuser:
        return list(units)
    return list(units.filter(pk__in=administered_units(maker).values("pk")))


def _tops(paths) -> tuple[str, ...]:
    tops: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return tuple(tops)


def token_scope(token: ApiToken) -> Scope:
    """What the token sees: what a manager of its units sees on screen. Aggregates for every
    unit; people by name only in organisations and teams (a region's manager sees its figures,
    never its people by name)."""
    paths = [u.path for u in token_units(token)]
    named = [p for p in paths if len(p) // OrganisationUnit.steplen > REGION_DEPTH]
    return Scope(user=token.created_by, everything=False, paths=_tops(paths),
                 named_paths=_tops(named))  # fmt: skip


def people_page(scope: Scope, filters, drill, *, after: int | None, limit: int):
    """One page of the people behind a figure (the reports' ``people``, the same rows and
    counting), in order of person id after ``after``, as ``PersonRow``s; and whether more
    follow."""
    qs = reports.people(scope, filters, drill).order_by("user_id")
    if after is not None:
        qs = qs.filter(user_id__gt=after)
    rows = list(qs[: limit + 1])
    return reports.person_rows(rows[:limit]), len(rows) > limit


COMPLETION_FIELDS = (
    "pk",
    "recorded_at",
    "user_id",
    "user__email",
    "course_id",
    "course_title",
    "tier_code",
    "completed_at",
    "valid_until",
    "expires_at",
    "source",
)


def completions_since(
    scope: Scope, *, since: datetime | None, after: tuple[datetime, int] | None
) -> QuerySet:
    """Completions of the people the scope may see by name (those with a membership active
    today in one of its named units, as a manager's person pages), recorded at or after
    ``since``, or after the position ``after`` = (recorded_at, id), in the order they were
    recorded. Tuples of ``COMPLETION_FIELDS``; read it with ``.iterator()`` to stream."""
    today = timezone.localdate()
    people = (
        Membership.objects.filter(reports.active_on(today))
        .filter(scope.named_q("unit__"))
        .values("user_id")
    )
    qs = Completion.objects.filter(user_id__in=people)
    if after is not None:
        recorded_at, pk = after
        # The range on its own as well, so that the (recorded_at, id) index bounds the scan.
        qs = qs.filter(recorded_at__gte=recorded_at).filter(
            Q(recorded_at__gt=recorded_at) | Q(pk__gt=pk)
        )
    elif since is not None:
        qs = qs.filter(recorded_at__gte=since)
    return qs.order_by("recorded_at", "pk").values_list(*COMPLETION_FIELDS)
