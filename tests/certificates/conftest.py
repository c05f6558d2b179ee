import pytest
from django.core import mail
from django.core.cache import cache

from certificates import services
from tests.certificates.factories import make_completion, make_course


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def course(framework_tiers):
    return make_course(
        title="Understanding Babies: States and Cues", tier=framework_tiers["T1"], cpd_hours="1.5"
    )


@pytest.fixture
def holder(user_factory):
    return user_factory(display_name="Siobhán O’Connor", email="siobhan@example.org")


@pytest.fixture
def other(user_factory):
    return user_factory(display_name="Ola Other", email="ola@example.org")


@pytest.fixture
def admin_user(user_factory):
    return user_factory(
        display_name="Ada Admin", email="ada@example.org", is_staff=True, is_superuser=True
    )


@pytest.fixture
def issue(course, holder):
    """``issue(user=holder, course=course, **completion_kwargs)``: a completion with its
    certificate issued (PDF rendered, holder emailed)."""

    def make(user=None, course_=None, **kwargs):
        completion = make_completion(user or holder, course_ or course, **kwargs)
        result = services.issue_certificate(completion_id=completion.pk)
        return result.certificate

    return make


@pytest.fixture
def certificate(issue):
    certificate = issue()
    mail.outbox.clear()
    return certificate
