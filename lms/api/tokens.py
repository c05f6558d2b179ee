"""The shape of an API token and how its secret is checked, in one place.

A token reads ``imh_<prefix>_<secret>``: ``prefix`` (10 characters of base 32) finds the stored
token, ``secret`` (32 random bytes, URL-safe base 64) is checked against its SHA-256 hash in
constant time. 32 random bytes leave nothing to guess, so a fast hash is enough (no password
stretching needed) and checking one costs microseconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SCHEME = "imh"
PREFIX_LENGTH = 10
SECRET_BYTES = 32
# Longer than any token this system makes (4 + 10 + 1 + 43 = 58 characters), with room to spare.
MAX_LENGTH = 100
PATTERN = re.compile(rf"^{SCHEME}_([a-z2-7]{{{PREFIX_LENGTH}}})_([A-Za-z0-9_-]{{43}})$")


class BadToken(ValueError):
    """The token cannot be one this system made (the message says why)."""


def new_token() -> tuple[str, str, str]:
    """(full token, prefix, hash of the secret) for a new token."""
    prefix = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:PREFIX_LENGTH]
    secret = base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")
    return f"{SCHEME}_{prefix}_{secret}", prefix, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def parse(value: str) -> tuple[str, str]:
    """(prefix, secret) of a token as sent, or ``BadToken`` saying what is wrong with it."""
    if len(value) > MAX_LENGTH:
        raise BadToken(
            f"The token is too long ({len(value)} characters): tokens of this API are "
            f"{MAX_LENGTH} characters at most. Copy the whole token, and nothing else."
        )
    match = PATTERN.match(value)
    if match is None:
        raise BadToken(
            f"The token is malformed: it should read {SCHEME}_ followed by 10 letters and "
            "digits, an underscore and 43 more characters. Copy the whole token as it was shown "
            "when it was made."
        )
    return match.group(1), match.group(2)
