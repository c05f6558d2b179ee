"""Every form the site accepts (POST), fuzzed as a person who may use it, with CSRF checks on.

For each generated submission: never a server error; redirects stay on this site; submitted
markup comes back escaped; and a submission that is refused (the form shown again with errors,
or a 4xx) writes nothing. A few submissions go without their CSRF token: they are refused with
403 and write nothing either.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import strategies as st

from courses.models import CompetencyAssessment, Enrolment, QuizAttempt, Reflection
from courses.workshops.models import Booking, Evaluation
from lms.workforce.models import Invitation, Membership, StaffImport
from supervision.models import (
    AgreementReview,
    SessionAction,
    SessionAttendance,
    SessionCorrection,
    SupervisionAgreement,
    SupervisionSession,
)
from tests.security.world import JOIN_TOKEN

from . import support
from .support import check_response, dates, field, form, fuzz, rolled_back, text, uuids

User = get_user_model()

REDIRECT_TARGETS = st.sampled_from(
    [
        "/learn/",
        "/supervision/",
        "//evil.example.org/",
        "https://evil.example.org/steal",
        "http://testserver.evil.example.org/",
        "/\\evil.example.org",
        "\\\\evil.example.org",
        "javascript:alert(1)",
        "/learn/?next=https://evil.example.org",
    ]
)
BOOLEANS = st.sampled_from(["on", "true", "True", "1", "0", "false", "off", "yes", ""])


def user_ids(w):
    return [u.pk for u in w.users.values()]


def unit_ids(w):
    return [u.pk for u in w.units.values()]


def choices(*values):
    return st.sampled_from(list(values))


def option_ids(course):
    return [o.id for q in course.questions() for o in q.value["options"].bound_blocks]


def counts(*models):
    return lambda w: tuple(m.objects.count() for m in models)


@dataclass(frozen=True)
class Endpoint:
    role: str
    url: Any  # callable(world) -> url
    fields: Any = None  # callable(world) -> {name: strategy}
    state: Any = None  # callable(world) -> what a refused submission must leave unchanged
    files: Any = None  # callable(data) -> {name: uploaded file}


def session_fields(w, *, creating):
    owners = [w.users["supervisor"].pk, w.p.pk]
    fields = {
        "date": field(dates),
        "duration_minutes": field(st.integers(-10, 2000).map(str)),
        "themes": field(ids=range(1, 12)),
        "theme_wellbeing": field(BOOLEANS),
        "case_references": field(text),
        "discussion": field(text),
        "learning_needs": field(ids=range(1, 12)),
        "learning_needs_notes": field(text),
        "next_session_on": field(dates),
        "done_actions": field(ids=[w.action.pk]),
        "actions-TOTAL_FORMS": field(choices("0", "1", "2", "3", "31", "1000", "-1", "99999999")),
        "actions-INITIAL_FORMS": field(choices("0", "1", "2", "-1", "100")),
        "actions-MIN_NUM_FORMS": field(choices("0", "1")),
        "actions-MAX_NUM_FORMS": field(choices("30", "1000")),
    }
    for i in range(3):
        fields |= {
            f"actions-{i}-text": field(text),
            f"actions-{i}-owner": field(ids=owners),
            f"actions-{i}-due_date": field(dates),
            f"actions-{i}-id": field(ids=[w.action.pk]),
            f"actions-{i}-DELETE": field(BOOLEANS),
        }
    if creating:
        fields |= {"attendees": field(ids=[w.p.pk]), "submission_key": field(uuids)}
    else:
        fields |= {"version": field(choices("0", "1", "2", "-1", "99999999999999999999"))}
    return fields


def csv_upload(data):
    content = data.get("__csv__", b"")
    # A browser sends a base name (the multipart parser strips any folders).
    name = data.get("__name__", "staff.csv").replace("/", "_").replace("\\", "_").strip(".")
    return {"file": SimpleUploadedFile(name or "x", content, content_type="text/csv")}


CSV_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(support.characters, max_size=300).map(lambda t: t.encode("utf-8")),
    st.builds(
        lambda rows: ("email,name,unit,job_role,manager,start_date\n" + rows).encode("utf-8"),
        st.text(support.characters, max_size=200),
    ),
    st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbf",
            b"email,unit,job_role\n",
            b"email,name,unit,job_role\nx@example.org,X,mx-team-a,mx-hv\n",
            "email,name,unit,job_role\nzoë@example.org,Zoë,mx-team-a,mx-hv\n".encode("cp1252"),
            "email,name,unit,job_role\nzoë@example.org,Zoë,mx-team-a,mx-hv\n".encode("utf-16"),
            b"\x00\x01\x02\x03",
            b'email,name\n"unterminated,quote\n',
        ]
    ),
)


ENDPOINTS = {
    "account_profile": Endpoint(
        "practitioner",
        lambda w: reverse("account_profile"),
        lambda w: {"display_name": field(text)},
    ),
    "privacy_export": Endpoint("practitioner", lambda w: reverse("privacy_export")),
    "workforce:invite": Endpoint(
        "manager",
        lambda w: reverse("workforce:invite"),
        lambda w: {
            "email": field(st.emails()),
            "display_name": field(text),
            "unit": field(ids=unit_ids(w)),
            "job_role": field(ids=[w.job_role.pk]),
            "is_manager": field(BOOLEANS),
        },
        counts(Invitation),
    ),
    "workforce:import": Endpoint(
        "manager",
        lambda w: reverse("workforce:import"),
        lambda w: {
            "__csv__": CSV_BYTES,
            "__name__": st.one_of(st.just("staff.csv"), st.text(support.characters, max_size=300)),
        },
        counts(StaffImport),
        files=csv_upload,
    ),
    "workforce:import_detail": Endpoint(
        "manager", lambda w: reverse("workforce:import_detail", args=[w.staff_import.pk])
    ),
    "workforce:invitation_resend": Endpoint(
        "manager",
        lambda w: reverse("workforce:invitation_resend", args=[w.invitation.pk]),
    ),
    "workforce:invitation_revoke": Endpoint(
        "other_manager",
        lambda w: reverse("workforce:invitation_revoke", args=[w.invitation.pk]),
        state=lambda w: Invitation.objects.filter(revoked_at__isnull=False).count(),
    ),
    "workforce:join": Endpoint(
        "anonymous",
        lambda w: reverse("workforce:join", args=[JOIN_TOKEN]),
        lambda w: {
            "display_name": field(text),
            "password1": field(st.one_of(text, st.just("a-Long-fuzz-passw0rd"))),
            "password2": field(st.one_of(text, st.just("a-Long-fuzz-passw0rd"))),
        },
        counts(User, Membership),
    ),
    "courses:enrol": Endpoint(
        "other_practitioner",
        lambda w: reverse("courses:enrol", args=[w.course.pk]),
        lambda w: {"next": field(REDIRECT_TARGETS)},
    ),
    "courses:knowledge_check": Endpoint(
        "practitioner",
        lambda w: reverse("courses:knowledge_check", args=[w.assigned_course.pk]),
        lambda w: {
            "idempotency_key": field(uuids),
            **{
                f"q-{q.id}": field(ids=option_ids(w.assigned_course) + option_ids(w.course))
                for q in w.assigned_course.questions()
            },
            "q-not-a-question": field(),
        },
        counts(QuizAttempt),
    ),
    "courses:module_complete": Endpoint(
        "practitioner",
        lambda w: reverse("courses:module_complete", args=[w.module.pk]),
        lambda w: {
            **{f"reflection-{b.id}": field(text) for b in w.module.reflection_blocks()},
            "reflection-unknown": field(text),
        },
    ),
    "courses:reflection_save": Endpoint(
        "practitioner",
        lambda w: reverse("courses:reflection_save", args=[w.module.pk]),
        lambda w: {
            **{f"reflection-{b.id}": field(text) for b in w.module.reflection_blocks()},
            "reflection-unknown": field(text),
            "save": field(st.sampled_from([b.id for b in w.module.reflection_blocks()])),
        },
        counts(Reflection),
    ),
    "courses:withdraw": Endpoint(
        "manager",
        lambda w: reverse("courses:withdraw", args=[w.assigned_enrolment.pk]),
    ),
    "courses:assign": Endpoint(
        "manager",
        lambda w: reverse("courses:assign"),
        lambda w: {
            "course": field(ids=[w.course.pk, w.assigned_course.pk]),
            "target": field(choices("person", "team", "role")),
            "person": field(ids=user_ids(w)),
            "unit": field(ids=unit_ids(w)),
            "job_role": field(ids=[w.job_role.pk]),
            "due_on": field(dates),
        },
        counts(Enrolment),
    ),
    "courses:assessment_new": Endpoint(
        "manager",
        lambda w: reverse("courses:assessment_new"),
        lambda w: {
            "person": field(ids=user_ids(w)),
            "tier": field(ids=range(1, 6)),
            "competency_area": field(ids=range(1, 12)),
            "status": field(choices("working_towards", "achieved")),
            "evidence": field(text),
            "assessed_on": field(dates),
        },
        counts(CompetencyAssessment),
    ),
    "certificates:training_record_request": Endpoint(
        "practitioner", lambda w: reverse("certificates:training_record_request")
    ),
    "supervision:agreement_create": Endpoint(
        "supervisor",
        lambda w: reverse("supervision:agreement_create"),
        lambda w: {
            "supervisees": field(ids=user_ids(w)),
            "supervisee_emails": field(
                st.one_of(
                    st.sampled_from([u.email for u in w.users.values()]),
                    st.lists(st.sampled_from([u.email for u in w.users.values()])).map(", ".join),
                    st.emails(),
                )
            ),
            "type": field(choices("reflective", "clinical", "management")),
            "format": field(choices("individual", "group", "peer")),
            "modality": field(choices("in_person", "video", "phone", "mixed")),
            "frequency": field(
                choices("weekly", "fortnightly", "monthly", "six_weekly", "quarterly")
            ),
            "start_date": field(dates),
            "review_date": field(dates),
            "confidentiality": field(text),
            "submission_key": field(uuids),
        },
        counts(SupervisionAgreement),
    ),
    "supervision:agreement_review": Endpoint(
        "supervisor",
        lambda w: reverse("supervision:agreement_review", args=[w.agreement.pk]),
        lambda w: {
            "next_review_date": field(dates),
            "notes": field(text),
            "submission_key": field(uuids),
        },
        counts(AgreementReview),
    ),
    "supervision:agreement_accept": Endpoint(
        "practitioner", lambda w: reverse("supervision:agreement_accept", args=[w.agreement.pk])
    ),
    "supervision:agreement_end": Endpoint(
        "supervisor", lambda w: reverse("supervision:agreement_end", args=[w.agreement.pk])
    ),
    "supervision:session_create": Endpoint(
        "supervisor",
        lambda w: reverse("supervision:session_create", args=[w.agreement.pk]),
        lambda w: session_fields(w, creating=True),
        counts(SupervisionSession, SessionAction),
    ),
    "supervision:session_edit": Endpoint(
        "supervisor",
        lambda w: reverse("supervision:session_edit", args=[w.draft_session.pk]),
        lambda w: session_fields(w, creating=False),
        lambda w: (
            SessionAction.objects.count(),
            SupervisionSession.objects.get(pk=w.draft_session.pk).version,
        ),
    ),
    "supervision:session_edit[signed-off]": Endpoint(
        "practitioner",
        lambda w: reverse("supervision:session_edit", args=[w.signed_session.pk]),
        lambda w: session_fields(w, creating=False),
        lambda w: (
            SessionAction.objects.count(),
            SupervisionSession.objects.get(pk=w.signed_session.pk).version,
        ),
    ),
    "supervision:reflection": Endpoint(
        "practitioner",
        lambda w: reverse("supervision:reflection", args=[w.draft_session.pk]),
        lambda w: {"reflection": field(text)},
        lambda w: list(SessionAttendance.objects.values_list("reflection", flat=True)),
    ),
    "supervision:sign_off": Endpoint(
        "supervisor", lambda w: reverse("supervision:sign_off", args=[w.draft_session.pk])
    ),
    "supervision:correction_create": Endpoint(
        "supervisor",
        lambda w: reverse("supervision:correction_create", args=[w.signed_session.pk]),
        lambda w: {"text": field(text), "submission_key": field(uuids)},
        counts(SessionCorrection),
    ),
    "workshops:book": Endpoint(
        "manager",
        lambda w: reverse("workshops:book", args=[w.extra["workshop_session"].pk]),
        lambda w: {"person": field(ids=user_ids(w))},
        counts(Booking),
    ),
    "workshops:register": Endpoint(
        "trainer",
        lambda w: reverse("workshops:register", args=[w.extra["workshop_session"].pk]),
        lambda w: {
            f"attendance-{w.extra['workshop_booking'].pk}": field(
                choices("attended", "partly", "absent", "x")
            ),
            "attendance-999999999": field(choices("attended")),
            "all": field(choices("attended", "")),
        },
    ),
    "workshops:evaluation": Endpoint(
        "practitioner",
        lambda w: reverse("workshops:evaluation", args=[w.enrolment.pk]),
        lambda w: {
            **{
                f"area_{a.key}": field(choices("1", "5", "0", "6", "x"))
                for a in w.course.competency_areas.all()
            },
            "usefulness": field(choices("1", "3", "5", "0", "-1", "x")),
            "will_do_differently": field(text),
        },
        counts(Evaluation),
    ),
    "supervision:action_status": Endpoint(
        "practitioner",
        lambda w: reverse("supervision:action_status", args=[w.action.pk]),
        lambda w: {"done": field(choices("0", "1", "yes", "")), "next": field(REDIRECT_TARGETS)},
    ),
}

_strategies: dict = {}


def _strategy(name, world):
    if name not in _strategies:
        spec = ENDPOINTS[name]
        fields = spec.fields(world) if spec.fields else {}
        _strategies[name] = form(fields)
    return _strategies[name]


# A submission without its CSRF token, now and then.
WITH_TOKEN = st.sampled_from([True] * 19 + [False])

# Slow targets (~0.1-0.2 s an input: a whole session form, an import that writes people, the
# export of everything held about someone) get a third of the inputs.
HEAVY = [
    "supervision:session_create",
    "supervision:session_edit",
    "workforce:import_detail",
    "privacy_export",
    "supervision:sign_off",
]
LIGHT = [name for name in ENDPOINTS if name not in HEAVY]


def _submit(world, client_as, name, data):
    spec = ENDPOINTS[name]
    client, token = client_as(spec.role)
    submitted = data.draw(_strategy(name, world), label="form")
    with_token = data.draw(WITH_TOKEN, label="csrf token")
    payload = {k: v for k, v in submitted.items() if not k.startswith("__")}
    if spec.files:
        payload.update(spec.files(submitted))
    if with_token:
        payload["csrfmiddlewaretoken"] = token
    url = spec.url(world)
    with rolled_back():
        before = spec.state(world) if spec.state else None
        response = client.post(url, payload)
        check_response(response, sent=payload)
        if not with_token:
            assert response.status_code == 403, "a POST without a CSRF token was accepted"
        refused = response.status_code == 200 or 400 <= response.status_code < 500
        if spec.state and refused:
            after = spec.state(world)
            assert after == before, f"a refused submission ({response.status_code}) wrote"


@pytest.mark.django_db
@pytest.mark.parametrize("name", LIGHT)
@fuzz(data=st.data())
def test_form_submissions(world, client_as, name, data):
    _submit(world, client_as, name, data)


@pytest.mark.django_db
@pytest.mark.parametrize("name", HEAVY)
@fuzz(data=st.data(), weight=0.3)
def test_slow_form_submissions(world, client_as, name, data):
    _submit(world, client_as, name, data)
