"""Refusals and errors are the product's own pages (header, navigation, a way on), with debugging
on as in development as well as off as in production."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional_lead(db):
    region = UnitFactory.region(name="North Coast Region")
    lead = UserFactory(display_name="Rae Lead")
    MembershipFactory(user=lead, unit=region, job_role=None, is_manager=True)
    return lead


@pytest.mark.parametrize("debug", [True, False])
def test_a_refusal_is_the_products_own_not_found_page(client, settings, regional_lead, debug):
    """A regional lead may not list people by name: the answer is the site's 404 page, never
    Django's debugging page."""
    settings.DEBUG = debug
    client.force_login(regional_lead)
    response = client.get(reverse("reports:people"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="site-header"' in html and 'class="site-nav"' in html
    assert "Raised by" not in html and "URLconf" not in html
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("debug", [True, False])
def test_permission_denied_is_the_products_own_page(client, settings, rf, debug):
    from django.core.exceptions import PermissionDenied

    from lms.middleware import ProductErrorPagesMiddleware

    settings.DEBUG = debug
    request = rf.get("/anything/")
    request.user = UserFactory()
    middleware = ProductErrorPagesMiddleware(lambda r: None)
    response = middleware.process_exception(request, PermissionDenied())
    assert response.status_code == 403
    assert "<h1>You cannot open this page</h1>" in response.content.decode()


def test_server_error_page_stands_alone(client):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html
