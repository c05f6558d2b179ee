"""Writes of the reporting API: making and revoking tokens, and recording each use of one
(the audit log, its last use, the rate limit's count)."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.workforce.selectors import administers_unit

from . import tokens
from .models import ApiToken

AUDIT_CREATE = "lms.api_token_create"
AUDIT_REVOKE = "lms.api_token_revoke"
AUDIT_USE = "lms.api_request"
# ``last_used_at`` is written at most this often per token (it is for the tokens page, not an
# audit: the audit log has every request).
LAST_USED_EVERY = timedelta(minutes=1)
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, to be shown once and never again


@transaction.atomic
def create_token(*, by, name: str, units, expires_in_days: int) -> NewToken:
    """Make a token for ``units`` (each one the person administers), valid for
    ``expires_in_days``. Returns the token with its secret, which is not stored anywhere."""
    units = list(units)
    if not units:
        raise ValidationError({"units": "Choose at least one unit the token may read."})
    refused = [u for u in units if not administers_unit(by, u)]
    if refused:
        raise ValidationError(
            {"units": f"You do not administer {', '.join(u.name for u in refused)}."}
        )
    if not 1 <= expires_in_days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"expires_in_days": f"A token lasts from 1 to {settings.API_TOKEN_MAX_DAYS} days."}
        )
    secret, prefix, secret_hash = tokens.new_token()
    now = timezone.now()
    token = ApiToken.objects.create(
        name=name.strip(),
        prefix=prefix,
        secret_hash=secret_hash,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
    )
    token.units.set(units)
    _log(token, AUDIT_CREATE, by, {"units": [u.pk for u in units], "days": expires_in_days})
    return NewToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(*, token: ApiToken, by) -> ApiToken:
    """Stop ``token`` working at once. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        _log(token, AUDIT_REVOKE, by, {})
    return token


def rate_limit() -> tuple[int, int]:
    """(requests, seconds) of ``settings.API_RATE_LIMIT`` ("120/m", "1000/h", "10/5s")."""
    match = RATE.match(str(settings.API_RATE_LIMIT))
    if match is None:
        raise ValueError(f"API_RATE_LIMIT {settings.API_RATE_LIMIT!r} should read like 120/m")
    count, times, unit = match.groups()
    return int(count), int(times or 1) * UNITS[unit]


def take_request(token: ApiToken) -> int | None:
    """Count one request of ``token`` in the current window of the rate limit. Returns None
    when it is allowed, else the seconds until the next window (the request is refused). The
    count lives in the cache, so every process shares it when the cache is Redis."""
    limit, period = rate_limit()
    now = time.time()
    key = f"lms:api:rate:{token.pk}:{int(now // period)}"
    if cache.add(key, 1, timeout=period + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=period + 5)
            count = 1
    if count <= limit:
        return None
    return max(1, math.ceil(period - now % period))


def record_use(token: ApiToken, request, *, refused: str | None = None) -> None:
    """Every request made with a token goes to the audit log (who made the token, which
    address with which parameters, whether it was refused), and the token's last use."""
    query = request.META.get("QUERY_STRING", "")
    data = {"path": request.path[:300], "query": query[:500]}
    if refused:
        data["refused"] = refused
    _log(token, AUDIT_USE, token.created_by, data)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _log(token, action, user, data) -> None:
    from wagtail.log_actions import log

    log(token, action, user=user, data=data)
