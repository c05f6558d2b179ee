"""``python manage.py seed_demo``: a demo region that makes a fresh install look alive.

Creates (idempotently) the starter curriculum, the default job roles, a region (with local
pathways copied from the England example) with an NHS trust,
a council family-support service and a voluntary-sector charity, their teams, colleagues, and one
login per role with a verified email address. Prints a line for the curriculum and, last, the
logins and the password: the details (pages created, tasks run) go to the log, and the emails
that seeding would send (certificates) are not sent at all.
"""

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from content.demo import submit_demo_change
from content.groups import REVIEWERS, TRAINERS
from courses.workshops.demo import ensure_demo_workshop
from lms.pathways import services as pathways
from lms.workforce import services as workforce
from lms.workforce.models import JobRole, OrganisationUnit
from supervision import services as supervision
from supervision.demo import propose_demo_agreement, seed_demo_supervision

User = get_user_model()

TREE = {
    "code": "north-coast",
    "name": "North Coast Region",
    "kind": "region",
    "children": [
        {
            "code": "riverside-nhs",
            "name": "Riverside Community Health NHS Trust",
            "kind": "organisation",
            "sector": "nhs",
            "children": [
                {"code": "riverside-hv-north", "name": "Health Visiting – Riverside North"},
                {"code": "riverside-hv-south", "name": "Health Visiting – Riverside South"},
                {"code": "riverside-midwifery", "name": "Community Midwifery"},
                {"code": "riverside-perinatal", "name": "Perinatal Mental Health Team"},
            ],
        },
        {
            "code": "northshire-family-support",
            "name": "Northshire Council Family Support Service",
            "kind": "organisation",
            "sector": "local_authority",
            "children": [
                {"code": "northshire-early-help", "name": "Early Help – Northshire East"},
                {"code": "northshire-social-care", "name": "Children's Social Care – Assessment"},
            ],
        },
        {
            "code": "little-steps",
            "name": "Little Steps Family Charity",
            "kind": "organisation",
            "sector": "voluntary",
            "children": [
                {"code": "little-steps-volunteers", "name": "Family Volunteers"},
                {"code": "little-steps-groups", "name": "Parent and Baby Groups"},
            ],
        },
    ],
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: str
    unit: str | None = None
    job_role: str | None = None
    is_manager: bool = False
    groups: tuple[str, ...] = ()
    superuser: bool = False
    administers: str | None = None


LOGINS = [
    DemoLogin(
        "practitioner@example.org",
        "Priya Patel",
        "Practitioner (health visitor)",
        "riverside-hv-north",
        "health-visitor",
    ),
    DemoLogin(
        "supervisor@example.org",
        "Sam Okafor",
        "Supervisor (specialist health visitor)",
        "riverside-hv-north",
        "specialist-health-visitor-pimh",
    ),
    DemoLogin(
        "manager@example.org",
        "Morgan Hughes",
        "Manager of the NHS trust's teams",
        "riverside-nhs",
        "health-visitor",
        is_manager=True,
    ),
    DemoLogin(
        "lead@example.org",
        "Lee Fraser",
        "Regional lead (all organisations)",
        "north-coast",
        None,
        is_manager=True,
    ),
    DemoLogin(
        "orgadmin@example.org",
        "Olu Bakare",
        "Organisation administrator of the NHS trust (teams, people, imports)",
        administers="riverside-nhs",
    ),
    DemoLogin("trainer@example.org", "Tara Nguyen", "Trainer (edits content)", groups=(TRAINERS,)),
    DemoLogin(
        "reviewer@example.org", "Rowan Ellis", "Reviewer (approves content)", groups=(REVIEWERS,)
    ),
    DemoLogin("admin@example.org", "Alex Morgan", "Administrator", superuser=True),
]

# Colleagues, so that teams and reports have people in them, with a realistic spread of progress:
# (name, team, job role, started in the role this many days ago, T1 core courses left to do or
# None for someone who has not started). Required courses fall due 90 days after starting, so
# long-serving people who have not finished are overdue.
COLLEAGUES = [
    ("Grace Thompson", "riverside-hv-north", "health-visitor", 400, 0),
    ("Aisha Rahman", "riverside-hv-north", "health-visitor", 30, 3),
    ("Owen Davies", "riverside-hv-north", "early-years-practitioner", 300, 0),
    ("Hannah Clarke", "riverside-hv-south", "health-visitor", 200, None),
    ("Daniel Mensah", "riverside-hv-south", "health-visitor", 10, None),
    ("Chloe Evans", "riverside-hv-south", "administrator", 100, 0),
    ("Fatima Begum", "riverside-midwifery", "midwife", 250, 1),
    ("Emily Walsh", "riverside-midwifery", "midwife", 20, None),
    ("Sophie Turner", "riverside-midwifery", "neonatal-nurse", 150, 4),
    ("Ruth Adeyemi", "riverside-perinatal", "perinatal-mental-health-clinician", 500, 0),
    ("James O'Connor", "riverside-perinatal", "parent-infant-therapist", 60, None),
    ("Lucy Bennett", "northshire-early-help", "family-support-worker", 365, 0),
    ("Mohammed Ali", "northshire-early-help", "family-support-worker", 120, None),
    ("Katie Robinson", "northshire-social-care", "childrens-social-worker", 45, 2),
    ("Ben Harris", "northshire-social-care", "childrens-social-worker", 400, None),
    ("Zara Khan", "little-steps-volunteers", "volunteer", 90, 0),
    ("Ellen Price", "little-steps-volunteers", "volunteer", 200, 1),
    ("Tom Gallagher", "little-steps-groups", "peer-supporter", 30, None),
]
# The demo practitioner started 60 days ago and has one T1 core course left, so finishing it in
# the browser visibly changes the tier they hold.
PRACTITIONER_STARTED_DAYS_AGO = 60

CONTEXT_MANAGERS = [
    # (email, name, unit): managers of the other organisations, so each has someone in charge.
    ("family.support.manager@example.org", "Nadia Kowalski", "northshire-family-support"),
    ("charity.manager@example.org", "Chris Doyle", "little-steps"),
]


class Command(BaseCommand):
    help = "Create demo organisations, staff and one login per role. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo login.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (never do this on a real service).",
        )
        parser.add_argument(
            "--skip-curriculum", action="store_true", help="Do not (re)load the curriculum."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"] and not getattr(settings, "TESTING", False):
            raise CommandError(
                "seed_demo creates logins with a shared password; it only runs with DEBUG on "
                "(or --force on a throwaway demo server)."
            )
        password = options["password"] or self._stored_password()
        # Seeding completes courses for the demo people: their certificate emails would fill
        # the terminal (console email) or reach example.org addresses (SMTP).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed(options, password)

    def _seed(self, options, password):
        if not options["skip_curriculum"]:
            report = io.StringIO()
            call_command("load_curriculum", verbosity=0, stdout=report)
            changes = len(report.getvalue().splitlines())
            self.stdout.write(
                f"Curriculum loaded ({changes} changes)." if changes else "Curriculum up to date."
            )
        workforce.load_default_job_roles()
        supervision.ensure_default_targets()
        today = timezone.localdate()
        with transaction.atomic():
            units = self._tree()
            # The demo region's local pathways start from the England example (its
            # organisations are an NHS trust and a council); administrators edit them.
            pathways.starter_pathways_ensure()
            pathways.region_pathways_adopt_example(region=units["north-coast"], nation="England")
            logins = [self._login(spec, password, units) for spec in LOGINS]
            for email, name, unit_code in CONTEXT_MANAGERS:
                user = self._user(email, name, password)
                workforce.membership_start(
                    user=user, unit=units[unit_code], job_role=None, is_manager=True
                )
            for name, unit_code, role_code, days_ago, _ in COLLEAGUES:
                user = self._user(self._colleague_email(name), name, password)
                workforce.membership_start(
                    user=user,
                    unit=units[unit_code],
                    job_role=JobRole.objects.get(code=role_code),
                    start_date=today - timedelta(days=days_ago),
                )
            # Supervision history for two of the supervisor's colleagues; the practitioner has
            # the supervisor's proposed agreement to accept (the README's demo walk-through).
            supervisor = User.objects.get(email="supervisor@example.org")
            seed_demo_supervision(
                supervisor=supervisor,
                supervisees=list(
                    User.objects.filter(
                        email__in=["grace.thompson@example.org", "aisha.rahman@example.org"]
                    )
                ),
            )
            propose_demo_agreement(
                supervisor=supervisor,
                supervisee=User.objects.get(email="practitioner@example.org"),
            )
        # A trainer's change waiting in the reviewer's "Awaiting your review" panel.
        submit_demo_change(User.objects.get(email="trainer@example.org"))
        # A workshop course with a face-to-face and an online session to book.
        ensure_demo_workshop(User.objects.get(email="trainer@example.org"))
        # Learning records, through the same services the pages use.
        quiet = io.StringIO()
        call_command("demo_learning", email="practitioner@example.org", leave=1, stdout=quiet)
        for name, _, _, _, left in COLLEAGUES:
            if left is not None:
                call_command(
                    "demo_learning", email=self._colleague_email(name), leave=left, stdout=quiet
                )
        self._print(logins, password)

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _colleague_email(name: str) -> str:
        return f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.org"

    def _stored_password(self) -> str:
        """A random demo password, created once and kept in var/ so it stays the same."""
        path = settings.VAR_DIR / "demo-password"
        if not path.exists():
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            words = ["calm", "cue", "bond", "nest", "hold", "soothe", "gaze", "smile", "coo"]
            path.write_text(
                "-".join(secrets.choice(words) for _ in range(3)) + f"-{secrets.randbelow(90) + 10}"
            )
            path.chmod(0o600)
        return path.read_text().strip()

    def _tree(self) -> dict[str, OrganisationUnit]:
        units: dict[str, OrganisationUnit] = {}

        def ensure(node, parent=None):
            kind = node.get("kind", "team")
            unit = OrganisationUnit.objects.filter(code=node["code"]).first()
            if unit is None:
                unit = workforce.unit_create(
                    name=node["name"],
                    code=node["code"],
                    kind=kind,
                    parent=parent,
                    sector=node.get("sector", ""),
                )
            units[unit.code] = unit
            for child in node.get("children", []):
                ensure(child, unit)
                unit.refresh_from_db()

        ensure(TREE)
        return units

    def _user(self, email: str, name: str, password: str):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, display_name=name)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
        return user

    def _login(self, spec: DemoLogin, password: str, units):
        user = self._user(spec.email, spec.name, password)
        if spec.superuser and not user.is_superuser:
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        for group_name in spec.groups:
            user.groups.add(Group.objects.get(name=group_name))
        if spec.administers:
            workforce.administrator_grant(user=user, unit=units[spec.administers])
        if spec.unit:
            started = timezone.localdate()
            if spec.email == "practitioner@example.org":
                started -= timedelta(days=PRACTITIONER_STARTED_DAYS_AGO)
            workforce.membership_start(
                user=user,
                unit=units[spec.unit],
                job_role=JobRole.objects.get(code=spec.job_role) if spec.job_role else None,
                is_manager=spec.is_manager,
                start_date=started,
            )
        return spec

    def _print(self, logins, password):
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("Demo data is ready. Sign in at /accounts/login/ with:"))
        width = max(len(s.email) for s in logins)
        for spec in logins:
            out.write(f"  {spec.email.ljust(width)}  {spec.role}")
        out.write(f"\n  Password for every demo login: {password}")
        out.write("  (Trainers, reviewers and administrators use the Wagtail admin at /admin/.)\n")
