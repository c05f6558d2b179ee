"""The knowledge-check draw: which questions of a course's bank one attempt shows, with the
options of each in which order, and how that draw travels through the form unchanged.

A draw is plain data, ``[{"question": <block id>, "options": [<option id>, ...]}, ...]``, in
the order shown. It is made when the form is shown (a read: nothing is written), signed into the
form together with the enrolment and the form's idempotency key, and stored on the attempt when
it is submitted, so grading and the learner's review use exactly what was on screen.

How questions are drawn: the course asks ``attempt_size`` questions. Questions are grouped by
their ``group`` (a module or competency area); groups take turns, so every group is sampled
whenever the attempt is at least as long as there are groups. Within a group, the questions this
learner has been shown least often in earlier attempts come first (ties broken at random), so a
retry draws different questions while the bank allows. The chosen questions keep their order in
the bank (module order); the options of every question are shuffled.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError

SALT = "courses.knowledge-check-draw"

STALE_MESSAGE = (
    "The knowledge check has changed since you opened it. Your answers to the questions that "
    "are still there are kept below; check them and submit again."
)


@dataclass(frozen=True)
class PresentedQuestion:
    """A question of a draw: its block and its options (bound blocks) in the order shown."""

    block: object
    options: list

    @property
    def id(self) -> str:
        return self.block.id

    @property
    def value(self):
        return self.block.value


def _shown_counts(enrolment) -> Counter:
    """How often each question has been shown to this learner in earlier attempts (of any
    cycle of this enrolment)."""
    counts: Counter = Counter()
    if enrolment is None or enrolment.pk is None:
        return counts
    for presented, answers in enrolment.attempts.values_list("presented", "answers"):
        shown = [item["question"] for item in presented] if presented else list(answers or {})
        counts.update(shown)
    return counts


def draw(*, course, enrolment=None, rng: random.Random | None = None) -> list[dict]:
    """A fresh draw for ``enrolment`` on ``course`` (see the module docstring)."""
    rng = rng or random.SystemRandom()
    bank = course.questions()
    size = min(course.questions_per_attempt or len(bank), len(bank))
    position = {block.id: i for i, block in enumerate(bank)}
    if size < len(bank):
        shown = _shown_counts(enrolment)
        groups: dict[str, list] = {}
        for block in bank:
            groups.setdefault(block.value.get("group") or "", []).append(block)
        queues = []
        for members in groups.values():
            keyed = [(shown[block.id], rng.random(), block) for block in members]
            queues.append([block for *_, block in sorted(keyed, key=lambda k: k[:2])])
        rng.shuffle(queues)
        chosen: list = []
        while len(chosen) < size:
            for queue in queues:
                if queue and len(chosen) < size:
                    chosen.append(queue.pop(0))
        chosen.sort(key=lambda block: position[block.id])
    else:
        chosen = list(bank)
    result = []
    for block in chosen:
        option_ids = [option.id for option in block.value["options"].bound_blocks]
        rng.shuffle(option_ids)
        result.append({"question": block.id, "options": option_ids})
    return result


def whole_bank(course) -> list[dict]:
    """Every question in bank order, options as written: the draw of a form that carried none,
    accepted only for a course that asks its whole bank."""
    return [
        {"question": block.id, "options": [o.id for o in block.value["options"].bound_blocks]}
        for block in course.questions()
    ]


def asks_whole_bank(course) -> bool:
    bank = len(course.questions())
    return not course.questions_per_attempt or course.questions_per_attempt >= bank


def resolve(course, presented: list[dict]) -> list[PresentedQuestion]:
    """The question blocks of a draw, options in the order shown. Raises ``ValidationError``
    (code ``unknown_question``) when the course has changed so that the draw no longer fits it:
    a question gone, options added or removed, or a different number of questions per attempt.
    """
    bank = {block.id: block for block in course.questions()}
    size = min(course.questions_per_attempt or len(bank), len(bank))
    stale = ValidationError(STALE_MESSAGE, code="unknown_question")
    if not isinstance(presented, list) or len(presented) != size:
        raise stale
    result, seen = [], set()
    for item in presented:
        if not isinstance(item, dict):
            raise stale
        block = bank.get(item.get("question"))
        if block is None or block.id in seen:
            raise stale
        seen.add(block.id)
        options = {option.id: option for option in block.value["options"].bound_blocks}
        order = item.get("options")
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(options):
            raise stale
        result.append(PresentedQuestion(block=block, options=[options[oid] for oid in order]))
    return result


def sign(presented: list[dict], *, enrolment_id: int, idempotency_key: str) -> str:
    """The draw as a tamper-proof token for the form, bound to one enrolment and one form."""
    return signing.dumps(
        {"e": enrolment_id, "k": str(idempotency_key), "d": presented}, salt=SALT, compress=True
    )


def unsign(token: str, *, enrolment_id: int, idempotency_key: str) -> list[dict] | None:
    """The draw from a form's token, or None if it is missing, altered or from another form."""
    try:
        data = signing.loads(token or "", salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    if data.get("e") != enrolment_id or data.get("k") != str(idempotency_key):
        return None
    return data.get("d")
