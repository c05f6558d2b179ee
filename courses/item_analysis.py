"""Item analysis of a course's question bank, for trainers: which questions work.

Each figure is defined once, here, over the answers given to a question (one per attempt that
showed it, from ``QuestionResponse``):

- **answers**: how many attempts showed the question and were submitted.
- **share correct** (facility): the share of those answers that were fully correct.
- **discrimination**: share correct among attempts that passed minus share correct among
  attempts that failed, from -1 to 1. A good item is answered correctly more often by people who
  pass; near zero it separates nobody; below zero people who fail do better on it than people
  who pass. Empty while either group has no answers.
- **options chosen**: how often each option was chosen (a multiple-choice answer counts for each
  option it includes), as a share of the answers.

Flags, only once a question has at least ``MIN_ANSWERS`` answers (fewer says little, and a
small group edges towards reporting on individuals):

- **too easy**: share correct at least ``TOO_EASY``;
- **too hard**: share correct below ``TOO_HARD``;
- **misleading**: a wrong option is chosen more often than a correct one, or the discrimination
  is below zero.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from content.models import CoursePage

from .models import QuestionResponse

MIN_ANSWERS = 5
TOO_EASY = Decimal("0.95")
TOO_HARD = Decimal("0.30")
GONE = "An option no longer in the question"


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01")) if whole else None


@dataclass
class OptionStat:
    text: str
    correct: bool
    chosen: int
    share: Decimal | None


@dataclass
class ItemStat:
    number: int
    question_id: str
    question: str
    group: str
    answers: int = 0
    correct: int = 0
    passed_answers: int = 0
    passed_correct: int = 0
    failed_answers: int = 0
    failed_correct: int = 0
    options: list[OptionStat] = field(default_factory=list)

    @property
    def share_correct(self) -> Decimal | None:
        return _share(self.correct, self.answers)

    @property
    def discrimination(self) -> Decimal | None:
        passed = _share(self.passed_correct, self.passed_answers)
        failed = _share(self.failed_correct, self.failed_answers)
        if passed is None or failed is None:
            return None
        return passed - failed

    @property
    def enough_answers(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def flags(self) -> list[str]:
        if not self.enough_answers:
            return []
        found = []
        if self.share_correct >= TOO_EASY:
            found.append("too easy")
        if self.share_correct < TOO_HARD:
            found.append("too hard")
        right = [o.chosen for o in self.options if o.correct]
        wrong = [o.chosen for o in self.options if not o.correct and o.text != GONE]
        discrimination = self.discrimination
        if (right and wrong and max(wrong) > min(right)) or (
            discrimination is not None and discrimination < 0
        ):
            found.append("misleading")
        return found


def item_analysis(course: CoursePage) -> list[ItemStat]:
    """Figures for every question in the course's bank, in bank order (one query)."""
    items: dict[str, ItemStat] = {}
    option_texts: dict[str, dict[str, tuple[str, bool]]] = {}
    for number, block in enumerate(course.questions(), start=1):
        items[block.id] = ItemStat(
            number=number,
            question_id=block.id,
            question=str(block.value["question"]),
            group=block.value.get("group") or "",
        )
        option_texts[block.id] = {
            o.id: (o.value["text"], bool(o.value["correct"]))
            for o in block.value["options"].bound_blocks
        }
    chosen: dict[str, Counter] = {question_id: Counter() for question_id in items}
    rows = (
        QuestionResponse.objects.filter(attempt__enrolment__course=course)
        .values_list("question_id", "selected", "correct", "attempt__passed")
        .iterator(chunk_size=5000)
    )
    for question_id, selected, correct, passed in rows:
        item = items.get(question_id)
        if item is None:  # a question since removed from the bank
            continue
        item.answers += 1
        item.correct += bool(correct)
        if passed:
            item.passed_answers += 1
            item.passed_correct += bool(correct)
        else:
            item.failed_answers += 1
            item.failed_correct += bool(correct)
        chosen[question_id].update(
            oid if oid in option_texts[question_id] else GONE for oid in selected or []
        )
    for question_id, item in items.items():
        counts = chosen[question_id]
        for oid, (text, is_correct) in option_texts[question_id].items():
            item.options.append(
                OptionStat(text, is_correct, counts[oid], _share(counts[oid], item.answers))
            )
        if counts[GONE]:
            item.options.append(
                OptionStat(GONE, False, counts[GONE], _share(counts[GONE], item.answers))
            )
    return list(items.values())
