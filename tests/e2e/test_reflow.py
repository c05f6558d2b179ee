"""WCAG 2.2 reflow (1.4.10) at 320 CSS pixels, which axe does not check: health visitors work
from phones. On every page a practitioner, a supervisor and a manager use, nothing makes the
page itself scroll sideways; a person's own records become stacked rows; wide report tables
scroll inside their own labelled region. axe-core checks each page as well."""

import pytest
from django.urls import reverse

from tests.browser import assert_accessible, layout_problems, new_page
from tests.security.world import build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NARROW = {"width": 320, "height": 700}


def pages_by_role(w) -> dict[str, list[str]]:
    person = w.p.pk
    agreement = reverse("supervision:agreement", args=[w.agreement.pk])
    session = reverse("supervision:session", args=[w.signed_session.pk])
    return {
        "practitioner": [
            reverse("courses:dashboard"),
            reverse("courses:history"),
            reverse("courses:reflections"),
            "/courses/",
            w.course.get_url(),
            w.module.get_url(),
            reverse("certificates:mine"),
            w.certificate.verify_path(),
            reverse("supervision:home"),
            agreement,
            session,
            reverse("reports:my_emails"),
            reverse("account_profile"),
        ],
        "supervisor": [
            reverse("supervision:home"),
            agreement,
            session,
            reverse("supervision:session_create", args=[w.agreement.pk]),
            reverse("supervision:agreement_create"),
        ],
        "manager": [
            reverse("reports:dashboard"),
            reverse("reports:people"),
            reverse("reports:person", args=[person]),
            reverse("supervision:team"),
            reverse("supervision:team_person", args=[person]),
            reverse("workforce:home"),
        ],
    }


# A person's own records: stacked at this width (each row a block, each cell labelled).
OWN_RECORDS = {
    reverse("courses:dashboard"),
    reverse("certificates:mine"),
    reverse("supervision:home"),
    reverse("courses:history"),
}


def test_no_page_scrolls_sideways_at_320_px(browser, live_server):
    world = build_world()
    problems = []
    for role, urls in pages_by_role(world).items():
        page = new_page(browser, live_server, world.user(role), viewport=NARROW)
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, (role, url, response.status)
            problems += [f"{role} {url}: {p}" for p in layout_problems(page)]
            if role == "practitioner" and url in OWN_RECORDS:
                tables = page.locator("main table.table-stack")
                assert tables.count() >= 1, url
                displays = tables.evaluate_all("ts => ts.map(t => getComputedStyle(t).display)")
                assert set(displays) == {"block"}, (url, displays)
            assert_accessible(page, f"{role} {url} at 320 px")
        page.context.close()
    assert problems == []
