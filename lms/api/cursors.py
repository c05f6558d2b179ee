"""Opaque cursors for the API's lists: the position after the last row a page returned, signed
with the site's secret key so that a client cannot forge or change one (and learns nothing from
it), and tied to the token it was given to."""

from __future__ import annotations

from datetime import datetime

from django.core import signing

SALT = "lms.api.cursor"
MAX_LENGTH = 300


class BadCursor(ValueError):
    pass


BAD = (
    "The cursor is not one this API gave out for this token and list (it may have been changed "
    "or cut short). Use the next_cursor of the previous page exactly as it was sent, or start "
    "again without a cursor."
)


def encode(kind: str, token_id: int, position: list) -> str:
    return signing.dumps({"k": kind, "t": token_id, "p": position}, salt=SALT, compress=False)


def decode(value: str, kind: str, token_id: int) -> list:
    if len(value) > MAX_LENGTH:
        raise BadCursor(BAD)
    try:
        data = signing.loads(value, salt=SALT)
    except signing.BadSignature as exc:
        raise BadCursor(BAD) from exc
    if not isinstance(data, dict) or data.get("k") != kind or data.get("t") != token_id:
        raise BadCursor(BAD)
    position = data.get("p")
    if not isinstance(position, list):
        raise BadCursor(BAD)
    return position


def completion_position(value: str, token_id: int) -> tuple[datetime, int]:
    """(recorded_at, id) of the last completion the previous page returned."""
    position = decode(value, "completions", token_id)
    try:
        recorded_at, pk = position
        return datetime.fromisoformat(recorded_at), int(pk)
    except (TypeError, ValueError) as exc:
        raise BadCursor(BAD) from exc


def person_position(value: str, token_id: int) -> int:
    """The id of the last person the previous page returned."""
    position = decode(value, "people", token_id)
    try:
        (pk,) = position
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise BadCursor(BAD) from exc
