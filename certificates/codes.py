"""Certificate numbers and verification codes.

A verification code is 16 characters of Crockford's base32 (80 random bits from ``secrets``):
digits and upper-case letters without I, L, O and U, so that nothing on paper can be misread.
It is stored without separators and shown in groups of four (``K7QD-M2XP-9WFA-3RTN``). Typed
codes are read generously: any case, spaces or dashes anywhere, and the letters people confuse
with digits (O for 0, I and L for 1) are accepted.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 x 5 bits = 80 bits
GROUP = 4

_TYPED_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐-―_.]+")
_VALID = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code() -> str:
    """A fresh random code in its stored form (16 characters, no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str | None:
    """The stored form of a typed code, or None if it cannot be a code."""
    if not typed:
        return None
    compact = _SEPARATORS.sub("", str(typed)).upper().translate(_TYPED_AS)
    return compact if _VALID.match(compact) else None


def format_code(code: str) -> str:
    """The stored form shown in groups: ``K7QDM2XP9WFA3RTN`` -> ``K7QD-M2XP-9WFA-3RTN``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def format_number(prefix: str, year: int, serial: int) -> str:
    """The human-readable certificate number, e.g. ``IMH-2026-000123``."""
    return f"{prefix}-{year}-{serial:06d}"
