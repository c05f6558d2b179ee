"""Writes of local pathways."""

from django.db import transaction

from lms.workforce.models import OrganisationUnit

from .models import LocalPathways
from .starter import ensure_starter_pathways


def starter_pathways_ensure() -> int:
    """The neutral default and the labelled examples, created where missing (never changed).
    Returns how many were created."""
    return ensure_starter_pathways(LocalPathways)


@transaction.atomic
def region_pathways_adopt_example(*, region: OrganisationUnit, nation: str) -> LocalPathways:
    """Give a region that has no pathways of its own a copy of one nation's example, to edit
    from there. A region that has its own keeps them unchanged (safe to repeat)."""
    if region.kind != OrganisationUnit.Kind.REGION:
        raise ValueError(f"{region} is not a region")
    existing = LocalPathways.objects.filter(region=region).first()
    if existing is not None:
        return existing
    example = LocalPathways.objects.get(use=LocalPathways.Use.EXAMPLE, nation=nation)
    pathways = LocalPathways(
        name=region.name,
        use=LocalPathways.Use.REGION,
        region=region,
        **example.sections(),
    )
    pathways.full_clean()
    pathways.save()
    return pathways
