"""Local pathways: each region sets its own in the admin, lessons show the learner's region's
(found through their organisation's place in the tree), the default fills what a region has
left empty or not set, and examples of two nations are shown clearly labelled."""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError

from content.loader.source import CurriculumError
from content.models import ModulePage
from lms.pathways import services
from lms.pathways.models import LocalPathways
from tests.content.factories import make_course
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def lesson(tier, *, topics=(), show_examples=True) -> ModulePage:
    course = make_course(tier=tier, modules=1)
    module = ModulePage.objects.child_of(course).get()
    module.body = [
        {"type": "text", "value": "<p>Before you refer, know your local routes.</p>"},
        {
            "type": "local_pathways",
            "value": {
                "heading": "Your local pathways",
                "intro": "Where to turn.",
                "topics": list(topics),
                "show_examples": show_examples,
            },
        },
    ]
    module.save_revision().publish()
    return ModulePage.objects.get(pk=module.pk)


def pathways_box(client, module):
    response = client.get(module.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(".local-pathways")


def own_sections(box) -> dict[str, str]:
    """Label -> text of the learner's own (not the folded examples') sections."""
    dl = box.find("dl", recursive=False)
    if dl is None:
        return {}
    return {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in dl.find_all("dt")
    }


@pytest.fixture
def north_pathways(org_tree):
    return LocalPathways.objects.create(
        name="North Region",
        use="region",
        region=org_tree["region"],
        safeguarding="<p>Call the North Safeguarding Desk on 0100 000 0001.</p>",
        perinatal_mental_health="<p>North perinatal team, referral by GP.</p>",
    )


def test_a_learner_sees_their_regions_pathways_with_the_default_filling_the_gaps(
    org_tree, north_pathways, make_member, framework_tiers, client
):
    member = make_member(org_tree["hv_team"])  # a team of an organisation of the region
    client.force_login(member.user)
    box = pathways_box(client, lesson(framework_tiers["T1"]))

    sections = own_sections(box)
    assert (
        "Call the North Safeguarding Desk on 0100 000 0001."
        in (sections["Safeguarding advice and referral"])
    )
    assert "North perinatal team" in sections["Perinatal mental health services"]
    # Left empty by the region: the default's text, not a blank.
    assert "Samaritans" in sections["Helplines and urgent help"]
    assert "Set for North Region." in box.get_text()
    assert box.h3.get_text() == "Your local pathways"


def test_someone_elsewhere_sees_the_default_and_is_told_so(
    org_tree, north_pathways, make_member, framework_tiers, client
):
    elsewhere = UnitFactory.organisation(UnitFactory.region(name="South Region"))
    client.force_login(make_member(elsewhere).user)
    box = pathways_box(client, lesson(framework_tiers["T1"]))
    sections = own_sections(box)
    assert "North Safeguarding Desk" not in box.get_text()
    assert "safeguarding lead the same day" in sections["Safeguarding advice and referral"]
    assert "has not set its own pathways yet" in box.get_text()


def test_anonymous_visitors_see_the_default(framework_tiers, client):
    box = pathways_box(client, lesson(framework_tiers["T1"]))
    assert len(own_sections(box)) == 6
    assert "has not set its own pathways yet" in box.get_text()


def test_with_no_default_a_lesson_still_says_where_to_ask(framework_tiers, client):
    LocalPathways.objects.filter(use="default").delete()
    box = pathways_box(client, lesson(framework_tiers["T1"], show_examples=False))
    assert own_sections(box) == {}
    assert "Ask your manager or your organisation's safeguarding lead" in box.get_text()


def test_topics_choose_the_sections_and_examples_are_labelled_and_folded(
    org_tree, north_pathways, make_member, framework_tiers, client
):
    client.force_login(make_member(org_tree["midwives"]).user)
    box = pathways_box(client, lesson(framework_tiers["T1"], topics=["safeguarding"]))
    assert list(own_sections(box)) == ["Safeguarding advice and referral"]
    examples = box.select("details")
    assert [d.summary.get_text(strip=True) for d in examples] == [
        "Example: how this looks in England",
        "Example: how this looks in Northern Ireland",
    ]
    england, northern_ireland = (d.get_text(" ", strip=True) for d in examples)
    assert "section 47" in england and "UNOCINI" not in england
    assert "UNOCINI" in northern_ireland and "Gateway" in northern_ireland
    assert "not necessarily where you work" in northern_ireland

    box = pathways_box(
        client, lesson(framework_tiers["T1"], topics=["early_help"], show_examples=False)
    )
    assert box.select("details") == []
    assert list(own_sections(box)) == ["Early help and family support"]


def test_the_starter_default_and_examples_exist_and_are_created_once():
    assert set(LocalPathways.objects.values_list("use", "nation")) == {
        ("default", ""),
        ("example", "England"),
        ("example", "Northern Ireland"),
    }
    assert services.starter_pathways_ensure() == 0
    ni = LocalPathways.objects.get(nation="Northern Ireland")
    for name in ("Healthy Child, Healthy Future", "UNOCINI", "Family Support Hubs"):
        assert name in "".join(ni.sections().values())


def test_a_region_adopts_an_example_once_and_keeps_its_edits(org_tree):
    region = org_tree["region"]
    pathways = services.region_pathways_adopt_example(region=region, nation="Northern Ireland")
    assert pathways.region == region and "UNOCINI" in pathways.safeguarding
    pathways.safeguarding = "<p>Our own desk.</p>"
    pathways.save()
    again = services.region_pathways_adopt_example(region=region, nation="England")
    assert again.pk == pathways.pk and again.safeguarding == "<p>Our own desk.</p>"
    with pytest.raises(ValueError):
        services.region_pathways_adopt_example(region=org_tree["trust"], nation="England")


def test_pathways_belong_to_regions_only_and_there_is_one_default(org_tree):
    team = LocalPathways(name="A team", use="region", region=org_tree["hv_team"])
    with pytest.raises(ValidationError, match="Choose a region"):
        team.full_clean()
    with pytest.raises(ValidationError, match="already a default"):
        LocalPathways(name="Second default", use="default").full_clean()
    with pytest.raises(ValidationError, match="which nation"):
        LocalPathways(name="Example", use="example").full_clean()


def test_the_loader_reads_the_block_and_rejects_unknown_topics(mini):
    def add_block(topics):
        def change(data):
            data["modules"][0]["body"].append(
                {"local_pathways": {"heading": "Where you work", "topics": topics}}
            )

        return change

    mini.edit_course("alpha", add_block(["safeguarding", "helplines"]))
    mini.load()
    module = ModulePage.objects.get(slug="first-module", title__contains="alpha")
    block = next(b for b in module.body if b.block_type == "local_pathways")
    assert block.value["heading"] == "Where you work"
    assert list(block.value["topics"]) == ["safeguarding", "helplines"]
    assert block.value["show_examples"] is True

    mini.edit_course("alpha", add_block(["section-47"]))
    with pytest.raises(CurriculumError, match="unknown topic section-47"):
        mini.load()


def test_a_regional_administrator_edits_only_their_own_regions_pathways(
    org_tree, north_pathways, client, user_factory
):
    """In the admin, a regional administrator finds and edits their region's pathways; another
    region's, the default and the examples answer 404 and are not listed; they cannot delete,
    nor turn their set into the default; an organisation administrator gets no admin at all."""
    from django.urls import reverse

    from lms.workforce.services import administrator_grant

    services.starter_pathways_ensure()
    south = UnitFactory.region(name="South Region", code="south")
    south_pathways = LocalPathways.objects.create(name="South Region", use="region", region=south)
    default = LocalPathways.objects.get(use="default")
    lead = user_factory(display_name="Rhian Regionaladmin")
    administrator_grant(user=lead, unit=org_tree["region"])
    client.force_login(lead)

    listing = client.get(reverse("wagtailsnippets_pathways_localpathways:list"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "North Region" in text and "South Region" not in text
    edit = "wagtailsnippets_pathways_localpathways:edit"
    for other in (south_pathways, default):
        assert client.get(reverse(edit, args=[other.pk])).status_code == 404
    form = BeautifulSoup(client.get(reverse(edit, args=[north_pathways.pk])).content, "html.parser")
    assert [o["value"] for o in form.select("select[name=use] option")] == ["region"]
    assert [o["value"] for o in form.select("select[name=region] option") if o["value"]] == [
        str(org_tree["region"].pk)
    ]

    def draftail(text=""):
        blocks = [{"key": "a", "text": text, "type": "unstyled", "depth": 0}] if text else []
        return json.dumps({"blocks": blocks, "entityMap": {}})

    data = {name: draftail() for name in LocalPathways.SECTIONS}
    data.update(
        name="North Region",
        use="region",
        region=org_tree["region"].pk,
        safeguarding=draftail("North Safeguarding Hub, 0100 000 0009."),
    )
    response = client.post(reverse(edit, args=[north_pathways.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    north_pathways.refresh_from_db()
    assert "0100 000 0009" in north_pathways.safeguarding
    # Turning their set into the default, or moving it to another region, is refused.
    refused = client.post(reverse(edit, args=[north_pathways.pk]), {**data, "use": "default"})
    assert refused.status_code == 200
    assert LocalPathways.objects.get(pk=north_pathways.pk).use == "region"
    moved = client.post(reverse(edit, args=[north_pathways.pk]), {**data, "region": south.pk})
    assert moved.status_code == 200
    assert LocalPathways.objects.get(pk=north_pathways.pk).region_id == org_tree["region"].pk
    delete = reverse("wagtailsnippets_pathways_localpathways:delete", args=[north_pathways.pk])
    assert client.post(delete).status_code in (302, 403, 404)
    assert LocalPathways.objects.filter(pk=north_pathways.pk).exists()

    org_admin = user_factory(display_name="Olu Orgadmin")
    administrator_grant(user=org_admin, unit=org_tree["trust"])
    client.force_login(org_admin)
    assert client.get(reverse("wagtailsnippets_pathways_localpathways:list")).status_code == 302
