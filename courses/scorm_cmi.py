"""The SCORM run-time data models the server accepts, element by element.

What a learner's browser commits is checked again here (the runtime in the browser checks as
values are set, but the server trusts nothing it receives): each element must be one the
standard defines, of its type and within its length or range. A refusal is a ``CMIError``
carrying the standard's error code, which the commit endpoint answers with:

- SCORM 1.2 (RTE 3.4.3): 401 "not implemented" (unknown element), 405 "incorrect data type"
  (wrong type, vocabulary, format, or longer than the type allows: CMIString255, CMIString4096).
- SCORM 2004 (RTE 3.1.7): 401 "undefined data model element", 406 "data model element type
  mismatch" (wrong type or format, or longer than the smallest permitted maximum, e.g. 1000
  characters of location, 64,000 of suspend data), 407 "value out of range" (e.g. a scaled score
  outside -1..1).

Elements the learner management system supplies (the learner's id and name, credit, entry,
mode, launch data, comments from the LMS, ``_count``/``_children``/``_version``, navigation
requests) are read-only to the package; the runtime may echo them in a commit, and they are
ignored rather than stored.
"""

import re
from dataclasses import dataclass, field
from math import isfinite

SCORM_12 = "1.2"
SCORM_2004 = "2004"


class CMIError(ValueError):
    def __init__(self, code: int, element: str, message: str):
        super().__init__(f"{element}: {message}")
        self.code = code
        self.element = element
        self.message = message


_TIMESPAN_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
_TIME_12 = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,2})?$")
_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_TIMESTAMP = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,7})?)?)?(Z|[+-]\d{2}(:\d{2})?)?)?)?)?$"
)

# --- Checks: each returns the value to store or raises (code kind, message) -----------------


class _Bad(Exception):
    def __init__(self, kind: str, message: str):
        self.kind = kind  # "type" or "range"
        self.message = message


def _string(limit: int):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _Bad("type", "must be text")
        value = str(value)
        if len(value) > limit:
            raise _Bad("type", f"is longer than the {limit:,} characters the standard allows")
        return value

    return check


def _vocabulary(*words: str):
    def check(value):
        if value not in words:
            raise _Bad("type", f"must be one of {', '.join(repr(w) for w in words)}")
        return value

    return check


def _number(low: float | None = None, high: float | None = None, *, blank: bool = False):
    def check(value):
        if blank and value == "":
            return ""
        if isinstance(value, bool):
            raise _Bad("type", "must be a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _Bad("type", "must be a number") from None
        if not isfinite(number):
            raise _Bad("type", "must be a number")
        if (low is not None and number < low) or (high is not None and number > high):
            raise _Bad("range", f"must be between {low} and {high}")
        return number

    return check


def _pattern(regex: re.Pattern, what: str):
    def check(value):
        if not isinstance(value, str) or not regex.match(value):
            raise _Bad("type", f"must be {what}")
        return value

    return check


def _result_12(value):
    if value in ("correct", "wrong", "unanticipated", "neutral"):
        return value
    return _number()(value)


def _result_2004(value):
    if value in ("correct", "incorrect", "unanticipated", "neutral"):
        return value
    return _number()(value)


N = r"\d+"  # an index into a collection

_12_STATUS = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
_12_INTERACTION_TYPES = (
    "true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric",
)  # fmt: skip
_12_SCORE = _number(0, 100, blank=True)

RULES_12 = [
    (r"cmi\.core\.lesson_location", _string(255)),
    (r"cmi\.core\.lesson_status", _vocabulary(*_12_STATUS)),
    (r"cmi\.core\.exit", _vocabulary("", "time-out", "suspend", "logout")),
    (r"cmi\.core\.score\.(raw|min|max)", _12_SCORE),
    (r"cmi\.core\.session_time", _pattern(_TIMESPAN_12, "a time span, HHHH:MM:SS.SS")),
    (r"cmi\.core\.total_time", _pattern(_TIMESPAN_12, "a time span, HHHH:MM:SS.SS")),
    (r"cmi\.suspend_data", _string(4096)),
    (r"cmi\.comments", _string(4096)),
    (r"cmi\.student_preference\.audio", _number(-1, 100, blank=True)),
    (r"cmi\.student_preference\.language", _string(255)),
    (r"cmi\.student_preference\.speed", _number(-100, 100, blank=True)),
    (r"cmi\.student_preference\.text", _number(-1, 1, blank=True)),
    (rf"cmi\.objectives\.{N}\.id", _string(255)),
    (rf"cmi\.objectives\.{N}\.score\.(raw|min|max)", _12_SCORE),
    (
        rf"cmi\.objectives\.{N}\.status",
        _vocabulary("", *_12_STATUS),
    ),
    (rf"cmi\.interactions\.{N}\.id", _string(255)),
    (rf"cmi\.interactions\.{N}\.objectives\.{N}\.id", _string(255)),
    (rf"cmi\.interactions\.{N}\.time", lambda v: v and _pattern(_TIME_12, "a time, HH:MM:SS")(v)),
    (rf"cmi\.interactions\.{N}\.type", _vocabulary("", *_12_INTERACTION_TYPES)),
    (rf"cmi\.interactions\.{N}\.correct_responses\.{N}\.pattern", _string(255)),
    (rf"cmi\.interactions\.{N}\.weighting", _number(blank=True)),
    (rf"cmi\.interactions\.{N}\.student_response", _string(255)),
    (rf"cmi\.interactions\.{N}\.result", lambda v: "" if v == "" else _result_12(v)),
    (
        rf"cmi\.interactions\.{N}\.latency",
        lambda v: v and _pattern(_TIMESPAN_12, "a time span, HHHH:MM:SS.SS")(v),
    ),
]
READ_ONLY_12 = [
    r"cmi\.core\.(student_id|student_name|credit|entry|lesson_mode)",
    r"cmi\.(launch_data|comments_from_lms)",
    r"cmi\.student_data\..*",
    r".*\._(count|children|version)",
]

_2004_DURATION = _pattern(_DURATION, "an ISO 8601 duration, e.g. PT1H5M")
_2004_TIMESTAMP = _pattern(_TIMESTAMP, "a date and time, e.g. 2024-05-01T10:30:00")
_2004_COMPLETION = _vocabulary("completed", "incomplete", "not attempted", "unknown")
_2004_SUCCESS = _vocabulary("passed", "failed", "unknown")
_2004_INTERACTION_TYPES = (*_12_INTERACTION_TYPES, "long-fill-in", "other")

RULES_2004 = [
    (r"cmi\.location", _string(1000)),
    (r"cmi\.completion_status", _2004_COMPLETION),
    (r"cmi\.success_status", _2004_SUCCESS),
    (r"cmi\.exit", _vocabulary("", "time-out", "suspend", "logout", "normal")),
    (r"cmi\.score\.scaled", _number(-1, 1, blank=True)),
    (r"cmi\.score\.(raw|min|max)", _number(blank=True)),
    (r"cmi\.progress_measure", _number(0, 1, blank=True)),
    (r"cmi\.session_time", _2004_DURATION),
    (r"cmi\.total_time", _2004_DURATION),
    (r"cmi\.suspend_data", _string(64000)),
    (r"cmi\.learner_preference\.audio_level", _number(0, None, blank=True)),
    (r"cmi\.learner_preference\.language", _string(250)),
    (r"cmi\.learner_preference\.delivery_speed", _number(0, None, blank=True)),
    (r"cmi\.learner_preference\.audio_captioning", _vocabulary("-1", "0", "1", -1, 0, 1)),
    (rf"cmi\.comments_from_learner\.{N}\.comment", _string(4000)),
    (rf"cmi\.comments_from_learner\.{N}\.location", _string(250)),
    (rf"cmi\.comments_from_learner\.{N}\.timestamp", lambda v: v and _2004_TIMESTAMP(v)),
    (rf"cmi\.objectives\.{N}\.id", _string(4000)),
    (rf"cmi\.objectives\.{N}\.score\.scaled", _number(-1, 1, blank=True)),
    (rf"cmi\.objectives\.{N}\.score\.(raw|min|max)", _number(blank=True)),
    (rf"cmi\.objectives\.{N}\.success_status", _2004_SUCCESS),
    (rf"cmi\.objectives\.{N}\.completion_status", _2004_COMPLETION),
    (rf"cmi\.objectives\.{N}\.progress_measure", _number(0, 1, blank=True)),
    (rf"cmi\.objectives\.{N}\.description", _string(250)),
    (rf"cmi\.interactions\.{N}\.id", _string(4000)),
    (rf"cmi\.interactions\.{N}\.type", _vocabulary("", *_2004_INTERACTION_TYPES)),
    (rf"cmi\.interactions\.{N}\.objectives\.{N}\.id", _string(4000)),
    (rf"cmi\.interactions\.{N}\.timestamp", lambda v: v and _2004_TIMESTAMP(v)),
    (rf"cmi\.interactions\.{N}\.correct_responses\.{N}\.pattern", _string(64000)),
    (rf"cmi\.interactions\.{N}\.weighting", _number(blank=True)),
    (rf"cmi\.interactions\.{N}\.learner_response", _string(64000)),
    (rf"cmi\.interactions\.{N}\.result", lambda v: "" if v == "" else _result_2004(v)),
    (rf"cmi\.interactions\.{N}\.latency", lambda v: v and _2004_DURATION(v)),
    (rf"cmi\.interactions\.{N}\.description", _string(250)),
]
READ_ONLY_2004 = [
    r"cmi\.(learner_id|learner_name|credit|entry|mode|launch_data|completion_threshold)",
    r"cmi\.(scaled_passing_score|max_time_allowed|time_limit_action)",
    r"cmi\.comments_from_lms\..*",
    r"adl\..*",
    r".*\._(count|children|version)",
]


def _compile(rules):
    return [(re.compile(f"^{pattern}$"), check) for pattern, check in rules]


_RULES = {SCORM_12: _compile(RULES_12), SCORM_2004: _compile(RULES_2004)}
_READ_ONLY = {
    SCORM_12: re.compile("^(" + "|".join(READ_ONLY_12) + ")$"),
    SCORM_2004: re.compile("^(" + "|".join(READ_ONLY_2004) + ")$"),
}
MAX_ELEMENTS = 5000
COLLECTIONS = {
    "objectives", "interactions", "correct_responses", "comments_from_learner", "comments_from_lms",
}  # fmt: skip


@dataclass
class CleanCMI:
    """Validated values, with the ones the learning record keeps in columns pulled out."""

    version: str
    values: dict = field(default_factory=dict)

    def get(self, element_12: str, element_2004: str, default=None):
        key = element_12 if self.version == SCORM_12 else element_2004
        return self.values.get(key, default)


def validate(version: str, data) -> CleanCMI:
    """The committed elements (flattened, ``{"cmi.core.lesson_location": "p3", ...}``) checked
    against the version's data model. Raises ``CMIError`` for the first element refused."""
    general = 101 if version == SCORM_12 else 351
    if not isinstance(data, dict):
        raise CMIError(general, "cmi", "the commit must be an object of elements and values")
    if len(data) > MAX_ELEMENTS:
        raise CMIError(general, "cmi", f"a commit may hold up to {MAX_ELEMENTS:,} elements")
    rules, read_only = _RULES[version], _READ_ONLY[version]
    clean = CleanCMI(version=version)
    for element, value in data.items():
        if not isinstance(element, str):
            raise CMIError(401, str(element), "is not a data model element")
        if read_only.match(element):
            continue
        if value in ({}, []) and element.rsplit(".", 1)[-1] in COLLECTIONS:
            continue  # an empty collection, as the runtime renders one
        check = next((c for regex, c in rules if regex.match(element)), None)
        if check is None:
            raise CMIError(401, element, "is not an element of the data model")
        if value is None:
            value = ""
        try:
            clean.values[element] = check(value)
        except _Bad as bad:
            code = 405 if version == SCORM_12 else 407 if bad.kind == "range" else 406
            raise CMIError(code, element, bad.message) from None
    return clean


def seconds_12(timespan: str) -> float:
    hours, minutes, seconds = timespan.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def seconds_2004(duration: str) -> float:
    match = _DURATION.match(duration or "")
    if not match:
        return 0.0
    years, months, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return (
        years * 365 * 86400 + months * 30 * 86400 + days * 86400
        + hours * 3600 + minutes * 60 + seconds
    )  # fmt: skip


def seconds(version: str, value: str) -> float:
    if not value:
        return 0.0
    return seconds_12(value) if version == SCORM_12 else seconds_2004(value)


def timespan_12(total: float) -> str:
    whole = int(total)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{min(hours, 9999):04d}:{minutes:02d}:{secs:02d}.{int((total - whole) * 100):02d}"


def duration_2004(total: float) -> str:
    return f"PT{round(total, 2)}S"
