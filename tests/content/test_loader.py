"""The curriculum loader: complete, idempotent, respectful of trainers' edits, and clear about
bad files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from wagtail.models import Page, Revision

from content.loader import CurriculumError, block_id, read_curriculum
from content.loader.richtext import MarkdownError, markdown_to_richtext
from content.models import (
    CompetencyArea,
    CoursePage,
    CurriculumRecord,
    ModulePage,
    StandardPage,
    Tier,
)
from tests.content.admin_forms import edit_form_data
from tests.content.conftest import course_data, question

pytestmark = pytest.mark.django_db


def course(slug: str) -> CoursePage:
    return CoursePage.objects.get(slug=slug)


def module(course_slug: str, slug: str) -> ModulePage:
    return ModulePage.objects.child_of(course(course_slug)).get(slug=slug)


# --- The starter curriculum ----------------------------------------------------------------


def test_starter_curriculum_is_complete(full_curriculum):
    assert list(Tier.objects.values_list("code", flat=True)) == ["T1", "T2", "T3", "T4"]
    assert CompetencyArea.objects.count() == 10
    courses = list(CoursePage.objects.live().select_related("tier"))
    assert len(courses) == 19
    assert {c.tier.code for c in courses} == {"T1", "T2", "T3", "T4"}
    for c in courses:
        modules = list(c.modules())
        assert len(modules) >= 3, c.slug
        for m in modules:
            assert len(m.body) > 0, m.slug
        questions = c.questions()
        assert len(questions) >= 5, c.slug
        for q in questions:
            assert all(option["feedback"] for option in q.value["options"]), (c.slug, q.id)
        assert c.competency_areas.exists(), c.slug
        assert c.curriculum_revision_id == c.live_revision_id
    assert course("observing-parent-infant-interaction").prerequisites.get().slug == (
        "states-and-cues"
    )
    assert course("states-and-cues").cpd_hours == pytest.approx(0.75)
    assert course("states-and-cues").questions_per_attempt == 5
    statement = StandardPage.objects.get(slug="accessibility-statement")
    assert "WCAG" in statement.body and statement.live


def test_loading_twice_changes_nothing(full_curriculum):
    pages = Page.objects.count()
    revisions = Revision.objects.count()
    records = CurriculumRecord.objects.count()

    report = call_and_capture()

    assert Page.objects.count() == pages
    assert Revision.objects.count() == revisions  # no new revisions for unchanged files
    assert CurriculumRecord.objects.count() == records
    assert "0 created, 0 updated" in report and " 0 kept" in report


def call_and_capture(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_curriculum", *args, stdout=out)
    return out.getvalue()


# --- Idempotency and updates ------------------------------------------------------------------


def test_ids_of_blocks_and_options_are_stable_and_deterministic(loaded_mini):
    alpha = course("alpha")
    first_question = alpha.questions()[0]
    assert first_question.id == block_id("alpha", "q1")
    options = first_question.value["options"]
    assert [item.id for item in options.bound_blocks] == [
        block_id("alpha", "q1", "option", "0"),
        block_id("alpha", "q1", "option", "1"),
    ]
    reflection = module("alpha", "first-module").reflection_blocks()[0]
    assert reflection.id == block_id("alpha", "r1")
    inline = module("alpha", "second-module").question_blocks()[0]
    assert inline.id == block_id("alpha", "m2q1")


def test_a_changed_file_publishes_a_new_revision_and_keeps_ids(loaded_mini):
    alpha = course("alpha")
    old_revision = alpha.live_revision_id
    question_ids = [q.id for q in alpha.questions()]
    pages = Page.objects.count()

    def change(data):
        data["summary"] = "A revised summary for the catalogue."
        data["knowledge_check"][0]["question"] = "Question one, reworded?"

    loaded_mini.edit_course("alpha", change)
    report = loaded_mini.load()

    alpha = course("alpha")
    assert "updated  Course alpha" in "\n".join(report.lines)
    assert alpha.summary == "A revised summary for the catalogue."
    assert alpha.live_revision_id != old_revision
    assert alpha.curriculum_revision_id == alpha.live_revision_id
    assert [q.id for q in alpha.questions()] == question_ids
    assert Page.objects.count() == pages
    # Learners who completed the earlier version keep it: the old revision is intact.
    old = alpha.at_revision(old_revision)
    assert old.summary.startswith("A short course called alpha")
    assert old.questions()[0].value["question"] == "Question 1?"
    assert old.questions()[0].id == question_ids[0]
    # Unchanged modules got no new revision.
    assert module("alpha", "first-module").revisions.count() == 1


def test_trainer_edit_in_the_admin_is_kept(loaded_mini, client, superuser):
    page = module("alpha", "first-module")
    client.force_login(superuser)
    data = edit_form_data(client, page, body_text={0: "<p>Edited by a trainer in the admin.</p>"})
    data["action-publish"] = "Publish"
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert "Edited by a trainer" in str(page.body[0].value)
    revisions = Revision.objects.count()

    # The writers change the same module in the files; the trainer's edit still wins.
    loaded_mini.edit_course(
        "alpha", lambda d: d["modules"][0]["body"][0].update(text="Changed in the file.")
    )
    report = loaded_mini.load()

    page.refresh_from_db()
    assert "Edited by a trainer" in str(page.body[0].value)
    assert Revision.objects.count() == revisions
    kept = [line for line in report.lines if "alpha/first-module" in line]
    assert kept and kept[0].strip().startswith("kept")
    assert "trainer has published changes" in kept[0]
    assert Page.objects.filter(slug="first-module").count() == 2  # alpha's and beta's


def test_a_draft_or_review_in_progress_is_kept(loaded_mini):
    page = module("alpha", "second-module")
    page.title = "A draft title"
    page.save_revision()  # a trainer's draft, not published
    loaded_mini.edit_course("alpha", lambda d: d["modules"][1].update(title="File title"))

    report = loaded_mini.load()

    page.refresh_from_db()
    assert page.title == "Second module of alpha"  # the live version is untouched
    assert page.get_latest_revision_as_object().title == "A draft title"
    assert any("draft or in review" in line for line in report.lines)


def test_a_page_deleted_in_the_admin_is_not_recreated_unless_asked(loaded_mini):
    module("alpha", "third-module").delete()
    report = loaded_mini.load()
    assert not ModulePage.objects.filter(slug="third-module", url_path__contains="/alpha/").exists()
    assert any("deleted in the admin" in line for line in report.lines)

    loaded_mini.load(restore_deleted=True)
    assert module("alpha", "third-module").live


def test_a_snippet_edited_in_the_admin_is_kept(loaded_mini):
    tier = Tier.objects.get(code="T2")
    tier.refresher_months = 18
    tier.save()
    loaded_mini.edit_course("alpha", lambda d: None)  # unchanged course files
    tiers_file = loaded_mini.path / "tiers.yaml"
    tiers_file.write_text(tiers_file.read_text().replace("name: Skilled", "name: Skilled practice"))

    report = loaded_mini.load()

    tier.refresh_from_db()
    assert (tier.name, tier.refresher_months) == ("Skilled", 18)
    assert any(line.strip().startswith("kept") and "Tier T2" in line for line in report.lines)
    # An untouched tier does take the file's change.
    tiers_file.write_text(
        tiers_file.read_text().replace("name: Informed", "name: Informed practice")
    )
    loaded_mini.load()
    assert Tier.objects.get(code="T1").name == "Informed practice"


def test_modules_follow_the_order_of_the_file(loaded_mini):
    loaded_mini.edit_course("alpha", lambda d: d["modules"].reverse())
    loaded_mini.load()
    assert [m.slug for m in course("alpha").modules()] == [
        "third-module",
        "second-module",
        "first-module",
    ]


def test_dry_run_saves_nothing(mini):
    report = mini.load(dry_run=True)
    assert report.counts["created"] > 0
    assert "Dry run" in report.summary()
    assert not CoursePage.objects.exists()
    assert not Tier.objects.exists()
    assert not CurriculumRecord.objects.exists()


# --- Bad files ------------------------------------------------------------------------------


def test_malformed_yaml_is_a_clear_error_and_nothing_is_loaded(mini):
    mini.course_file("alpha").write_text("slug: alpha\ntitle: [unclosed\nsummary: x\n")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_curriculum", "--source", str(mini.path))
    message = str(excinfo.value)
    assert "alpha.yaml" in message
    assert "is not valid YAML" in message and "line" in message
    assert not CoursePage.objects.exists()


def test_the_command_exits_non_zero_without_a_traceback_on_malformed_yaml(mini, tmp_path):
    mini.course_file("beta").write_text("slug: beta\n  title: bad indentation\n")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "LMS_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "load_curriculum", "--source", str(mini.path)],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "beta.yaml" in result.stderr and "not valid YAML" in result.stderr


def _bad(change):
    def apply(data):
        change(data)
        return data

    return apply


BAD_COURSES = [
    (
        "single choice with two correct options",
        _bad(lambda d: d["knowledge_check"][0]["options"][1].update(correct=True)),
        "knowledge_check[0].options: a single-choice question needs exactly one correct option",
    ),
    (
        "multiple choice with no correct option",
        _bad(lambda d: [o.update(correct=False) for o in d["knowledge_check"][4]["options"]]),
        "knowledge_check[4].options: a multiple-choice question needs at least one correct",
    ),
    (
        "option without feedback",
        _bad(lambda d: d["knowledge_check"][1]["options"][0].pop("feedback")),
        "knowledge_check[1].options[0].feedback: is missing",
    ),
    ("unknown tier", _bad(lambda d: d.update(tier="T9")), 'tier: "T9" is not one of'),
    (
        "unknown competency area",
        _bad(lambda d: d["competency_areas"].append("astrology")),
        'competency_areas[1]: "astrology" is not in competency_areas.yaml',
    ),
    ("typo in a key", _bad(lambda d: d.update(sumary="x")), 'unknown key "sumary"'),
    (
        "fewer than three modules",
        _bad(lambda d: d["modules"].pop()),
        "modules: needs at least 3 item(s), found 2",
    ),
    (
        "fewer than five questions",
        _bad(lambda d: d["knowledge_check"].pop()),
        "knowledge_check: needs at least 5 item(s), found 4",
    ),
    (
        "a key used twice",
        _bad(lambda d: d["knowledge_check"][1].update(key="q1")),
        'knowledge_check[1].key: "q1" is already used at knowledge_check[0]',
    ),
    (
        "unknown block type",
        _bad(lambda d: d["modules"][0]["body"].append({"poem": "Roses"})),
        'modules[0] (first-module).body[2]: unknown block type "poem"',
    ),
    (
        "a top-level heading in lesson text",
        _bad(lambda d: d["modules"][0]["body"].append({"text": "# Big title"})),
        "body[2].text: heading level 1 is not allowed here; use ### or #### headings",
    ),
    (
        "summary too long",
        _bad(lambda d: d.update(summary="x" * 301)),
        "summary: is 301 characters long; the limit is 300",
    ),
    (
        "a prerequisite that does not exist",
        _bad(lambda d: d.update(prerequisites=["no-such-course"])),
        'prerequisites[0]: no course has the slug "no-such-course"',
    ),
    (
        "an invalid infant state",
        _bad(
            lambda d: d["modules"][0]["body"].append(
                {
                    "state_card": {
                        "state": "grumpy",
                        "what_you_see": "a",
                        "what_it_means": "b",
                        "how_to_respond": "c",
                    }
                }
            )
        ),
        'body[2].state_card.state: "grumpy" is not one of',
    ),
]


@pytest.mark.parametrize(
    ("problem", "change", "expected"), BAD_COURSES, ids=[b[0] for b in BAD_COURSES]
)
def test_invalid_course_files_name_the_file_and_key(mini, problem, change, expected):
    mini.write_course(change(course_data("alpha")))
    with pytest.raises(CurriculumError) as excinfo:
        read_curriculum(mini.path)
    message = str(excinfo.value)
    assert "alpha.yaml" in message
    assert expected in message, message


def test_every_problem_is_reported_at_once(mini):
    data = course_data("alpha")
    data["tier"] = "T9"
    data["knowledge_check"][0]["options"][1]["correct"] = True
    mini.write_course(data)
    mini.course_file("beta").write_text("- not a mapping\n")
    with pytest.raises(CurriculumError) as excinfo:
        read_curriculum(mini.path)
    assert len(excinfo.value.problems) == 3
    assert "beta.yaml: expected a mapping of keys" in str(excinfo.value)


def test_duplicate_yaml_keys_are_refused(mini):
    text = mini.course_file("alpha").read_text()
    mini.course_file("alpha").write_text(text + "title: A second title\n")
    with pytest.raises(CurriculumError, match='the key "title" is given twice'):
        read_curriculum(mini.path)


def test_prerequisite_cycles_are_refused(mini):
    mini.edit_course("alpha", lambda d: d.update(prerequisites=["beta"]))
    with pytest.raises(CurriculumError, match="prerequisites go round in a circle"):
        read_curriculum(mini.path)


def test_inline_question_rules_match_the_admin(mini):
    data = course_data("alpha")
    data["modules"][1]["body"][1]["question"] = question(
        "m2q1", "Pick one", [("A", False), ("B", False)]
    )
    mini.write_course(data)
    with pytest.raises(CurriculumError, match="exactly one correct option"):
        read_curriculum(mini.path)


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_becomes_wagtail_rich_text():
    html = markdown_to_richtext(
        "### Heading\n\nSome **bold** and *italic* text\nover two lines, with a "
        "[link](https://example.org).\n\n- one\n- two\n\n#### Smaller\n\n1. first\n\n"
        '> "Words to say."'
    )
    assert html == (
        "<h3>Heading</h3><p>Some <b>bold</b> and <i>italic</i> text over two lines, with a "
        '<a href="https://example.org">link</a>.</p><ul><li>one</li><li>two</li></ul>'
        '<h4>Smaller</h4><ol><li>first</li></ol><blockquote>"Words to say."</blockquote>'
    )


@pytest.mark.parametrize(
    ("markdown", "problem"),
    [
        ("## Too big", "heading level 2"),
        ("<script>alert(1)</script>", "<script> is not supported"),
        ("[x](javascript:alert(1))", "must go to a full https:// address"),
        ("![a baby](baby.png)", "images are not supported"),
    ],
)
def test_markdown_outside_the_editor_features_is_refused(markdown, problem):
    with pytest.raises(MarkdownError, match=problem):
        markdown_to_richtext(markdown)


def test_a_clash_with_the_site_is_a_clear_error_and_saves_nothing(loaded_mini):
    specialist = Tier.objects.get(code="T4")
    specialist.order = 5  # a trainer's edit
    specialist.save()
    tiers_file = loaded_mini.path / "tiers.yaml"
    tiers_file.write_text(
        tiers_file.read_text()
        + "\n- code: T5\n  name: Consultant\n  order: 5\n  refresher_months: 12\n"
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("load_curriculum", "--source", str(loaded_mini.path))
    assert "Tier T5: cannot be saved" in str(excinfo.value)
    assert "Order already exists" in str(excinfo.value)
    assert not Tier.objects.filter(code="T5").exists()
