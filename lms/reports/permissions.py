"""Who may see which report. One place, so that every view asks the same question.

- Administrators: every unit, aggregates and named people.
- Managers (manager of an organisation or a team): coverage and named people for the units they
  manage (their unit and everything below it).
- Regional leads (manager of a region unit): aggregates for every unit in the region, but never
  named individuals: person-level pages answer 404 for them.
- Organisation and regional administrators: coverage and named people for the organisation or
  region they administer (their work is those people's records).
- Trainers: course analytics only.
- Anyone else: 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from lms.workforce.models import Membership, OrganisationUnit
from lms.workforce.selectors import Role, administered_paths, roles_for

STEP = OrganisationUnit.steplen
REGION_DEPTH = OrganisationUnit.DEPTH_OF_KIND[OrganisationUnit.Kind.REGION]


def _depth(path: str) -> int:
    return len(path) // STEP


@dataclass(frozen=True)
class Scope:
    """What one person may see in the coverage reports.

    ``paths`` are the tops of the subtrees whose aggregates they see (empty with ``everything``);
    ``named_paths`` the tops of the subtrees whose people they may see by name.
    """

    user: object
    everything: bool
    paths: tuple[str, ...]
    named_paths: tuple[str, ...]
    named_everything: bool = False

    @property
    def is_regional(self) -> bool:
        return not self.everything and any(_depth(p) == REGION_DEPTH for p in self.paths)

    def unit_q(self, prefix: str = "") -> Q:
        """Rows whose unit (reached through ``prefix``) is inside the scope."""
        return self._paths_q(self.paths, prefix, self.everything)

    def named_q(self, prefix: str = "") -> Q:
        """Rows whose unit is one whose people this person may see by name."""
        return self._paths_q(self.named_paths, prefix, self.named_everything)

    @staticmethod
    def _paths_q(paths, prefix: str, everything: bool) -> Q:
        if everything:
            return Q()
        q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
        for path in paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def covers(self, unit: OrganisationUnit) -> bool:
        return self.everything or any(unit.path.startswith(p) for p in self.paths)

    def may_name(self, unit: OrganisationUnit) -> bool:
        return self.named_everything or any(unit.path.startswith(p) for p in self.named_paths)

    @property
    def may_name_anyone(self) -> bool:
        return self.named_everything or bool(self.named_paths)


def coverage_scope(user) -> Scope | None:
    """The person's coverage scope, or None if they may not see coverage at all."""
    if not (user and user.is_authenticated):
        return None
    if user.is_superuser:
        return Scope(user=user, everything=True, paths=(), named_paths=(), named_everything=True)
    managed = set(
        Membership.objects.active()
        .filter(user=user, is_manager=True)
        .values_list("unit__path", flat=True)
    )
    administered = administered_paths(user)
    if not managed and not administered:
        return None
    # A region's manager sees its aggregates; the same person managing an organisation inside
    # it still sees that organisation's people by name, and so does an administrator.
    named = _tops([*(p for p in managed if _depth(p) > REGION_DEPTH), *administered])
    managed.update(administered)
    return Scope(user=user, everything=False, paths=_tops(managed), named_paths=named)


def _tops(paths) -> tuple[str, ...]:
    """The outermost of ``paths`` (a path inside another is already covered by it)."""
    tops: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return tuple(tops)


def coverage_scope_or_404(user) -> Scope:
    scope = coverage_scope(user)
    if scope is None:
        raise Http404
    return scope


def named_scope_or_404(user) -> Scope:
    """For person-level pages: only people who may see someone by name get past this."""
    scope = coverage_scope_or_404(user)
    if not scope.may_name_anyone:
        raise Http404
    return scope


def may_see_course_analytics(user) -> bool:
    return bool(roles_for(user) & {Role.TRAINER, Role.ADMIN})


def may_see_reports(user) -> bool:
    return coverage_scope(user) is not None or may_see_course_analytics(user)
