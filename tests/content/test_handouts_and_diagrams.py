"""The project's own diagrams (six states, cue types) with text alternatives, and the printable
parent handout generated from the content as PDF."""

import io

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from content.glossary.models import GlossaryTerm
from content.loader.source import CurriculumError
from content.models import ModulePage
from lms.pathways.models import LocalPathways
from tests.content.factories import make_course

pytestmark = pytest.mark.django_db


def lesson_with(tier, *blocks) -> ModulePage:
    course = make_course(tier=tier, modules=1)
    module = ModulePage.objects.child_of(course).get()
    module.body = list(blocks)
    module.save_revision().publish()
    return ModulePage.objects.get(pk=module.pk)


def test_a_diagram_is_an_image_with_a_name_a_description_and_a_text_alternative(
    framework_tiers, client
):
    module = lesson_with(
        framework_tiers["T1"],
        {"type": "diagram", "value": {"diagram": "infant_states", "caption": "Six states."}},
        {"type": "diagram", "value": {"diagram": "cue_types", "caption": ""}},
    )
    soup = BeautifulSoup(client.get(module.url).content, "html.parser")
    states, cues = soup.select("figure.diagram")
    svg = states.find("svg")
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    assert soup.find(id=title_id).get_text() == "The six states of a young baby"
    assert "quiet alert" in soup.find(id=desc_id).get_text().lower()
    assert states.figcaption.get_text() == "Six states."
    # The full text alternative, for people who cannot see the drawing.
    labels = [dt.get_text() for dt in states.select("details dt")]
    assert labels == [
        "Deep sleep",
        "Light sleep",
        "Drowsy",
        "Quiet alert",
        "Active alert",
        "Crying",
    ]
    assert [dt.get_text() for dt in cues.select("details dt")] == [
        "Ready to be with you",
        "I need a little break",
        "Please stop, help me calm",
    ]
    # Two diagrams on one page: their ids do not clash.
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))
    assert states.select_one(".diagram__handout a")["href"] == "/handouts/states-and-cues.pdf"


def test_the_loader_reads_diagrams_and_rejects_unknown_ones(mini):
    def add(name):
        def change(data):
            data["modules"][0]["body"].append({"diagram": {"diagram": name}})

        return change

    mini.edit_course("alpha", add("cue_types"))
    mini.load()
    module = ModulePage.objects.get(slug="first-module", title__contains="alpha")
    assert [b.value["diagram"] for b in module.body if b.block_type == "diagram"] == ["cue_types"]
    mini.edit_course("alpha", add("a-photo"))
    with pytest.raises(CurriculumError, match="diagram"):
        mini.load()


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_states_and_cues_handout_is_a_pdf_made_from_the_content(org_tree, make_member, client):
    GlossaryTerm.objects.create(
        term="Quiet alert",
        slug="quiet-alert",
        practitioner_definition="The state of still, bright attention.",
        plain_definition="When your baby is calm and looking at you with bright eyes.",
    )
    LocalPathways.objects.create(
        name="North Region",
        use="region",
        region=org_tree["region"],
        helplines="<ul><li>North family line: 0100 000 0002</li></ul>",
    )
    response = client.get("/handouts/states-and-cues.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Getting to know your baby" in text
    for state in ("Deep sleep", "Light sleep", "Drowsy", "Quiet alert", "Active alert", "Crying"):
        assert state in text
    assert "I need a little break" in text
    assert "calm and looking at you with bright eyes" in text  # the glossary's plain words
    assert "Samaritans" in text  # the default helplines for someone with no region
    assert "North family line" not in text

    client.force_login(make_member(org_tree["hv_team"]).user)
    text = pdf_text(client.get("/handouts/states-and-cues.pdf").content)
    assert "North family line: 0100 000 0002" in text  # their region's own


def test_an_unknown_handout_is_not_found(client):
    assert client.get("/handouts/no-such-handout.pdf").status_code == 404


def test_the_crying_plan_offers_its_own_leaflet_made_from_the_content(framework_tiers, client):
    """The comfort plan is drawn with a text alternative, the lesson offers its own leaflet, and
    the leaflet carries the plan's steps, never-shake and the helplines in plain words."""
    module = lesson_with(
        framework_tiers["T1"],
        {"type": "diagram", "value": {"diagram": "comfort_plan", "caption": ""}},
    )
    soup = BeautifulSoup(client.get(module.url).content, "html.parser")
    figure = soup.select_one("figure.diagram")
    title_id, _ = figure.find("svg")["aria-labelledby"].split()
    assert soup.find(id=title_id).get_text() == "When your baby cries: a plan for every carer"
    assert [dt.get_text() for dt in figure.select("details dt")] == [
        "1. Check",
        "2. Comfort",
        "3. Still crying?",
        "4. Take a break",
        "Never shake a baby",
    ]
    link = figure.select_one(".diagram__handout a")
    assert link["href"] == "/handouts/crying-and-comfort.pdf"
    assert "crying, comfort and coping" in link.get_text()

    response = client.get(link["href"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "When your baby cries" in text
    assert "put your baby on their back in their cot" in text
    assert "Shaking can cause serious brain injury" in text
    assert "Samaritans" in text  # the default helplines
