"""Saving and discarding drafts. Bad input is refused with a message saying what was wrong;
nothing is stored from it."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from .models import KEY_MAX_LENGTH, FormDraft

MAX_FIELDS = 100
MAX_CHARACTERS = 200_000  # all fields together; the longest form field holds 10,000


def clean_key(key) -> str:
    """A draft's key is the path of the page its form is on (no query, no host)."""
    if (
        not isinstance(key, str)
        or not key.startswith("/")
        or key.startswith("//")
        or len(key) > KEY_MAX_LENGTH
        or any(c in key for c in "?#\x00")
        or not key.isprintable()
    ):
        raise ValidationError("A draft must name the page its form is on, e.g. /learn/.")
    return key


def clean_fields(fields) -> dict[str, str]:
    if not isinstance(fields, dict) or len(fields) > MAX_FIELDS:
        raise ValidationError(f"A draft holds at most {MAX_FIELDS} fields, each name to text.")
    total = 0
    for name, value in fields.items():
        if not isinstance(name, str) or not isinstance(value, str) or not name or len(name) > 200:
            raise ValidationError("Each field of a draft must be a name and its text.")
        if "\x00" in value or "\x00" in name:
            raise ValidationError("A draft cannot hold NUL characters.")
        try:
            name.encode(), value.encode()
        except UnicodeEncodeError:
            raise ValidationError("A draft must be valid Unicode text.") from None
        total += len(value)
    if total > MAX_CHARACTERS:
        raise ValidationError(f"A draft holds at most {MAX_CHARACTERS:,} characters.")
    return fields


def save_draft(*, user, key: str, fields: dict) -> FormDraft | None:
    """Keep ``fields`` as ``user``'s draft of the page ``key`` (replacing any earlier one).
    A draft whose fields are all empty discards the draft instead and returns None. Safe to
    repeat."""
    key = clean_key(key)
    fields = clean_fields(fields)
    if not any(value.strip() for value in fields.values()):
        discard_draft(user=user, key=key)
        return None
    draft, _ = FormDraft.objects.update_or_create(user=user, key=key, defaults={"fields": fields})
    return draft


def discard_draft(*, user, key: str) -> None:
    """Forget ``user``'s draft of the page ``key`` (its form has been saved)."""
    FormDraft.objects.filter(user=user, key=key).delete()
