"""Access-control matrix: every URL of the project that shows or changes something, visited by
every role, against ARCHITECTURE.md's "Who may see what".

| | own records | team records | org subtree coverage | supervision notes | authoring |
|---|---|---|---|---|---|
| practitioner | yes | no | no | own sessions only | no |
| supervisor | yes | supervisees' learning status | no | sessions they lead | no |
| manager | yes | yes, for units they manage | yes, their units | hours and dates only | no |
| regional lead | yes | no | all organisations, aggregates | no | no |
| trainer | yes | no | course analytics | no | Wagtail admin, with moderation |
| org / regional administrator | yes | yes, theirs | yes, theirs | hours and dates only | no |
| public | — | — | — | — | certificate verification page only |

Unauthorised access to a record answers 404, never 403, so that ids do not leak; anonymous
visitors to a signed-in page are sent to the sign-in page.

``MATRIX`` is keyed by URL name. Every URL pattern of the project (found by walking the URL
resolver) must be in it, unless it sits under one of ``OUT_OF_SCOPE``; a name in the matrix that
no longer resolves fails too. So adding a URL without deciding who may use it fails the suite.

Decisions where the code and the table could be read two ways (see each entry's comment):
- Workforce pages (staff lists, invitations, staff import) are membership administration, not
  training records: regional leads use them for their region (they bring organisations'
  managers in). The records of named people (learning, assessments, supervision hours) are
  not theirs to see or change.
- Signing off a session is refused with 403 to the supervisee, who may read the session: the
  record is theirs to see, so the refusal leaks nothing, and the page says who can sign off.
- A POST-only URL answers 405 to a GET from anyone who gets past the view's role check (the
  method is checked before any record is looked up, so 405 leaks nothing either).
- Administrators: the organisation administrator OA (of Matrix Council) has what Matrix
  Council's manager M2 has, and the regional administrator RA what M, M2 and the regional lead
  have together, with named people across the region (``allow`` adds them; ``admins=False``
  where administering gives nothing, e.g. leading supervision). Changing the organisation
  itself (teams, people's roles) is theirs and site administrators' alone.
- Reporting API (``/api/v1/``): tokens only. Each administrator's token reads what a manager of
  its units sees (A's: Matrix Trust, OA's: Matrix Council, RA's: the region, figures only);
  anyone without a token gets 401 JSON, signed in or not. Its tokens page is for
  administrators; the OpenAPI document and the docs page are public.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .world import (
    JOIN_TOKEN,
    REFLECTION_TEXT,
    REMINDER_SUBJECT,
    ROLES,
    SESSION_DISCUSSION,
)

LOGIN = "login"  # a redirect to the sign-in page, with ``next`` set to the page asked for


@dataclass(frozen=True)
class Redirect:
    """A redirect (not to the sign-in page) to the URL named ``to``, or to a path starting with
    ``to`` when it starts with "/" (None: anywhere)."""

    to: str | None = None
    args: tuple = ()


ANYWHERE = Redirect()

# --- What each role gets ---------------------------------------------------------------------

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
ADMINISTRATORS = frozenset({"org_admin", "regional_admin", "admin"})
MANAGERS = frozenset({"manager", "other_manager", "regional_lead", "admin"}) | ADMINISTRATORS
# Managers who see and act on named people's records (regional leads see aggregates only).
RECORD_MANAGERS = frozenset({"manager", "other_manager", "admin"}) | ADMINISTRATORS
# Who sees P (in Matrix Trust) by name.
P_NAMED = frozenset({"manager", "admin", "regional_admin"})


def allow(
    roles,
    ok: Any = 200,
    *,
    denied: Any = 404,
    anonymous: Any = LOGIN,
    admins: bool = True,
    **overrides,
):
    """``ok`` for ``roles``, ``denied`` for the other signed-in roles, ``anonymous`` for
    anonymous visitors, then ``overrides`` (role=outcome). With ``admins``, the organisation
    administrator gets what M2 gets and the regional administrator what M, M2 or L gets."""
    unknown = set(overrides) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    roles = set(roles)
    if admins:
        if "other_manager" in roles:
            roles.add("org_admin")
        if roles & {"manager", "other_manager", "regional_lead"}:
            roles.add("regional_admin")
    outcome = {r: (ok if r in roles else denied) for r in ROLES if r != "anonymous"}
    outcome["anonymous"] = anonymous
    outcome.update(overrides)
    return outcome


def everyone(ok: Any = 200):
    """A public page: the same for every role, anonymous visitors included."""
    return dict.fromkeys(ROLES, ok)


def signed_in(ok: Any = 200):
    return allow(SIGNED_IN, ok)


@dataclass(frozen=True)
class Case:
    expect: dict
    method: str = "get"
    args: Any = None  # callable(world) -> tuple of URL arguments
    data: dict = field(default_factory=dict)
    query: str = ""
    variant: str = ""
    # Reporting API: the request carries the token the role made (``world.extra["api_tokens"]``;
    # roles that made none send only their session, which the API ignores).
    token: bool = False
    # ((text, roles that see it), ...): each text appears in the page for those roles and in
    # no other role's page (checked whenever the page answers 200). A text may be a callable
    # of the world.
    shows: tuple = ()

    def url(self, name, world) -> str:
        args = self.args(world) if self.args else ()
        query = self.query(world) if callable(self.query) else self.query
        return reverse(name, args=args) + (f"?{query}" if query else "")


def pk(attr):
    return lambda w: (getattr(w, attr).pk,)


def get_and_post(expect_get, expect_post=None, *, args=None, data=None, shows=()):
    """A form page: GET shows it; an empty POST is refused by the form (200) or the record's
    rules (a redirect), never a 500."""
    return [
        Case(expect_get, "get", args=args, shows=shows),
        Case(expect_post or expect_get, "post", args=args, data=data or {}, variant="post"),
    ]


def post_only(expect_post, *, args=None, get_allowed=SIGNED_IN, data=None):
    """A POST-only endpoint: roles who get past the view's role check get 405 on GET."""
    expect_get = {
        r: (405 if r in get_allowed else (LOGIN if r == "anonymous" else 404)) for r in ROLES
    }
    return [
        Case(expect_post, "post", args=args, data=data or {}),
        Case(expect_get, "get", args=args, variant="get"),
    ]


PARTIES = frozenset({"practitioner", "supervisor"})  # of the supervision agreement
API_TOKENS = frozenset({"admin", "org_admin", "regional_admin"})  # roles who made a token


def api(roles, ok: Any = 200, **overrides):
    """An API route: ``ok`` for the tokens of ``roles``; 401 (JSON) for everyone else,
    signed in or not (a session is no token)."""
    outcome = {r: (ok if r in roles else 401) for r in ROLES}
    outcome.update(overrides)
    return outcome


def api_cases(roles, *, shows=(), **overrides):
    """With each role's token; and signed in without one, which opens nothing."""
    return [
        Case(api(roles, **overrides), token=True, shows=shows),
        Case(api(set()), variant="session"),
    ]


MATRIX: dict[str, list[Case]] = {
    # --- Project URLs ---------------------------------------------------------------------
    "health": [Case(everyone()), Case(everyone(405), "post", variant="post")],
    "health_ready": [Case(everyone())],
    "account_profile": get_and_post(signed_in()),
    # The timeout warning's status check and "Stay signed in": the caller's own session only;
    # a script asks, so visitors get 403 rather than the sign-in page.
    "account_session": [
        Case(allow(SIGNED_IN, anonymous=403)),
        Case(allow(SIGNED_IN, anonymous=403), "post", variant="post"),
    ],
    # Drafts: each person reads and writes only their own (keyed by page within their
    # account), so every signed-in role gets the same answer; a form-encoded POST is not a
    # draft (400 with a message).
    "drafts:draft": [
        Case(allow(SIGNED_IN, anonymous=403), query="key=/learn/"),
        Case(allow(SIGNED_IN, 400, anonymous=403), "post", variant="post"),
    ],
    # "Download my data": the signed-in person's own data, and nobody else's.
    "privacy_export": [
        Case(signed_in(), "post", shows=((REFLECTION_TEXT, {"practitioner"}),)),
        Case(allow(SIGNED_IN, 405), variant="get"),
    ],
    # --- Workforce: membership administration for managers and regional leads -------------
    "workforce:home": [Case(allow(MANAGERS))],
    "workforce:unit": [
        # Team A is in M's organisation and L's region; M2 manages another organisation.
        Case(allow({"manager", "regional_lead", "admin"}), args=lambda w: (w.units["team_a"].pk,)),
        Case(
            allow({"other_manager", "regional_lead", "admin"}),
            args=lambda w: (w.units["council"].pk,),
            variant="other-org",
        ),
    ],
    "workforce:invite": get_and_post(allow(MANAGERS)),
    "workforce:invitation_resend": post_only(
        allow({"manager", "regional_lead", "admin"}, ANYWHERE),
        args=pk("invitation"),
        get_allowed=MANAGERS,
    ),
    "workforce:invitation_revoke": post_only(
        allow({"manager", "regional_lead", "admin"}, ANYWHERE),
        args=pk("invitation"),
        get_allowed=MANAGERS,
    ),
    "workforce:import": get_and_post(allow(MANAGERS)),
    "workforce:import_template": [Case(allow(MANAGERS))],
    # A staff file is its uploader's (and administrators').
    "workforce:import_detail": get_and_post(
        allow({"manager", "admin"}, regional_admin=404),
        allow({"manager", "admin"}, ANYWHERE, regional_admin=404),
        args=pk("staff_import"),
    ),
    "workforce:import_history": get_and_post(allow(MANAGERS)),
    # Named people's completions with staff numbers: the organisation's own managers.
    "reports:competence_export": [
        Case(allow({"manager", "admin"}), args=lambda w: (w.units["trust"].pk,))
    ],
    # Training done elsewhere: the person's own page; evidence for the person, their managers
    # and verifiers (trainers, administrators); decisions for verifiers, never the person.
    "courses:prior_learning": get_and_post(signed_in()),
    "courses:prior_learning_evidence": [
        Case(
            allow({"practitioner", "manager", "trainer", "admin"}),
            args=lambda w: (w.extra["prior_claim"].pk,),
        )
    ],
    "courses:prior_learning_review": [
        Case(
            allow({"manager", "other_manager", "trainer", "admin"}),
            shows=(("Matrix prior learning", P_NAMED | {"trainer"}),),
        )
    ],
    "courses:prior_learning_decide": post_only(
        allow({"manager", "trainer", "admin"}, 400),
        args=lambda w: (w.extra["prior_claim"].pk,),
    ),
    "workforce:import_progress": [
        Case(allow({"manager", "admin"}, regional_admin=404), args=pk("staff_import")),
    ],
    # Changing the organisation itself: its administrators, its region's and site administrators.
    "workforce:team_add": get_and_post(allow(ADMINISTRATORS)),
    "workforce:team_change": [
        *get_and_post(allow({"regional_admin", "admin"}), args=lambda w: (w.units["team_a"].pk,)),
        Case(
            allow(ADMINISTRATORS),
            args=lambda w: (w.units["team_b"].pk,),
            variant="council-team",
        ),
        # An organisation is changed in the Wagtail admin, not here.
        Case(allow(set()), args=lambda w: (w.units["council"].pk,), variant="organisation"),
    ],
    "workforce:membership_change": get_and_post(
        allow({"regional_admin", "admin"}), args=lambda w: (w.extra["p_membership"].pk,)
    ),
    # The invitation link: public; a signed-in person who is not the invitee is told so
    # (200) and cannot accept it (410, "wrong user"); an unknown link is 404 for everyone.
    "workforce:join": [
        Case(everyone(), args=lambda w: (JOIN_TOKEN,)),
        Case(
            allow(SIGNED_IN, 410, anonymous=200),
            "post",
            args=lambda w: (JOIN_TOKEN,),
            variant="post",
        ),
        Case(everyone(404), args=lambda w: ("no-such-token",), variant="unknown"),
    ],
    # --- Courses: the learner's own records; managers' assignment and assessment ----------
    "courses:dashboard": [Case(signed_in())],
    "courses:history": [Case(signed_in())],
    "courses:enrol": post_only(signed_in(ANYWHERE), args=pk("course")),
    # The course is public; the check itself needs an enrolment (others are sent to the
    # course page to enrol).
    "courses:knowledge_check": get_and_post(
        allow({"practitioner"}, denied=ANYWHERE), args=pk("course")
    ),
    "courses:resume": [Case(allow({"practitioner"}, ANYWHERE), args=pk("assigned_enrolment"))],
    # P's assigned course: P may not withdraw (told so on the course page), their manager and
    # administrators may; nobody else learns that the enrolment exists.
    "courses:withdraw": post_only(
        allow({"practitioner", "manager", "admin"}, ANYWHERE), args=pk("assigned_enrolment")
    ),
    "courses:module_complete": post_only(signed_in(ANYWHERE), args=pk("module")),
    "courses:reflection_save": post_only(signed_in(ANYWHERE), args=pk("module")),
    "courses:attempt": [Case(allow({"practitioner"}), args=pk("attempt"))],
    "courses:reflections": [
        Case(signed_in(), shows=((REFLECTION_TEXT, {"practitioner"}),)),
    ],
    "courses:reflections_export": [
        Case(signed_in(), shows=((REFLECTION_TEXT, {"practitioner"}),)),
    ],
    # SCORM: the run-time data of the learner's own enrolment; results are group figures.
    "courses:scorm_commit": post_only(
        allow({"practitioner"}, 400), args=lambda w: (w.extra["scorm_module"].pk,)
    ),
    "courses:scorm_results": [Case(allow({"trainer", "admin"}))],
    "courses:item_analysis_index": [Case(allow({"trainer", "admin"}))],
    "courses:item_analysis": [Case(allow({"trainer", "admin"}), args=pk("course"))],
    "courses:assign": get_and_post(allow(RECORD_MANAGERS)),
    "courses:assessment_new": get_and_post(allow(RECORD_MANAGERS)),
    # --- Certificates: the holder's; verification is public --------------------------------
    "certificates:mine": [
        Case(signed_in(), shows=((lambda w: w.certificate.number, {"practitioner"}),)),
    ],
    "certificates:verify_lookup": [
        Case(everyone()),
        Case(
            everyone(Redirect("/certificates/verify/")),
            query="code=K7QD-M2XP-9WFA-3RTN",
            variant="code",
        ),
    ],
    "certificates:verify": [
        Case(everyone(), args=lambda w: (w.certificate_code,)),
        Case(everyone(404), args=lambda w: ("AAAA-AAAA-AAAA-AAAA",), variant="unknown"),
    ],
    "certificates:training_record_request": post_only(signed_in(ANYWHERE)),
    "certificates:training_record": [Case(allow({"practitioner"}), args=pk("training_record"))],
    "certificates:training_record_status": [
        Case(allow({"practitioner"}), args=pk("training_record"))
    ],
    "certificates:training_record_pdf": [Case(allow({"practitioner"}), args=pk("training_record"))],
    # Certificate administrators (here the administrator) may download any certificate.
    # The learner's dashboard link to the certificate of one of their own completions.
    "certificates:for_completion": [
        Case(allow({"practitioner"}), args=lambda w: (w.certificate.completion_id,))
    ],
    "certificates:pdf": [
        Case(allow({"practitioner", "admin"}), args=lambda w: (w.certificate.number,)),
        Case(allow({"practitioner", "admin"}), args=pk("certificate"), variant="by-id"),
    ],
    # --- Supervision: content for the parties only; hours for the person's managers --------
    # Content never leaves the session page; the home page names the other party.
    "supervision:home": [
        Case(
            signed_in(),
            shows=(
                (SESSION_DISCUSSION, set()),
                (lambda w: w.users["supervisor"].display_name, {"practitioner", "supervisor"}),
            ),
        )
    ],
    # Setting up an agreement as supervisor: T3 and above, managers, administrators, and
    # anyone already leading one (supervision.permissions.may_supervise).
    "supervision:agreement_create": get_and_post(
        allow(
            SIGNED_IN - {"practitioner", "other_practitioner", "trainer"} - ADMINISTRATORS
            | {"admin"},
            admins=False,
        )
    ),
    "supervision:agreement": [Case(allow(PARTIES), args=pk("agreement"))],
    "supervision:agreement_accept": post_only(allow(PARTIES, ANYWHERE), args=pk("agreement")),
    "supervision:agreement_decline": post_only(allow(PARTIES, ANYWHERE), args=pk("agreement")),
    "supervision:agreement_review": get_and_post(allow(PARTIES), args=pk("agreement")),
    "supervision:agreement_end": post_only(allow(PARTIES, ANYWHERE), args=pk("agreement")),
    "supervision:session_create": get_and_post(allow(PARTIES), args=pk("agreement")),
    "supervision:session": [
        Case(allow(PARTIES), args=pk("signed_session"), shows=((SESSION_DISCUSSION, PARTIES),)),
        Case(allow(PARTIES), args=pk("draft_session"), variant="draft"),
    ],
    "supervision:session_edit": [
        *get_and_post(allow(PARTIES), args=pk("draft_session")),
        # A signed-off record is locked: its parties are offered a correction instead.
        Case(allow(PARTIES, 409), args=pk("signed_session"), variant="signed-off"),
    ],
    # Only the supervisee writes their reflection (the supervisor reads it on the session).
    "supervision:reflection": get_and_post(allow({"practitioner"}), args=pk("draft_session")),
    "supervision:sign_off": get_and_post(
        allow({"supervisor"}, practitioner=403),
        allow({"supervisor"}, ANYWHERE, practitioner=403),
        args=pk("draft_session"),
    ),
    "supervision:correction_create": get_and_post(allow(PARTIES), args=pk("signed_session")),
    "supervision:action_status": post_only(allow(PARTIES, ANYWHERE), args=pk("action")),
    # A supervisee's log (handed to others): sessions, never their content.
    "supervision:export_csv": [
        Case(
            signed_in(),
            shows=(
                (SESSION_DISCUSSION, set()),
                (lambda w: w.users["supervisor"].display_name, {"practitioner"}),
            ),
        )
    ],
    "supervision:export_pdf": [Case(signed_in())],
    "supervision:team": [
        Case(
            allow(RECORD_MANAGERS),
            shows=((lambda w: w.p.display_name, P_NAMED),),
        )
    ],
    "supervision:team_person": [
        Case(allow({"manager", "admin"}), args=lambda w: (w.p.pk,)),
    ],
    # --- Reports: coverage for managers, aggregates for regional leads, analytics ----------
    "reports:dashboard": [
        Case(allow(MANAGERS, trainer=Redirect("reports:analytics"))),
    ],
    "reports:outcomes": [
        Case(allow(MANAGERS)),
        Case(allow(MANAGERS), query="on=2026-03-31", variant="past-day"),
    ],
    "reports:people": [
        Case(
            allow(RECORD_MANAGERS),
            shows=((lambda w: w.p.display_name, P_NAMED),),
        )
    ],
    "reports:person": [Case(allow({"manager", "admin"}), args=lambda w: (w.p.pk,))],
    "reports:export": [
        Case(allow(MANAGERS), args=lambda w: ("units", "csv")),
        Case(allow(MANAGERS), args=lambda w: ("supervision", "xlsx"), variant="xlsx"),
        Case(allow(MANAGERS), args=lambda w: ("quarters", "csv"), variant="quarters"),
        Case(allow(MANAGERS), args=lambda w: ("quarters", "xlsx"), variant="quarters-xlsx"),
        Case(
            allow(RECORD_MANAGERS),
            args=lambda w: ("people", "csv"),
            variant="people",
            shows=((lambda w: w.p.email, P_NAMED),),
        ),
        Case(allow(set()), args=lambda w: ("nothing", "csv"), variant="unknown"),
    ],
    "reports:analytics": [Case(allow({"trainer", "admin"}))],
    "reports:course_analytics": [Case(allow({"trainer", "admin"}), args=pk("course"))],
    "reports:my_emails": [Case(signed_in(), shows=((REMINDER_SUBJECT, {"practitioner"}),))],
    # --- Workshops: sessions anyone signed in may book; the register is the session's
    # trainers'; evaluation results (groups of five or more) for trainers and regional leads.
    "workshops:index": [Case(signed_in())],
    "workshops:session": [Case(signed_in(), args=lambda w: (w.extra["workshop_session"].pk,))],
    "workshops:book": post_only(
        signed_in(ANYWHERE), args=lambda w: (w.extra["workshop_session"].pk,)
    ),
    # P's place: P, and those who manage P's records, may cancel it.
    "workshops:cancel": post_only(
        allow({"practitioner", "manager", "admin"}, ANYWHERE),
        args=lambda w: (w.extra["workshop_booking"].pk,),
    ),
    # Only the session's trainer T (not other trainers, not administrators); the session has
    # not started, so a POST is refused with a message.
    "workshops:register": get_and_post(
        allow({"trainer"}, admins=False),
        allow({"trainer"}, ANYWHERE, admins=False),
        args=lambda w: (w.extra["workshop_session"].pk,),
        shows=((lambda w: w.p.display_name, {"trainer"}),),
    ),
    "workshops:no_shows": [Case(allow(RECORD_MANAGERS))],
    # Requests for places from the manager's staff; an empty POST is refused with a message.
    "workshops:approvals": get_and_post(allow(RECORD_MANAGERS), allow(RECORD_MANAGERS, ANYWHERE)),
    # The learner's own evaluation of their enrolment; every question is optional.
    "workshops:evaluation": get_and_post(
        allow({"practitioner"}),
        allow({"practitioner"}, ANYWHERE),
        args=pk("assigned_enrolment"),
    ),
    "workshops:results_index": [Case(allow({"regional_lead", "trainer", "admin"}, admins=False))],
    "workshops:results": [
        Case(
            allow({"regional_lead", "trainer", "admin"}, admins=False),
            args=lambda w: (w.extra["workshop_course"].pk,),
        )
    ],
    # --- Content -------------------------------------------------------------------------
    "content:search": [Case(everyone(), query="q=attachment")],
    "glossary:index": [Case(everyone())],
    "handout": [
        Case(everyone(), args=lambda w: ("states-and-cues",)),
        Case(everyone(404), args=lambda w: ("no-such-handout",), variant="unknown"),
    ],
    # --- Reporting API: tokens made by administrators; the API itself reads tokens only ----
    "api_tokens:list": get_and_post(
        allow(ADMINISTRATORS, admins=False), allow(ADMINISTRATORS, 400, admins=False)
    ),
    # A token is revoked by whoever made it (OA here) and by site administrators.
    "api_tokens:revoke": post_only(
        allow({"org_admin", "admin"}, ANYWHERE, admins=False),
        args=lambda w: (w.extra["api_tokens"]["org_admin"].token.pk,),
        get_allowed=ADMINISTRATORS,
    ),
    "api:api-root": [Case(everyone(404))],
    "api:openapi-json": [Case(everyone())],
    "api:openapi-view": [Case(everyone())],
    "api:coverage": [
        *api_cases(API_TOKENS),
        # A's token (Matrix Trust) filters on Team A; Matrix Council's token may not.
        Case(
            api(API_TOKENS, org_admin=400),
            token=True,
            query=lambda w: f"unit={w.units['team_a'].pk}",
            variant="unit-filter",
        ),
    ],
    "api:coverage_courses": api_cases(API_TOKENS),
    # People by name: A's token (Matrix Trust) names P; OA's (Matrix Council) does not; RA's is
    # for the region, whose managers see figures only.
    "api:people": api_cases(
        API_TOKENS,
        regional_admin=404,
        shows=((lambda w: w.p.display_name, {"admin"}),),
    ),
    "api:completions": api_cases(API_TOKENS, shows=((lambda w: w.p.email, {"admin"}),)),
    # A package's files are course content (no learner's record): anyone signed in.
    "scorm:serve": [
        Case(signed_in(), args=lambda w: (w.extra["scorm_package"].pk, "index.html")),
        Case(allow(set()), args=lambda w: (w.extra["scorm_package"].pk, "../x"), variant="out"),
    ],
}

# URL patterns this matrix does not cover, and why. Each rule must still match something.
OUT_OF_SCOPE = {
    "admin/": "the Wagtail admin (authoring, moderation, workforce and certificate admin): "
    "Wagtail's own permission system, tested by the apps' admin tests",
    "django-admin/": "the Django admin: staff only, Django's own permission checks",
    "documents/": "Wagtail document serving: Wagtail's collection privacy",
    "allauth.urls": "allauth's sign-in, sign-up, password, email, MFA and single sign-on "
    "(OpenID Connect and SAML) pages: public by design, allauth's own tests and tests/sso",
    "saml_finish_acs": "allauth's SAML sign-in end, wrapped only to refuse a replayed response "
    "with a clear page: public by design (tests/sso)",
    # The page tree catch-all, served by content.views.serve from the cached page directory,
    # and Wagtail's view-restriction password and login forms: public content, page privacy is
    # Wagtail's (tests/content covers the serve view).
    "wagtail_serve": "the Wagtail page tree (home, catalogue, course and module pages)",
    "wagtailcore_authenticate_with_password": "Wagtail's page password form",
    "wagtailcore_login": "Wagtail's page login redirect",
}


@dataclass(frozen=True)
class Route:
    key: str  # the URL name (with namespaces), or the route for unnamed patterns
    route: str
    includes: tuple[str, ...]  # the modules of the include()s it sits in


def _module_name(resolver: URLResolver) -> str:
    conf = resolver.urlconf_name
    if isinstance(conf, str):
        return conf
    return getattr(conf, "__name__", "")


def walk(patterns=None, prefix="", namespace="", includes=()):
    """Every URL pattern of the project, with its full name and route."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                ns,
                (*includes, _module_name(pattern)),
            )
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                key = route
            yield Route(key=key, route=route, includes=includes)


def out_of_scope_rule(route: Route) -> str | None:
    for rule in OUT_OF_SCOPE:
        if rule.endswith("/") and route.route.lstrip("^").startswith(rule):
            return rule
        if rule in route.includes or rule == route.key:
            return rule
    return None


def in_scope_routes() -> dict[str, Route]:
    return {r.key: r for r in walk() if out_of_scope_rule(r) is None}


def test_every_url_is_in_the_matrix():
    discovered = in_scope_routes()
    missing = sorted(set(discovered) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(discovered))
    assert not missing, (
        f"URLs without an entry in the access matrix (add them to MATRIX in {__file__}, with "
        f"what every role gets): {missing}"
    )
    assert not stale, f"The access matrix names URLs that no longer exist: {stale}"


def test_every_out_of_scope_rule_still_matches_something():
    used = {out_of_scope_rule(r) for r in walk()}
    assert set(OUT_OF_SCOPE) <= used, f"Unused exclusions: {set(OUT_OF_SCOPE) - used}"


def test_every_case_names_every_role():
    for name, cases in MATRIX.items():
        for case in cases:
            assert set(case.expect) == set(ROLES), (name, case.variant)


def _params():
    for name, cases in MATRIX.items():
        for case in cases:
            label = f"{name}[{case.variant}]" if case.variant else name
            for role in ROLES:
                yield pytest.param(name, case, role, id=f"{label}-{role}")


def _login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def _text(value, world) -> str:
    return value(world) if callable(value) else value


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "case", "role"), list(_params()))
def test_access(world, client, name, case, role):
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    url = case.url(name, world)
    headers = {}
    if case.token and role in world.extra["api_tokens"]:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world.extra['api_tokens'][role].secret}"
    if case.method == "post":
        response = client.post(url, case.data, **headers)
    else:
        response = client.get(url, **headers)
    expected = case.expect[role]
    status = response.status_code
    location = response.get("Location", "")
    got = f"{status} {location}".strip()

    if expected == LOGIN:
        assert status == 302, f"{url} as {role}: expected the sign-in page, got {got}"
        parts = urlsplit(location)
        assert parts.path == _login_url(), f"{url} as {role}: expected sign-in, got {got}"
        assert "next=" in parts.query
        return
    if isinstance(expected, Redirect):
        assert status == 302, f"{url} as {role}: expected a redirect, got {got}"
        assert urlsplit(location).path != _login_url(), f"{url} as {role}: sent to sign in"
        if expected.to:
            target = (
                expected.to
                if expected.to.startswith("/")
                else reverse(expected.to, args=expected.args)
            )
            assert urlsplit(location).path.startswith(target), f"{url} as {role}: {got}"
        return
    assert status == expected, f"{url} as {role}: expected {expected}, got {got}"
    if case.shows and status == 200:
        body = _body(response)
        for text, roles in case.shows:
            text = _text(text, world)
            if role in roles:
                assert text in body, f"{url} as {role}: should show {text!r}"
            else:
                assert text not in body, f"{url} as {role}: shows {text!r}, which is not theirs"
