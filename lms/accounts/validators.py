"""Validators for what people type as names.

A name is shown on certificates, rosters and exports: it must not carry characters that change
how the text around it is displayed (bidirectional overrides, which can make "Ann Smith" render
as something else) or that no database text column can hold.
"""

import re

from django.core.exceptions import ValidationError

# U+202A-U+202E (embeddings and overrides), U+2066-U+2069 (isolates), U+200E/U+200F marks,
# U+061C (Arabic letter mark): invisible, and able to reorder what follows.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(value: str) -> str:
    """The reason ``value`` cannot be a person's name, or '' when it can."""
    if BIDI_CONTROLS.search(value or ""):
        return "Names cannot contain invisible text-direction characters (such as U+202E)."
    if CONTROL_CHARACTERS.search(value or ""):
        return "Names cannot contain control characters such as tabs, line breaks or NUL."
    return ""


def validate_person_name(value: str) -> None:
    problem = name_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_name")
