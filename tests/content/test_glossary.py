"""The glossary: terms as snippets, the glossary page, and the first use of each term in a
lesson linked to its definition (rendered, so authors need not mark terms up)."""

import pytest
from bs4 import BeautifulSoup

from content.glossary.linking import link_terms
from content.glossary.models import GlossaryTerm
from content.models import ModulePage
from tests.content.factories import make_course

pytestmark = pytest.mark.django_db


def term(name, slug, *, forms="", practitioner=None, plain=None):
    return GlossaryTerm.objects.create(
        term=name,
        slug=slug,
        other_forms=forms,
        practitioner_definition=practitioner or f"The practitioner's meaning of {name}.",
        plain_definition=plain or f"{name} in plain words.",
    )


@pytest.fixture
def terms(db):
    return {
        "attunement": term("Attunement", "attunement", forms="attuned, attune"),
        "supervision": term("Supervision", "supervision"),
        "reflective-supervision": term("Reflective supervision", "reflective-supervision"),
    }


def lesson(course_tier, *texts) -> ModulePage:
    course = make_course(tier=course_tier, modules=1)
    module = ModulePage.objects.child_of(course).get()
    module.body = [{"type": "text", "value": text} for text in texts]
    module.save_revision().publish()
    return ModulePage.objects.get(pk=module.pk)


def glossary_links(soup):
    return [(a.get_text(" ", strip=True), a["href"]) for a in soup.select("a.glossary-term")]


def test_only_the_first_use_in_a_lesson_is_linked_across_blocks(
    terms, framework_tiers, client, django_user_model
):
    module = lesson(
        framework_tiers["T1"],
        "<p>Attunement takes time. Parents who feel attuned notice more.</p>",
        "<p>Attunement again, then reflective supervision and plain supervision.</p>",
    )
    soup = BeautifulSoup(client.get(module.url).content, "html.parser")
    links = glossary_links(soup)
    assert links == [
        ("Attunement , in the glossary", "/glossary/#attunement"),
        ("reflective supervision , in the glossary", "/glossary/#reflective-supervision"),
        ("supervision , in the glossary", "/glossary/#supervision"),
    ]
    # The accessible name says where the link goes; the visible text is the author's.
    first = soup.select_one("a.glossary-term")
    assert first.select_one(".visually-hidden").get_text() == ", in the glossary"
    # Every linked term is listed after the lesson with its plain-words definition.
    listed = soup.select(".lesson-terms dt")
    assert [dt.get_text(strip=True) for dt in listed] == [
        "Attunement",
        "Reflective supervision",
        "Supervision",
    ]
    assert "Attunement in plain words." in soup.select_one(".lesson-terms dd").get_text()


def test_links_skip_headings_and_existing_links_and_keep_the_text_intact():
    refs = [
        _ref("Attunement", "attunement", "attuned"),
        _ref("Cues", "cues"),
    ]
    seen = {}
    html = (
        "<h3>Attunement</h3><p>See <a href='https://example.org'>attunement</a> &amp; "
        "<b>ATTUNED</b> parents &lt;here&gt;. Cues-based? No: cues.</p>"
    )
    out = link_terms(html, seen=seen, refs=refs)
    soup = BeautifulSoup(out, "html.parser")
    assert soup.h3.get_text() == "Attunement" and soup.h3.a is None
    assert soup.select_one("a[href='https://example.org']").get_text() == "attunement"
    linked = soup.select("a.glossary-term")
    assert [a["href"] for a in linked] == ["/glossary/#attunement", "/glossary/#cues"]
    assert linked[0].parent.name == "b"
    # Text and entities survive; "Cues-based" is not the word "cues".
    text = soup.get_text()
    assert "& ATTUNED, in the glossary parents <here>. Cues-based? No: cues, in the glossary." in (
        text
    )
    assert list(seen) == ["attunement", "cues"]
    # A second block: nothing more to link.
    assert link_terms("<p>Attunement and cues.</p>", seen=seen, refs=refs) == (
        "<p>Attunement and cues.</p>"
    )


def _ref(name, slug, *forms):
    from content.glossary.selectors import TermRef

    return TermRef(term=name, slug=slug, forms=(name, *forms), plain_definition="")


def test_the_glossary_page_lists_every_term_with_both_definitions(terms, client):
    terms["attunement"].related_terms.set([terms["reflective-supervision"]])
    response = client.get("/glossary/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    entries = soup.select("dt.glossary__term")
    assert [dt["id"] for dt in entries] == ["attunement", "reflective-supervision", "supervision"]
    first = entries[0].find_next_sibling("dd").get_text(" ", strip=True)
    assert "For practitioners: The practitioner's meaning of Attunement." in first
    assert "In plain words: Attunement in plain words." in first
    assert soup.select_one(".glossary__related a")["href"] == "#reflective-supervision"
    # In the main navigation, for everyone.
    assert "/glossary/" in [a["href"] for a in soup.select(".site-nav a")]


def test_a_changed_term_is_linked_at_once(terms, framework_tiers, client):
    module = lesson(framework_tiers["T1"], "<p>Mind-mindedness grows with practice.</p>")
    assert glossary_links(BeautifulSoup(client.get(module.url).content, "html.parser")) == []
    term("Mind-mindedness", "mind-mindedness")
    links = glossary_links(BeautifulSoup(client.get(module.url).content, "html.parser"))
    assert links == [("Mind-mindedness , in the glossary", "/glossary/#mind-mindedness")]


def test_the_starter_glossary_loads_with_the_curriculum(full_curriculum):
    assert GlossaryTerm.objects.count() >= 30
    term = GlossaryTerm.objects.get(slug="attunement")
    assert term.plain_definition and term.practitioner_definition
    assert "sensitive-responsiveness" in {t.slug for t in term.related_terms.all()}


def test_terms_are_linked_in_scenarios_key_points_and_cards_but_not_hidden_commentary(
    terms, framework_tiers, client
):
    course = make_course(tier=framework_tiers["T1"], modules=1)
    module = ModulePage.objects.child_of(course).get()
    module.body = [
        {
            "type": "case_scenario",
            "value": {
                "title": "A first visit",
                "scenario": "<p>The health visitor watches a mother & baby.</p>",
                "questions": ["What does the baby do?"],
                "commentary": "<p>Attunement grows with time.</p>",
            },
        },
        {"type": "key_points", "value": {"heading": "", "points": ["Parents <attune> over time"]}},
        {
            "type": "state_card",
            "value": {
                "state": "quiet_alert",
                "what_you_see": "Bright eyes, still body.",
                "what_it_means": "Ready for attunement and play.",
                "how_to_respond": "Talk softly; supervision helps you notice this.",
            },
        },
    ]
    module.save_revision().publish()
    soup = BeautifulSoup(client.get(module.url).content, "html.parser")

    # Hidden commentary links nothing, so the first visible use (a key point) is linked.
    assert soup.select_one(".case-scenario__commentary a.glossary-term") is None
    linked = {a["href"]: a.find_parent(["li", "dd"]) for a in soup.select("a.glossary-term")}
    assert set(linked) == {"/glossary/#attunement", "/glossary/#supervision"}
    assert "key-points__list" in linked["/glossary/#attunement"].parent["class"]
    respond = linked["/glossary/#supervision"].find_previous_sibling("dt")
    assert respond.get_text() == "How to respond"
    # Plain text is still escaped, and scenario text keeps its markup.
    point = soup.select_one(".key-points__list li")
    assert point.get_text() == "Parents <attune, in the glossary> over time"
    assert soup.find("attune") is None
    assert soup.select_one(".case-scenario__story p").get_text() == (
        "The health visitor watches a mother & baby."
    )
    # Linked once per lesson: "attunement" in the state card is plain text.
    assert "Ready for attunement and play." in soup.get_text()
