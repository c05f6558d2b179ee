"""``manage.py check_curriculum``: the figures a commissioner would ask for, failing CI when a
course can be passed by picking the longest option, claims more time than it takes, or lacks
a bank, references, alt text or transcripts."""

import pytest
from django.core.management import CommandError, call_command

from tests.content.conftest import question

MODULES = ["first-module", "second-module", "third-module"]


def fair_items() -> list[dict]:
    """Six items over the three modules: answers in every position, of ordinary length."""
    items = []
    for i in range(6):
        options = [
            ("Offer a pause, then try again", False),
            ("Talk more loudly to hold her", False),
            ("Keep going until she settles", False),
        ]
        position = i % 3
        options[position] = ("Stop and wait for her", True)
        item = question(f"k{i}", f"A baby looks away during play ({i}). What helps?", options)
        item["group"] = MODULES[i % 3]
        items.append(item)
    return items


def make_fair(data: dict) -> None:
    data["knowledge_check"] = fair_items()
    data["questions_per_attempt"] = 3
    data["estimated_minutes"] = 10
    data["cpd_hours"] = 0.25
    data["references"] = "- Author A (2020) *A book about babies*. A Publisher."
    for module, minutes in zip(data["modules"], [5, 2, 1], strict=True):
        module["estimated_minutes"] = minutes


@pytest.fixture
def fair(mini):
    mini.course_file("beta").unlink()
    mini.edit_course("alpha", make_fair)
    return mini


def check(mini, **options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("check_curriculum", source=mini.path, stdout=out, **options)
    return out.getvalue()


def test_a_fair_course_passes(fair):
    assert "All 1 courses pass." in check(fair)


def _longest(data):
    for item in data["knowledge_check"]:
        for option in item["options"]:
            if option["correct"]:
                option["text"] = "Stop, wait quietly and let her come back to you when she is ready"


def _first(data):
    for item in data["knowledge_check"]:
        item["options"].sort(key=lambda option: not option["correct"])


def _all_but_one(data):
    for key in ("k0", "k1"):
        item = next(i for i in data["knowledge_check"] if i["key"] == key)
        item["type"] = "multiple"
        for option in item["options"][:2]:
            option["correct"] = True
        item["options"][2]["correct"] = False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_longest, "the answer is the longest option in 6 of 6 items"),
        (_first, "6 of 6 single-choice answers are option 1"),
        (_all_but_one, '2 "all but one correct" multiple-choice items'),
        (lambda d: d.update(questions_per_attempt=4), "the bank holds 6 items for 4 per attempt"),
        (lambda d: d.pop("questions_per_attempt"), "the bank holds 6 items for 6 per attempt"),
        (lambda d: d["knowledge_check"][0].pop("group"), "1 items name no group"),
        (lambda d: d.update(estimated_minutes=90), "states 90 minutes; the content takes about"),
        (lambda d: d.update(cpd_hours=1.5), "claims 1.50 CPD hours"),
        (lambda d: d["modules"][0].update(estimated_minutes=30), "module first-module states 30"),
        (lambda d: d.pop("references"), "lists no references"),
    ],
    ids=[
        "longest",
        "position",
        "all-but-one",
        "small-bank",
        "no-bank",
        "ungrouped",
        "duration",
        "cpd",
        "module-duration",
        "references",
    ],
)
def test_each_problem_fails_the_check_and_is_named(fair, change, message):
    fair.edit_course("alpha", change)
    with pytest.raises(CommandError, match="1 of 1 course failed"):
        check(fair)
    # The report names the problem (printed before the command fails).
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_curriculum", source=fair.path, stdout=out)
    assert message in out.getvalue()


def test_the_reading_time_counts_words_and_activities(fair):
    from content.curriculum_check import report_from_source
    from content.loader.source import read_curriculum

    (course,) = read_curriculum(fair.path).courses
    report = report_from_source(course)
    first = report.modules[0]
    assert first.activities["reflection"] == 1
    # A reflection is four minutes however short its prompt.
    assert first.computed_minutes == 5
    assert report.computed_minutes >= sum(m.computed_minutes for m in report.modules) + 3


@pytest.mark.django_db
def test_live_pages_are_checked_for_transcripts(fair):
    from content.models import ModulePage

    fair.load()
    module = ModulePage.objects.get(slug="first-module")
    module.body = [
        *module.body.raw_data,
        {
            "type": "video",
            "value": {"video": "https://example.org/v", "title": "A film", "transcript": ""},
        },
    ]
    module.save_revision().publish()
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_curriculum", live=True, stdout=out)
    assert "module first-module: video 3 has no transcript" in out.getvalue()


def test_groups_name_modules_or_areas_and_a_draw_fits_the_bank(fair):
    from content.loader import CurriculumError
    from content.loader.source import read_curriculum

    def spoil(data):
        data["knowledge_check"][0]["group"] = "no-such-module"
        data["questions_per_attempt"] = 7

    fair.edit_course("alpha", spoil)
    with pytest.raises(CurriculumError) as error:
        read_curriculum(fair.path)
    problems = " ".join(error.value.problems)
    assert '"no-such-module" is neither a module slug of this course' in problems
    assert "questions_per_attempt: is 7 but the knowledge check has only 6 questions" in problems


def test_the_starter_curriculum_passes():
    from io import StringIO

    out = StringIO()
    call_command("check_curriculum", stdout=out)
    assert "All 19 courses pass." in out.getvalue()


@pytest.mark.django_db
def test_references_are_listed_at_the_end_of_the_course_page(client, fair):
    from content.models import CoursePage

    fair.load()
    page = client.get(CoursePage.objects.get(slug="alpha").url).content.decode()
    assert "References and further reading" in page
    assert "<i>A book about babies</i>" in page


def test_the_loaded_courses_state_honest_durations_and_cpd_hours(full_curriculum):
    """What the catalogue and certificates read: the live pages after ``load_curriculum``."""
    from io import StringIO

    out = StringIO()
    call_command("check_curriculum", live=True, stdout=out)
    assert "All 19 courses pass." in out.getvalue()
