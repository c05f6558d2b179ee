"""Block validation: the rules a trainer meets in the editor."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from content.blocks import ImageBlock, LessonStreamBlock, QuestionBlock


def question_value(kind, correct_flags):
    block = QuestionBlock()
    return block, block.to_python(
        {
            "kind": kind,
            "question": "Which state suits play?",
            "options": [
                {"text": f"Option {i}", "correct": flag, "feedback": "Because."}
                for i, flag in enumerate(correct_flags)
            ],
            "explanation": "",
        }
    )


@pytest.mark.parametrize("flags", [(False, False), (True, True), (True, True, False)])
def test_single_choice_needs_exactly_one_correct_option(flags):
    block, value = question_value("single", flags)
    with pytest.raises(ValidationError) as excinfo:
        block.clean(value)
    assert "exactly one correct option" in str(excinfo.value.as_json_data())


def test_single_choice_with_one_correct_option_is_valid():
    block, value = question_value("single", (False, True, False))
    assert block.clean(value)["kind"] == "single"


def test_multiple_choice_needs_a_correct_option():
    block, value = question_value("multiple", (False, False))
    with pytest.raises(ValidationError) as excinfo:
        block.clean(value)
    assert "needs a correct option" in str(excinfo.value.as_json_data())
    block, value = question_value("multiple", (True, True, False))
    block.clean(value)


def test_every_option_needs_feedback():
    block = QuestionBlock()
    value = block.to_python(
        {
            "kind": "single",
            "question": "Q?",
            "options": [
                {"text": "A", "correct": True, "feedback": ""},
                {"text": "B", "correct": False, "feedback": "No."},
            ],
        }
    )
    with pytest.raises(ValidationError):
        block.clean(value)


@pytest.mark.django_db
def test_an_image_needs_alt_text():
    image = Image.objects.create(title="Baby and parent", file=get_test_image_file())
    block = ImageBlock()
    for alt in ("", "   "):
        with pytest.raises(ValidationError) as excinfo:
            block.clean(block.to_python({"image": image.pk, "alt_text": alt, "caption": ""}))
        assert "alt_text" in excinfo.value.as_json_data()["blockErrors"]
    cleaned = block.clean(
        block.to_python(
            {"image": image.pk, "alt_text": "A father holds his baby face to face.", "caption": ""}
        )
    )
    assert cleaned["alt_text"] == "A father holds his baby face to face."


def test_errors_inside_a_lesson_point_at_the_block():
    stream = LessonStreamBlock()
    value = stream.to_python(
        [
            {"type": "text", "value": "<p>Fine.</p>", "id": "a"},
            {
                "type": "question",
                "id": "b",
                "value": {
                    "kind": "single",
                    "question": "Q?",
                    "options": [
                        {"text": "A", "correct": True, "feedback": "Yes."},
                        {"text": "B", "correct": True, "feedback": "Also yes?"},
                    ],
                },
            },
        ]
    )
    with pytest.raises(ValidationError) as excinfo:
        stream.clean(value)
    assert list(excinfo.value.as_json_data()["blockErrors"]) == [1]
