"""The Wagtail admin: targets are editable; agreements are listed read-only, without terms
or any session content; the audit log records reads."""

import pytest
from django.urls import reverse

from supervision.models import SupervisionTarget
from supervision.services import ensure_default_targets

from .factories import SECRET_DISCUSSION, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_tree):
    w = build_world(org_tree)
    ensure_default_targets()
    return w


def test_admin_edits_a_target(client, world):
    client.force_login(world.admin)
    target = SupervisionTarget.objects.get(tier__code="T2")
    listing = client.get(reverse("supervisiontarget:index"))
    assert listing.status_code == 200
    assert "T2 Skilled" in listing.content.decode()
    response = client.post(
        reverse("supervisiontarget:edit", args=[target.pk]),
        {"tier": target.tier_id, "hours": "18", "window_months": "12", "max_gap_days": "60"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.hours, target.max_gap_days) == (18, 60)


def test_admin_lists_agreements_without_terms_and_cannot_change_them(client, world):
    client.force_login(world.admin)
    html = client.get(reverse("supervisionagreement:index")).content.decode()
    assert "Sam Supervisor" in html
    assert "safeguarding" not in html  # confidentiality terms
    assert SECRET_DISCUSSION not in html
    assert reverse("supervisionagreement:edit", args=[world.agreement.pk]) not in html
    for name in ("edit", "delete"):
        response = client.get(reverse(f"supervisionagreement:{name}", args=[world.agreement.pk]))
        assert response.status_code in (302, 403)
    assert client.get(reverse("supervisionagreement:add")).status_code in (302, 403)


def test_non_admins_do_not_reach_the_admin_screens(client, world):
    client.force_login(world.supervisor)
    for name in ("supervisiontarget:index", "supervisionagreement:index"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403)
