"""Factories shared by every app's tests. App-specific factories live in tests/<app>/."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from content.models import CompetencyArea, Tier
from lms.workforce.models import JobRole, Membership, OrganisationUnit

PASSWORD = "a-Long-test-passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Every factory user has a verified primary address, as allauth requires to sign in."""
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"primary": True, "verified": True}
            )


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n + 1}")
    name = factory.LazyAttribute(
        lambda o: {"T1": "Informed", "T2": "Skilled", "T3": "Enhanced", "T4": "Specialist"}.get(
            o.code, f"Tier {o.code}"
        )
    )
    order = factory.LazyAttribute(lambda o: int(o.code[1:]))
    refresher_months = 36


def tiers() -> dict[str, Tier]:
    """The four framework tiers, created if missing."""
    return {code: TierFactory(code=code) for code in ("T1", "T2", "T3", "T4")}


class CompetencyAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyArea
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Competency area {n}")
    order = factory.Sequence(lambda n: n)


class UnitFactory:
    """Builds the organisation tree through treebeard (units cannot be created with .create)."""

    _n = 0

    @classmethod
    def _code(cls, prefix):
        cls._n += 1
        return f"{prefix}-{cls._n}"

    @classmethod
    def region(cls, name="North Region", code=None):
        return OrganisationUnit.add_root(
            name=name, code=code or cls._code("region"), kind=OrganisationUnit.Kind.REGION
        )

    @classmethod
    def organisation(cls, region, name="Riverside NHS Trust", code=None, sector="nhs"):
        region.refresh_from_db()
        return region.add_child(
            name=name,
            code=code or cls._code("org"),
            kind=OrganisationUnit.Kind.ORGANISATION,
            sector=sector,
        )

    @classmethod
    def team(cls, organisation, name="Health Visiting North", code=None):
        organisation.refresh_from_db()
        return organisation.add_child(
            name=name, code=code or cls._code("team"), kind=OrganisationUnit.Kind.TEAM
        )


class JobRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRole
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Job role {n}")
    code = factory.Sequence(lambda n: f"role-{n}")
    required_tier = factory.LazyFunction(lambda: TierFactory(code="T2"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    job_role = factory.SubFactory(JobRoleFactory)
    is_manager = False
