"""The API's routes (django-ninja): authentication by token, the rate limit, and JSON errors
with a message for every refusal. Figures come from ``lms.reports`` selectors, rows from this
app's selectors; nothing here decides what a figure means."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from lms.reports import selectors as reports
from lms.reports.forms import FilterForm
from lms.reports.selectors import DRILL_STATUSES, HEADLINES, Drill, Status

from . import cursors, schemas, selectors, services, tokens
from .docs import ApiDocs

MAX_HEADER = 300
PEOPLE_MAX = 500
ID = {"ge": 1, "le": 2**63 - 1}


class ApiError(Exception):
    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def unauthorised(detail: str) -> ApiError:
    return ApiError(401, detail, {"WWW-Authenticate": 'Bearer realm="api"'})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``. Every request that names a real token is written to
    the audit log, refused or not; the scope the token sees is left on ``request.api_scope``."""

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            raise unauthorised(
                "This API needs a token: send it as 'Authorization: Bearer <token>'. An "
                "administrator of your organisation makes tokens at /api/tokens/."
            )
        if len(header) > MAX_HEADER:
            raise unauthorised(
                f"The Authorization header is too long ({len(header)} characters): send "
                "'Bearer ' and the token, nothing else."
            )
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            raise unauthorised("Send the token as 'Authorization: Bearer <token>'.")
        return self.authenticate(request, value.strip())

    def authenticate(self, request, token):
        try:
            prefix, secret = tokens.parse(token)
        except tokens.BadToken as exc:
            raise unauthorised(str(exc)) from exc
        found = selectors.token_by_prefix(prefix)
        if found is None or not tokens.secret_matches(secret, found.secret_hash):
            raise unauthorised(
                "This token is not known here: check that it was copied whole, or ask an "
                "administrator for a new one."
            )
        if found.is_revoked:
            services.record_use(found, request, refused="revoked")
            raise unauthorised(
                f"This token was revoked on {timezone.localtime(found.revoked_at):%d %B %Y}: "
                "ask an administrator for a new one."
            )
        if found.is_expired:
            services.record_use(found, request, refused="expired")
            raise unauthorised(
                f"This token expired on {timezone.localtime(found.expires_at):%d %B %Y}: ask an "
                "administrator for a new one."
            )
        wait = services.take_request(found)
        if wait is not None:
            services.record_use(found, request, refused="rate limit")
            limit, period = services.rate_limit()
            raise ApiError(
                429,
                f"Too many requests: a token may make {limit} requests every {period} seconds. "
                f"Try again in {wait} seconds.",
                {"Retry-After": str(wait)},
            )
        scope = selectors.token_scope(found)
        if not scope.paths:
            services.record_use(found, request, refused="no units")
            raise ApiError(
                403,
                "This token no longer reads any unit: the person who made it no longer "
                "administers them. Ask a current administrator for a new token.",
            )
        services.record_use(found, request)
        request.api_scope = scope
        return found


api = NinjaAPI(
    title="Infant Mental Health Training reporting API",
    version="1",
    description=(
        "Read-only figures and records for other systems (business intelligence, HR). Send "
        "a token as `Authorization: Bearer <token>`; administrators make tokens at "
        "`/api/tokens/`. Every refusal is JSON with a `detail` message."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs=ApiDocs(),
    docs_url="/docs/",
    auth=TokenAuth(),
)


def _error(request, status, detail, headers=None):
    response = JsonResponse({"detail": detail}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.detail, exc.headers)


@api.exception_handler(AuthenticationError)
def _no_auth(request, exc):
    return _error(request, 401, "This API needs a token.", {"WWW-Authenticate": "Bearer"})


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    problems = []
    for error in exc.errors:
        where = [str(p) for p in error.get("loc", ()) if p not in ("query", "path")]
        problems.append(f"{'.'.join(where) or 'request'}: {error.get('msg', 'not valid')}")
    return _error(request, 400, "Some parameters are not valid. " + "; ".join(problems) + ".")


# --- Filters ---------------------------------------------------------------------------------


def _filters(request, unit, role, tier, course):
    """The dashboard's filters (its own form, so that they mean the same), or a 400 naming
    each one that is not valid."""
    data = {
        name: str(value)
        for name, value in (("unit", unit), ("role", role), ("tier", tier), ("course", course))
        if value is not None
    }
    form = FilterForm(data, scope=request.api_scope)
    filters = form.filters()
    if form.errors:
        names = {
            "unit": "a unit of this token",
            "role": "a job role",
            "tier": "a tier",
            "course": "a published course",
        }
        problems = [
            f"{name}={data.get(name)} is not {names.get(name, 'valid')}" for name in form.errors
        ]
        raise ApiError(400, "Unknown filter: " + "; ".join(problems) + ".")
    return filters, data


def _figures(counts) -> dict:
    figures = {"staff": counts.total}
    for h in HEADLINES:
        figures[h.key] = h.count(counts)
        figures[f"{h.key}_percent"] = float(h.share(counts))
    return figures


# --- Routes ------------------------------------------------------------------------------------


@api.get("/coverage/", response=schemas.Coverage, url_name="coverage", tags=["coverage"])
def coverage(
    request,
    unit: int | None = Query(None, **ID, description="Only this unit and the units in it."),
    role: int | None = Query(None, **ID, description="Only people in this job role."),
    tier: int | None = Query(None, **ID, description="Only roles requiring this tier."),
    course: int | None = Query(None, **ID, description="Only roles requiring this course."),
):
    """Coverage against the required tier, in total and by unit, job role and tier: the
    coverage dashboard's figures for the same filters."""
    filters, data = _filters(request, unit, role, tier, course)
    figures = reports.coverage(request.api_scope, filters)
    return {
        "as_at": figures.as_at,
        "on": figures.on,
        "filters": data,
        "total": _figures(figures.total),
        "units": [
            {
                "id": r.unit.pk,
                "name": r.label,
                "kind": r.unit.kind,
                "direct": r.direct,
                "figures": _figures(r.counts),
            }
            for r in figures.units
        ],
        "roles": [
            {
                "id": r.job_role.pk,
                "name": r.label,
                "required_tier": r.tier.code,
                "figures": _figures(r.counts),
            }
            for r in figures.roles
        ],
        "tiers": [
            {
                "id": r.tier.pk,
                "code": r.tier.code,
                "name": r.tier.name,
                "figures": _figures(r.counts),
            }
            for r in figures.tiers
        ],
    }


@api.get(
    "/coverage/courses/",
    response=schemas.CourseCoverage,
    url_name="coverage_courses",
    tags=["coverage"],
)
def coverage_courses(
    request,
    unit: int | None = Query(None, **ID),
    role: int | None = Query(None, **ID),
    tier: int | None = Query(None, **ID),
    course: int | None = Query(None, **ID),
):
    """Per required course: the people whose roles require it and how many of them hold a
    current, expiring or only an expired completion (the dashboard's course table)."""
    filters, data = _filters(request, unit, role, tier, course)
    result = reports.course_completion(request.api_scope, filters)
    return {
        "as_at": result.as_at,
        "filters": data,
        "courses": [
            {
                "id": r.course.pk,
                "title": r.course.title,
                "tier": r.course.tier.code,
                "required": r.required,
                "current": r.current,
                "current_percent": float(r.current_share),
                "expiring": r.expiring,
                "expired": r.expired,
                "never": r.never,
            }
            for r in result.rows
        ],
    }


@api.get("/people/", response=schemas.People, url_name="people", tags=["people"])
def people(
    request,
    unit: int | None = Query(None, **ID),
    role: int | None = Query(None, **ID),
    tier: int | None = Query(None, **ID),
    course: int | None = Query(None, **ID),
    status: str | None = Query(
        None,
        max_length=20,
        description="meets, expiring, holding, overdue, not_started, "
        "in_progress: only the people behind that figure.",
    ),
    cursor: str | None = Query(None, description="next_cursor of the previous page."),
    limit: int = Query(100, ge=1, le=PEOPLE_MAX),
):
    """The people behind the figures, with their status: only in the organisations and teams
    of the token (a region's figures name nobody), as their managers see them on the reports'
    people pages. Never anything of their supervision."""
    scope = request.api_scope
    if not scope.may_name_anyone:
        raise ApiError(
            404,
            "This token's units are regions: people are listed by name only for organisations "
            "and teams. Ask for a token scoped to them.",
        )
    if status is not None and status not in DRILL_STATUSES:
        raise ApiError(400, f"Unknown status: use one of {', '.join(sorted(DRILL_STATUSES))}.")
    filters, _ = _filters(request, unit, role, tier, course)
    if filters.unit is not None and not scope.may_name(filters.unit):
        raise ApiError(400, f"unit={unit} is a region: people are listed for its organisations.")
    after = _cursor(cursors.person_position, cursor, request.auth.pk)
    rows, more = selectors.people_page(
        scope, filters, Drill(status=status), after=after, limit=limit
    )
    last = rows[-1].user_id if rows else after
    return {
        "as_at": timezone.now(),
        "results": [
            {
                "id": p.user_id,
                "name": p.name,
                "email": p.email,
                "status": p.status,
                "status_label": Status.LABELS[p.status],
                "holds_required_tier_until": p.standing_until if p.holds_required else None,
                "next_due_on": p.next_due_on,
                "last_completed_at": p.last_completed_at,
                "last_activity_at": p.last_activity_at,
                "memberships": [{"unit": u, "job_role": r, "tier": t} for u, r, t in p.memberships],
            }
            for p in rows
        ],
        "next_cursor": cursors.encode("people", request.auth.pk, [last]) if more else None,
        "has_more": more,
    }


def _cursor(decode, value, token_id):
    if value is None:
        return None
    try:
        return decode(value, token_id)
    except cursors.BadCursor as exc:
        raise ApiError(400, str(exc)) from exc


@api.get(
    "/completions/",
    response=schemas.Completions,
    url_name="completions",
    tags=["completions"],
)
def completions(
    request,
    since: datetime | None = Query(  # noqa: B008 - django-ninja declares parameters so
        None,
        description="Only completions recorded at or after this time (ISO 8601; UTC "
        "when it has no offset). Leave out, with no cursor, for everything.",
    ),
    cursor: str | None = Query(None, description="next_cursor of an earlier page."),
    limit: int = Query(1000, ge=1, le=settings.API_FEED_MAX_LIMIT),
):
    """Completions recorded since a time, in the order they were recorded, for incremental
    loads: of the people in the token's organisations and teams. Streamed: a page of any size
    takes the same memory. Keep ``next_cursor`` and send it next time to get only what is
    new."""
    scope = request.api_scope
    if since is not None and cursor is not None:
        raise ApiError(400, "Send since or cursor, not both: the cursor already knows where to go.")
    after = _cursor(cursors.completion_position, cursor, request.auth.pk)
    if since is not None:
        try:
            since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        except OverflowError as exc:
            raise ApiError(
                400, "since is out of range: use a date between years 1 and 9999."
            ) from exc
    rows = selectors.completions_since(scope, since=since, after=after)[: limit + 1]
    # Where an empty page leaves off: where the cursor was, at ``since``, or the beginning.
    start = after or (since or datetime.min.replace(tzinfo=UTC), 0)
    return StreamingHttpResponse(
        _stream(rows, limit, request.auth.pk, start),
        content_type="application/json",
    )


FEED_CHUNK = 5000
ROWS_PER_WRITE = 500
UTC_Z = "+00:00"


def _instant(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the microsecond (the feed's order is by this time)."""
    return value.astimezone(UTC).isoformat().replace(UTC_Z, "Z")


def _stream(rows, limit, token_id, after):
    """The page as JSON, written as the rows arrive from the database (``FEED_CHUNK`` at a
    time, ``ROWS_PER_WRITE`` rows a write): memory stays flat whatever ``limit`` is. One row
    beyond the page says whether more follow; ``next_cursor`` is the position after the last
    row sent."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode  # dates as text: the C encoder's path
    yield f'{{"as_at": "{_instant(timezone.now())}", "results": ['
    sent, more, last, buffer = 0, False, after, []
    for row in rows.iterator(chunk_size=FEED_CHUNK):
        if sent == limit:
            more = True
            break
        (
            pk,
            recorded_at,
            user_id,
            email,
            course_id,
            title,
            tier,
            completed,
            valid,
            expires,
            source,
        ) = row
        buffer.append(
            dumps(
                {
                    "id": pk,
                    "recorded_at": _instant(recorded_at),
                    "person_id": user_id,
                    "person_email": email,
                    "course_id": course_id,
                    "course_title": title,
                    "tier": tier,
                    "completed_at": _instant(completed),
                    "valid_until": valid.isoformat(),
                    "expires_at": _instant(expires),
                    "source": source,
                }
            )
        )
        sent += 1
        last = (recorded_at, pk)
        if len(buffer) == ROWS_PER_WRITE:
            yield ("," if sent > ROWS_PER_WRITE else "") + ",".join(buffer)
            buffer = []
    if buffer:
        yield ("," if sent > len(buffer) else "") + ",".join(buffer)
    next_cursor = cursors.encode("completions", token_id, [last[0].isoformat(), last[1]])
    yield f'], "next_cursor": {json.dumps(next_cursor)}, "has_more": {json.dumps(more)}}}'
