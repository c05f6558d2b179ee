"""The curriculum check: would a commissioner sign these courses off?

It owns the figures and the thresholds, defined once here, for each course:

- **answer is the longest**: share of knowledge-check items whose answer stands out by length
  (a single-choice item whose correct option is at least as long as every other; a
  multiple-choice item whose every correct option is longer than every wrong one). Fails above
  ``MAX_LONGEST_SHARE``: a learner who always picks the longest option must not pass.
- **position bias**: how the correct options of single-choice items are spread over the
  positions they are written in. Options are shuffled for learners, but the bank is also read,
  printed and reviewed as written; fails when one position holds more than
  ``MAX_POSITION_SHARE`` of them.
- **"all but one" multiple choice**: items where every option but one is correct (a pattern
  learners learn to spot). Fails above ``MAX_ALL_BUT_ONE`` per course.
- **bank against N**: the bank holds at least twice the questions an attempt asks, and every
  item names its group (module or competency area), so that a retry draws differently and every
  group is sampled.
- **reading time**: words at ``WORDS_PER_MINUTE`` plus fixed minutes for each activity
  (reflection, case scenario, inline question, knowledge-check question). Fails when the stated
  duration (course or module) or the CPD hours are more than ``MAX_STATED_RATIO`` times it.
- **references**: a course lists the research and guidance it draws on.
- **alt text and transcripts**: every image has alt text and every video a transcript.

It reads StreamField data in its raw form, so the same figures come from the source files
(``load_curriculum``'s input) and from the live pages (after trainers' edits). It knows nothing
about learners.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape

WORDS_PER_MINUTE = 200
MINUTES_PER_ACTIVITY = {
    "reflection": 4,  # writing a private answer
    "case_scenario": 3,  # thinking the questions through before the commentary
    "question": 1,  # an inline self-check
}
MINUTES_PER_CHECK_QUESTION = 1
MAX_LONGEST_SHARE = 0.35
MAX_POSITION_SHARE = 0.45
MAX_ALL_BUT_ONE = 1
MIN_BANK_RATIO = 2
MAX_STATED_RATIO = 1.3

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[\w’'-]+")


def words(value) -> int:
    """Words in a block value of any shape (rich text HTML, plain text, lists, structs)."""
    if isinstance(value, str):
        return len(_WORD.findall(unescape(_TAG.sub(" ", value))))
    if isinstance(value, dict):
        if "type" in value and "value" in value:  # a stream or list item
            return words(value["value"])
        return sum(words(v) for k, v in value.items() if k not in {"correct", "kind", "group"})
    if isinstance(value, list | tuple):
        return sum(words(v) for v in value)
    return 0


@dataclass
class ModuleFigures:
    slug: str
    words: int
    activities: Counter
    stated_minutes: int

    @property
    def computed_minutes(self) -> int:
        extra = sum(MINUTES_PER_ACTIVITY.get(k, 0) * n for k, n in self.activities.items())
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE + extra))


@dataclass
class CourseReport:
    slug: str
    title: str
    bank_size: int = 0
    per_attempt: int = 0
    longest: int = 0
    positions: Counter = field(default_factory=Counter)
    single_count: int = 0
    all_but_one: int = 0
    ungrouped: int = 0
    groups: set = field(default_factory=set)
    modules: list[ModuleFigures] = field(default_factory=list)
    intro_words: int = 0
    stated_minutes: int = 0
    cpd_hours: Decimal = Decimal("0")
    has_references: bool = False
    media_problems: list[str] = field(default_factory=list)

    # Figures --------------------------------------------------------------------------------

    @property
    def longest_share(self) -> float:
        return self.longest / self.bank_size if self.bank_size else 0.0

    @property
    def top_position_share(self) -> float:
        if not self.single_count:
            return 0.0
        return max(self.positions.values()) / self.single_count

    @property
    def computed_minutes(self) -> int:
        intro = self.intro_words / WORDS_PER_MINUTE
        modules = sum(m.computed_minutes for m in self.modules)
        return math.ceil(intro + modules + self.per_attempt * MINUTES_PER_CHECK_QUESTION)

    @property
    def honest_cpd_hours(self) -> Decimal:
        """The computed time in hours, to the nearest quarter hour (at least a quarter)."""
        quarters = max(1, round(self.computed_minutes / 15))
        return Decimal(quarters) / 4

    def problems(self) -> list[str]:
        found = []
        if self.longest_share > MAX_LONGEST_SHARE:
            found.append(
                f"the answer is the longest option in {self.longest} of {self.bank_size} items "
                f"({self.longest_share:.0%}; at most {MAX_LONGEST_SHARE:.0%})"
            )
        if self.single_count >= 4 and self.top_position_share > MAX_POSITION_SHARE:
            position, count = self.positions.most_common(1)[0]
            found.append(
                f"{count} of {self.single_count} single-choice answers are option {position + 1} "
                f"({self.top_position_share:.0%}; at most {MAX_POSITION_SHARE:.0%})"
            )
        if self.all_but_one > MAX_ALL_BUT_ONE:
            found.append(
                f'{self.all_but_one} "all but one correct" multiple-choice items '
                f"(at most {MAX_ALL_BUT_ONE})"
            )
        if self.bank_size < MIN_BANK_RATIO * self.per_attempt:
            found.append(
                f"the bank holds {self.bank_size} items for {self.per_attempt} per attempt "
                f"(needs at least {MIN_BANK_RATIO * self.per_attempt}; set "
                "questions_per_attempt or add items)"
            )
        if self.ungrouped:
            found.append(f"{self.ungrouped} items name no group (module or competency area)")
        if self.groups and self.per_attempt < len(self.groups):
            found.append(
                f"{len(self.groups)} groups but only {self.per_attempt} questions per attempt: "
                "some groups would go unsampled"
            )
        limit = MAX_STATED_RATIO * self.computed_minutes
        if self.stated_minutes > limit:
            found.append(
                f"states {self.stated_minutes} minutes; the content takes about "
                f"{self.computed_minutes} (at most {math.floor(limit)} may be stated)"
            )
        if float(self.cpd_hours) * 60 > limit:
            found.append(
                f"claims {self.cpd_hours} CPD hours for about {self.computed_minutes} minutes "
                f"of learning (about {self.honest_cpd_hours:.2f} hours)"
            )
        for module in self.modules:
            if module.stated_minutes > MAX_STATED_RATIO * module.computed_minutes:
                found.append(
                    f"module {module.slug} states {module.stated_minutes} minutes; it takes "
                    f"about {module.computed_minutes}"
                )
        if not self.has_references:
            found.append("lists no references")
        found.extend(self.media_problems)
        return found

    def summary_lines(self) -> list[str]:
        spread = ", ".join(
            f"{p + 1}: {n}" for p, n in sorted(self.positions.items())
        )  # position: count
        return [
            f"bank {self.bank_size} for {self.per_attempt} per attempt; groups {len(self.groups)}",
            f"answer longest in {self.longest} of {self.bank_size} ({self.longest_share:.0%}); "
            f"single-choice answer positions {{{spread}}}; "
            f'"all but one" items {self.all_but_one}',
            f"stated {self.stated_minutes} min and {self.cpd_hours} CPD hours; computed "
            f"{self.computed_minutes} min (about {self.honest_cpd_hours:.2f} hours)",
        ]


def _option_values(question: dict) -> list[dict]:
    return [o.get("value", o) for o in question.get("options", [])]


def _add_question(report: CourseReport, question: dict) -> None:
    options = _option_values(question)
    lengths = [len(o.get("text", "").strip()) for o in options]
    correct = [i for i, o in enumerate(options) if o.get("correct")]
    wrong = [i for i in range(len(options)) if i not in correct]
    report.bank_size += 1
    group = question.get("group") or ""
    if group:
        report.groups.add(group)
    else:
        report.ungrouped += 1
    if question.get("kind", "single") == "single":
        report.single_count += 1
        if correct:
            report.positions[correct[0]] += 1
            if lengths[correct[0]] >= max(lengths):
                report.longest += 1
    else:
        if wrong and correct and min(lengths[i] for i in correct) > max(lengths[i] for i in wrong):
            report.longest += 1
        if len(options) >= 3 and len(wrong) == 1:
            report.all_but_one += 1


def _media_problems(where: str, body: list) -> list[str]:
    found = []
    for i, block in enumerate(body):
        value = block.get("value") or {}
        if block.get("type") == "image" and not str(value.get("alt_text") or "").strip():
            found.append(f"{where}: image {i + 1} has no alt text")
        if block.get("type") == "video" and not words(value.get("transcript") or ""):
            found.append(f"{where}: video {i + 1} has no transcript")
    return found


def _module_figures(slug: str, stated: int, body: list) -> ModuleFigures:
    activities = Counter(block.get("type") for block in body)
    return ModuleFigures(slug=slug, words=words(body), activities=activities, stated_minutes=stated)


def report_from_source(course) -> CourseReport:
    """Figures for a course as written in the curriculum files (a ``CourseSource``)."""
    fields = course.fields
    report = CourseReport(slug=course.slug, title=fields["title"])
    for block in fields["knowledge_check"]:
        _add_question(report, block["value"])
    report.per_attempt = fields.get("questions_per_attempt") or report.bank_size
    report.intro_words = words(fields.get("introduction") or "")
    report.stated_minutes = fields["estimated_minutes"]
    report.cpd_hours = Decimal(str(fields["cpd_hours"]))
    report.has_references = bool(words(fields.get("references") or ""))
    for module in course.modules:
        body = module.fields["body"]
        report.modules.append(
            _module_figures(module.slug, module.fields["estimated_minutes"], body)
        )
        report.media_problems += _media_problems(f"module {module.slug}", body)
    return report


def report_from_page(course) -> CourseReport:
    """Figures for a live course page and its live modules (trainers' edits included)."""
    report = CourseReport(slug=course.slug, title=course.title)
    for block in course.knowledge_check.raw_data:
        if block["type"] == "question":
            _add_question(report, block["value"])
    report.per_attempt = course.attempt_size
    report.intro_words = words(course.introduction or "")
    report.stated_minutes = course.estimated_minutes
    report.cpd_hours = course.cpd_hours
    report.has_references = bool(words(course.references or ""))
    for module in course.modules():
        body = list(module.body.raw_data)
        report.modules.append(_module_figures(module.slug, module.estimated_minutes, body))
        report.media_problems += _media_problems(f"module {module.slug}", body)
    return report
