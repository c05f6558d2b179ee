"""Permission matrix: every supervision URL for every role. Content is for the supervisor and
supervisee only; a manager sees hours and dates; everyone else, administrators included, gets
404."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from supervision.services import AUDIT_VIEW_RECORD

from .factories import SECRET_CASE, SECRET_DISCUSSION, SECRET_REFLECTION, build_world

pytestmark = pytest.mark.django_db

ROLES = ["practitioner", "supervisor", "other_supervisor", "manager", "other_manager", "admin"]


@pytest.fixture
def world(org_tree):
    return build_world(org_tree)


def urls(w):
    """(name, method, url, {role: expected status})."""
    a, signed, draft = w.agreement.pk, w.signed.pk, w.draft.pk
    parties = {"practitioner", "supervisor"}

    def only(ok, ok_status=200, other=404, **extra):
        return {r: extra.get(r, ok_status if r in ok else other) for r in ROLES}

    return [
        ("home", "get", reverse("supervision:home"), only(ROLES)),
        ("agreement", "get", reverse("supervision:agreement", args=[a]), only(parties)),
        # Only those who may supervise (T3 up, managers, administrators, anyone already
        # leading an agreement) set one up.
        (
            "agreement_create",
            "get",
            reverse("supervision:agreement_create"),
            only(set(ROLES) - {"practitioner"}),
        ),
        (
            "agreement_review",
            "get",
            reverse("supervision:agreement_review", args=[a]),
            only(parties),
        ),
        (
            "session_create",
            "get",
            reverse("supervision:session_create", args=[a]),
            only(parties),
        ),
        ("session", "get", reverse("supervision:session", args=[signed]), only(parties)),
        ("session_draft", "get", reverse("supervision:session", args=[draft]), only(parties)),
        ("session_edit", "get", reverse("supervision:session_edit", args=[draft]), only(parties)),
        (
            "session_edit_locked",
            "get",
            reverse("supervision:session_edit", args=[signed]),
            only(parties, 409),
        ),
        (
            "reflection",
            "get",
            reverse("supervision:reflection", args=[draft]),
            only({"practitioner"}),
        ),
        (
            "sign_off",
            "get",
            reverse("supervision:sign_off", args=[draft]),
            only({"supervisor"}, practitioner=403),
        ),
        (
            "correction",
            "get",
            reverse("supervision:correction_create", args=[signed]),
            only(parties),
        ),
        ("export_csv", "get", reverse("supervision:export_csv"), only(ROLES)),
        ("export_pdf", "get", reverse("supervision:export_pdf"), only(ROLES)),
        ("team", "get", reverse("supervision:team"), only({"manager", "other_manager", "admin"})),
        (
            "team_person",
            "get",
            reverse("supervision:team_person", args=[w.practitioner.pk]),
            only({"manager", "admin"}),
        ),
        (
            "action_status",
            "post",
            reverse("supervision:action_status", args=[w.action.pk]),
            only(parties, 302),
        ),
        (
            "agreement_accept",
            "post",
            reverse("supervision:agreement_accept", args=[a]),
            only(parties, 302),
        ),
        (
            "agreement_end",
            "post",
            reverse("supervision:agreement_end", args=[a]),
            only(parties, 302),
        ),
        (
            "sign_off_post",
            "post",
            reverse("supervision:sign_off", args=[draft]),
            only({"supervisor"}, 302, practitioner=403),
        ),
    ]


def test_every_url_for_every_role(client, world):
    failures = []
    for role in ROLES:
        client.force_login(world.roles()[role])
        for name, method, url, expected in urls(world):
            # POSTs that change state are checked last, on a fresh copy of the state, below.
            if method == "post" and name in {"agreement_end", "sign_off_post"}:
                continue
            response = getattr(client, method)(url)
            if response.status_code != expected[role]:
                failures.append(
                    f"{role} {method.upper()} {name}: {response.status_code}, "
                    f"expected {expected[role]}"
                )
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_state_changing_posts_for_each_role(client, org_tree, role):
    w = build_world(org_tree)
    client.force_login(w.roles()[role])
    expected = {
        name: exp for name, _, _, exp in urls(w) if name in {"agreement_end", "sign_off_post"}
    }
    response = client.post(reverse("supervision:sign_off", args=[w.draft.pk]))
    assert response.status_code == expected["sign_off_post"][role]
    w.draft.refresh_from_db()
    assert w.draft.is_locked == (role == "supervisor")
    response = client.post(reverse("supervision:agreement_end", args=[w.agreement.pk]))
    assert response.status_code == expected["agreement_end"][role]
    w.agreement.refresh_from_db()
    assert (w.agreement.ended_on is not None) == (role == "supervisor")


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for name, method, url, _ in urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name


@pytest.mark.parametrize("role", ["manager", "other_manager", "admin", "other_supervisor"])
def test_no_one_but_the_parties_ever_sees_content(client, world, role):
    client.force_login(world.roles()[role])
    pages = [reverse("supervision:home")]
    if role in {"manager", "other_manager", "admin"}:
        pages += [
            reverse("supervision:team"),
            reverse("supervision:team_person", args=[world.practitioner.pk]),
        ]
    for url in pages:
        html = client.get(url).content.decode()
        for secret in (SECRET_DISCUSSION, SECRET_CASE, SECRET_REFLECTION, "containment"):
            assert secret not in html, (url, secret)


def test_the_manager_sees_hours_dates_and_sign_off_state(client, world):
    client.force_login(world.manager)
    team = client.get(reverse("supervision:team")).content.decode()
    assert "Priya Practitioner" in team
    assert "1.50" in team  # the signed-off 90 minutes
    assert "Mia Midwife" not in team  # not in a unit they manage
    person = client.get(reverse("supervision:team_person", args=[world.practitioner.pk]))
    html = person.content.decode()
    assert world.signed.date.strftime("%-d %b %Y") in html
    assert "90" in html and "Signed off" in html and "Not yet signed off" in html
    other = client.get(reverse("supervision:team_person", args=[world.other_supervisee.pk]))
    assert other.status_code == 404


def test_another_manager_does_not_see_the_practitioner(client, world):
    client.force_login(world.other_manager)
    assert "Priya Practitioner" not in client.get(reverse("supervision:team")).content.decode()


def test_in_a_group_each_supervisee_sees_only_their_own_reflection(client, world):
    from supervision.models import SessionAttendance, SupervisionAgreement
    from tests.factories import UserFactory

    from .factories import make_agreement, make_session

    a, b = UserFactory(), UserFactory()
    group = make_agreement(world.supervisor, [a, b], format=SupervisionAgreement.Format.GROUP)
    session = make_session(group)
    SessionAttendance.objects.filter(session=session, supervisee=a).update(reflection="A's words")
    SessionAttendance.objects.filter(session=session, supervisee=b).update(reflection="B's words")
    url = reverse("supervision:session", args=[session.pk])
    client.force_login(a)
    html = client.get(url).content.decode()
    assert "A&#x27;s words" in html and "B&#x27;s words" not in html
    client.force_login(world.supervisor)
    html = client.get(url).content.decode()
    assert "A&#x27;s words" in html and "B&#x27;s words" in html


def test_every_read_of_content_is_audited(client, world):
    def entries():
        return ModelLogEntry.objects.filter(action=AUDIT_VIEW_RECORD)

    client.force_login(world.practitioner)
    client.get(reverse("supervision:session", args=[world.signed.pk]))
    client.get(reverse("supervision:session", args=[world.signed.pk]))
    client.get(reverse("supervision:session_edit", args=[world.draft.pk]))
    client.force_login(world.supervisor)
    client.get(reverse("supervision:session", args=[world.signed.pk]))
    assert [(e.user, e.object_id) for e in entries().order_by("pk")] == [
        (world.practitioner, str(world.signed.pk)),
        (world.practitioner, str(world.signed.pk)),
        (world.practitioner, str(world.draft.pk)),
        (world.supervisor, str(world.signed.pk)),
    ]
    # Refused attempts and hours-only pages read no content and are not "views" of a record.
    client.force_login(world.admin)
    client.get(reverse("supervision:session", args=[world.signed.pk]))
    client.force_login(world.manager)
    client.get(reverse("supervision:team_person", args=[world.practitioner.pk]))
    assert entries().count() == 4


def test_exports_are_audited(client, world):
    client.force_login(world.practitioner)
    client.get(reverse("supervision:export_csv"))
    client.get(reverse("supervision:export_pdf"))
    assert list(
        ModelLogEntry.objects.filter(action="supervision.export_log")
        .values_list("user", "data")
        .order_by("pk")
    ) == [(world.practitioner.pk, {"format": "csv"}), (world.practitioner.pk, {"format": "pdf"})]
