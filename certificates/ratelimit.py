"""Rate limit for the public verification page, against enumeration of codes.

Per client IP (as allauth determines it, so ``ALLAUTH_TRUSTED_PROXY_COUNT`` applies), a sliding
window kept in the Django cache (shared Redis in production): by default 30 points per 5
minutes, where a lookup costs 1 point and a lookup of an unknown code costs 3 more.
Configurable with ``CERTIFICATES_VERIFY_RATE_LIMIT = (points, seconds)`` and
``CERTIFICATES_VERIFY_UNKNOWN_COST``.
"""

from __future__ import annotations

import math
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache

DEFAULT_LIMIT = (30, 300)
DEFAULT_UNKNOWN_COST = 3


def _limit() -> tuple[int, int]:
    return tuple(getattr(settings, "CERTIFICATES_VERIFY_RATE_LIMIT", DEFAULT_LIMIT))


def unknown_cost() -> int:
    return getattr(settings, "CERTIFICATES_VERIFY_UNKNOWN_COST", DEFAULT_UNKNOWN_COST)


def _client(request) -> str:
    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:
        return "unknown"


def _keys(request, now: float) -> tuple[str, str, float, int]:
    _, period = _limit()
    window = int(now // period)
    client = _client(request)
    elapsed = (now % period) / period
    return (
        f"certificates:verify:{client}:{window}",
        f"certificates:verify:{client}:{window - 1}",
        elapsed,
        period,
    )


def _used(current: int, previous: int, elapsed: float) -> float:
    # Sliding-window estimate: all of this window plus the part of the last one still inside.
    return current + previous * (1 - elapsed)


def retry_after(request) -> int | None:
    """Seconds to wait if the client has used its allowance, else None."""
    points, period = _limit()
    now = time.time()
    current_key, previous_key, elapsed, _ = _keys(request, now)
    values = cache.get_many([current_key, previous_key])
    current, previous = values.get(current_key, 0), values.get(previous_key, 0)
    if _used(current, previous, elapsed) < points:
        return None
    if current >= points or not previous:
        return max(1, math.ceil(period * (1 - elapsed)))
    # The previous window's share shrinks over time: wait until enough of it has gone.
    needed = (_used(current, previous, elapsed) - points + 1) / previous
    return max(1, math.ceil(needed * period))


def consume(request, cost: int = 1) -> None:
    now = time.time()
    current_key, _, _, period = _keys(request, now)
    cache.add(current_key, 0, timeout=2 * period + 5)
    try:
        cache.incr(current_key, cost)
    except ValueError:  # expired between add and incr
        cache.set(current_key, cost, timeout=2 * period + 5)
