"""Small helpers shared by every app's ``privacy.py`` (export and erasure of one person's data).

Kept apart from ``lms.privacy`` (which imports every app) so that the apps can use them without
an import cycle. See docs/data-protection.md for what is exported and what erasure does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

# What an erased person is called wherever their account is shown (supervisor of a session,
# assessor of an assessment...).
ERASED_NAME = "Erased person"
# The holder named on a certificate (verification page, admin) once its holder was erased.
ERASED_HOLDER = "a person whose record has been erased"
# Replaces free text a person wrote that only they (and perhaps their supervisor) could read.
REMOVED_TEXT = "[removed at the person's request]"
# Replaces the person's name or email address where someone else mentioned it in shared text.
REMOVED_NAME = "[name removed]"


def erased_email(pk: int) -> str:
    """The address an erased account keeps (``.invalid`` is reserved: it can never receive
    mail, so nothing is ever sent to it and nobody can sign up with it)."""
    return f"erased-{pk}@erased.invalid"


def plain(value):
    """``value`` with dates and times as ISO 8601 strings, decimals and UUIDs as strings, and
    tuples and sets as lists, so that ``json.dumps`` takes it as it is."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def email_addresses(user) -> list[str]:
    """Every address the person has given: the login address and allauth's other addresses
    (lower case, sorted)."""
    from allauth.account.models import EmailAddress

    found = {(user.email or "").strip().lower()}
    others = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    found.update(e.lower() for e in others)
    return sorted(e for e in found if e)


def identifying_strings(user) -> list[str]:
    """The strings that identify ``user`` in free text: their display name and email
    addresses (longest first, so that a name inside an address is replaced as the address).
    Call it before the account is anonymised."""
    found = {(user.display_name or "").strip(), *email_addresses(user)}
    # A one-letter or empty "name" would blank out unrelated text.
    return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


def redact(text: str, needles: Iterable[str], replacement: str = REMOVED_NAME) -> str:
    """``text`` with every case-insensitive occurrence of the ``needles`` as whole words
    replaced (a person called "Sam" is removed from "Sam said", not from "Sample")."""
    needles = [n for n in needles if n]
    if not text or not needles:
        return text
    words = "|".join(re.escape(n) for n in needles)
    return re.sub(rf"(?<!\w)(?:{words})(?!\w)", replacement, text, flags=re.IGNORECASE)
