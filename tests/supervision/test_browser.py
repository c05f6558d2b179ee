"""The whole flow in Chromium, with axe-core (WCAG 2.2 AA) on every supervision page on the
way: a supervisor and a supervisee agree, record, reflect and sign off; the supervisee's hours
move toward their target; their manager sees only hours."""

from datetime import timedelta

import pytest
from django.utils import timezone

from supervision.models import SupervisionAgreement, SupervisionSession
from supervision.selectors import learning_needs
from tests.browser import PHONE, assert_accessible, new_page
from tests.factories import CompetencyAreaFactory, MembershipFactory, UserFactory

from .factories import role

pytestmark = [
    pytest.mark.browser,
    # Restores the rows migrations create (content types, the home page) that a flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_agree_record_reflect_sign_off_in_chromium(browser, live_server, org_tree):
    from tests.factories import tiers

    tiers()
    CompetencyAreaFactory(name="Infant states, cues and communication")
    needed = CompetencyAreaFactory(name="Reflective practice and supervision")
    start = timezone.localdate() - timedelta(days=400)
    supervisor = UserFactory(display_name="Sam Supervisor")
    supervisee = UserFactory(display_name="Priya Practitioner")
    manager = UserFactory(display_name="Max Manager")
    MembershipFactory(
        user=supervisor, unit=org_tree["hv_team"], job_role=role("T4"), start_date=start
    )
    MembershipFactory(
        user=supervisee, unit=org_tree["hv_team"], job_role=role("T2"), start_date=start
    )
    MembershipFactory(
        user=manager, unit=org_tree["hv_team"], job_role=None, is_manager=True, start_date=start
    )

    # Supervisor proposes an agreement.
    page = new_page(browser, live_server, supervisor)
    page.goto("/supervision/")
    assert_accessible(page)
    page.get_by_role("link", name="Set up an agreement as supervisor").click()
    assert_accessible(page)
    page.get_by_label("Priya Practitioner").check()
    page.get_by_role("button", name="Propose agreement").click()
    page.wait_for_url("**/supervision/agreements/*/")
    assert_accessible(page)
    agreement = SupervisionAgreement.objects.get()

    # Supervisee accepts on a phone.
    phone = new_page(browser, live_server, supervisee, viewport=PHONE)
    phone.goto("/supervision/")
    assert_accessible(phone)
    phone.get_by_role("link", name="Reflective supervision with Sam Supervisor").first.click()
    phone.get_by_role("button", name="Accept agreement").click()
    phone.get_by_text("You have accepted the agreement").wait_for()

    # Supervisor records the session; a bad duration is explained and nothing typed is lost.
    page.goto(f"/supervision/agreements/{agreement.pk}/sessions/new/")
    assert_accessible(page)
    page.get_by_label("Duration in minutes").fill("3")
    page.get_by_label("Discussion and reflections").fill("We slowed down and noticed the baby.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page)
    assert page.get_by_label("Discussion and reflections").input_value() == (
        "We slowed down and noticed the baby."
    )
    page.get_by_label("Duration in minutes").fill("60")
    page.locator("#id_themes").get_by_label("Infant states, cues and communication").check()
    page.locator("#id_learning_needs").get_by_label("Reflective practice and supervision").check()
    page.locator("#id_actions-0-text").fill("Bring a recording of a visit")
    page.locator("#id_actions-0-owner").select_option(label="Priya Practitioner")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/supervision/sessions/*/")
    assert_accessible(page)
    session = SupervisionSession.objects.get()

    # Supervisee reflects on the phone.
    phone.goto("/supervision/")
    phone.get_by_role("link", name="Add your reflection").first.click()
    assert_accessible(phone)
    phone.get_by_label("Your reflection").fill("I felt calmer and could think again.")
    phone.get_by_role("button", name="Save reflection").click()
    phone.get_by_text("Reflection saved").wait_for()

    # Supervisor signs off.
    page.goto("/supervision/")
    page.get_by_role("link", name=f"Session of {session.date:%-d %b %Y}").first.click()
    page.get_by_role("link", name="Sign off").click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign off and lock the record").click()
    page.get_by_text("Session signed off").wait_for()
    assert_accessible(page)

    # The supervisee's hours moved toward the target; the learning need feeds suggestions.
    phone.goto("/supervision/")
    phone.get_by_text("1.00 of 12.0 hours").wait_for()
    phone.get_by_text("Bring a recording of a visit", exact=True).wait_for()  # an open action
    assert_accessible(phone)
    assert list(learning_needs(supervisee)) == [needed]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll

    # The manager sees hours, not content.
    office = new_page(browser, live_server, manager)
    office.goto("/supervision/team/")
    assert_accessible(office)
    office.get_by_role("link", name="Priya Practitioner").click()
    assert_accessible(office)
    text = office.content()
    assert "Signed off" in text and "60" in text
    assert "slowed down" not in text and "calmer" not in text
    assert office.goto(f"/supervision/sessions/{session.pk}/").status == 404
