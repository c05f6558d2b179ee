"""Reads done once per request, however many parts of a page ask.

A module page is served by Wagtail, which runs the hook that records the module as opened,
the page's ``get_context`` and then the template tags of its panels and of every reflection
prompt; each needs the same course, sibling modules and enrolment. ``per_request`` keeps the
first answer on the request for the others.
"""

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


def per_request(request, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned earlier in this request for ``key`` (always computed
    when there is no request, e.g. a template rendered outside one)."""
    if request is None:
        return compute()
    memo = request.__dict__.setdefault("_lms_request_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]
