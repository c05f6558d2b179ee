"""The scripted journey .ci/stack runs against the production topology, over HTTPS.

1. The demo practitioner signs in through allauth's form, opens /learn/, enrols on the required
   course they have not completed, opens and completes every module (answering its reflection
   prompts, as the page asks) and passes the knowledge check.
2. The certificate appears on /certificates/ once a Celery worker has issued it (the worker's
   log says so, the web process's does not); its PDF downloads and its verification page says
   it is valid.
3. The manager and the regional lead sign in with a password and a TOTP code (their
   authenticators are enrolled here through the ORM, as the production settings require MFA
   for them) and open /reports/.

A test harness: it reads the correct answers of the knowledge check and enrols the TOTP secrets
through Django's ORM with the stack's DATABASE_URL; everything a person does goes over HTTP.

Environment (set by .ci/stack): STACK_URL, STACK_LOG, DEMO_PASSWORD and the stack's Django
settings (DJANGO_SETTINGS_MODULE, DATABASE_URL, SECRET_KEY...).
"""

from __future__ import annotations

import html
import os
import re
import sys
import time
import warnings
from pathlib import Path

import requests
import urllib3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

import django  # noqa: E402

django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import (  # noqa: E402
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from content.models import CoursePage, Tier  # noqa: E402
from courses.models import Completion  # noqa: E402

BASE = os.environ["STACK_URL"].rstrip("/")
LOG = Path(os.environ["STACK_LOG"])
PASSWORD = os.environ["DEMO_PASSWORD"]
TIMEOUT = 20
CERTIFICATE_WAIT = 120

warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)


class JourneyError(AssertionError):
    pass


def check(condition, message: str) -> None:
    if not condition:
        raise JourneyError(message)


def say(message: str) -> None:
    print(f"journey: {message}", flush=True)


class Browser:
    """A requests session that behaves like a browser on this site: keeps cookies, sends the
    CSRF token from the page's form and a same-origin Referer (Django checks it over HTTPS)."""

    def __init__(self, who: str):
        self.who = who
        self.session = requests.Session()

    def get(self, path: str, expect: int = 200) -> requests.Response:
        response = self.session.get(BASE + path, timeout=TIMEOUT, verify=False)
        check(
            response.status_code == expect,
            f"{self.who}: GET {path} answered {response.status_code}, expected {expect}",
        )
        return response

    def post(self, path: str, data: dict, page: requests.Response) -> requests.Response:
        data = {"csrfmiddlewaretoken": csrf_token(page), **data}
        response = self.session.post(
            BASE + path,
            data=data,
            headers={"Referer": page.url},
            timeout=TIMEOUT,
            verify=False,  # the stack's throwaway self-signed certificate (set per request:
            # REQUESTS_CA_BUNDLE in the environment would override a session-wide setting)
        )
        check(
            response.status_code == 200,
            f"{self.who}: POST {path} ended with {response.status_code} at {response.url}",
        )
        return response

    def sign_in(self, email: str) -> requests.Response:
        page = self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"login": email, "password": PASSWORD}, page)
        check("/accounts/login/" not in response.url, f"{email} could not sign in")
        return response


def csrf_token(page: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    check(match is not None, f"no CSRF token on {page.url}")
    return match.group(1)


def text_of(page: requests.Response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


# --- The practitioner -----------------------------------------------------------------------


def course_left(user) -> CoursePage:
    entry = Tier.objects.order_by("order").first()
    done = Completion.objects.filter(user=user).values_list("course_id", flat=True)
    course = (
        CoursePage.objects.live()
        .filter(required_for_tier=True, tier=entry)
        .exclude(pk__in=done)
        .order_by("path")
        .first()
    )
    check(course is not None, "the demo practitioner has no required course left to complete")
    return course


def correct_answers(course: CoursePage) -> dict[str, list[str]]:
    return {
        f"q-{block.id}": [o.id for o in block.value["options"].bound_blocks if o.value["correct"]]
        for block in course.questions()
    }


def practitioner_journey() -> Certificate:
    email = "practitioner@example.org"
    user = get_user_model().objects.get(email=email)
    browser = Browser("practitioner")
    landing = browser.sign_in(email)
    check(landing.url.endswith("/learn/"), f"after sign-in the practitioner is at {landing.url}")
    dashboard = browser.get("/learn/")
    course = course_left(user)
    check(course.title in text_of(dashboard), f"/learn/ does not list {course.title!r}")
    say(f"practitioner signed in; completing {course.title!r}")

    course_page = browser.get(course.get_url())
    browser.post(f"/learn/courses/{course.pk}/enrol/", {}, course_page)

    modules = list(course.modules())
    check(modules, f"{course.title} has no modules")
    for module in modules:
        page = browser.get(module.get_url())
        action = f"/learn/modules/{module.pk}/complete/"
        check(f'action="{action}"' in page.text, f"no 'mark as complete' form on {page.url}")
        prompts = re.findall(r'name="(reflection-[^"]+)"', page.text)
        answers = dict.fromkeys(prompts, "I will pause and notice the baby's cues first.")
        after = browser.post(action, answers, page)
        check("Answer the reflection" not in after.text, f"{module.title}: reflections refused")
    say(f"{len(modules)} modules completed")

    quiz_path = f"/learn/courses/{course.pk}/knowledge-check/"
    quiz = browser.get(quiz_path)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', quiz.text)
    check(key is not None, "no idempotency key on the knowledge check")
    # As a browser does: send back the signed draw the form carries, and answer the questions
    # it shows (a draw from the course's bank).
    fields = {"idempotency_key": key.group(1)}
    draw = re.search(r'name="draw" value="([^"]+)"', quiz.text)
    if draw is not None:
        fields["draw"] = html.unescape(draw.group(1))
    shown = set(re.findall(r'name="(q-[^"]+)"', quiz.text))
    answers = {k: v for k, v in correct_answers(course).items() if k in shown}
    check(answers, "the knowledge check shows no questions")
    result = browser.post(quiz_path, {**fields, **answers}, quiz)
    check("/learn/attempts/" in result.url, f"the knowledge check answered {result.url}")
    completion = Completion.objects.filter(user=user, course=course).first()
    check(completion is not None, "passing the knowledge check recorded no completion")
    say(f"knowledge check passed; completion {completion.pk} recorded at {completion.completed_at}")

    # The web process does not run tasks: the certificate comes from a worker.
    check(not settings.CELERY_TASK_ALWAYS_EAGER, "Celery runs eagerly in these settings")
    started = time.monotonic()
    certificate = None
    while time.monotonic() - started < CERTIFICATE_WAIT:
        certificate = Certificate.objects.filter(completion=completion).exclude(pdf="").first()
        if certificate is not None:
            mine = browser.get("/certificates/")
            if f'href="/certificates/{certificate.number}/pdf/"' in mine.text:
                break
        time.sleep(0.5)
    else:
        raise JourneyError(f"no certificate on /certificates/ after {CERTIFICATE_WAIT} s")
    say(f"certificate {certificate.number} listed after {time.monotonic() - started:.1f} s")

    issued = [
        line
        for line in LOG.read_text(errors="replace").splitlines()
        if f"Issued certificate {certificate.number} for completion {completion.pk}" in line
    ]
    check(issued, "no process logged issuing the certificate")
    check(
        all(re.match(r"^[0-9:]+ worker\.\d+ ", line) for line in issued),
        f"the certificate was not issued by a worker: {issued}",
    )
    say(f"issued by {issued[0].split()[1]}")

    pdf = browser.get(f"/certificates/{certificate.number}/pdf/")
    check(pdf.content.startswith(b"%PDF"), "the certificate download is not a PDF")
    verify = browser.get(certificate.verify_url().removeprefix(BASE))
    check("Valid" in text_of(verify), "the verification page does not say Valid")
    say(f"PDF downloaded ({len(pdf.content)} bytes); verification page says Valid")
    return certificate


# --- Manager and regional lead (TOTP) -------------------------------------------------------


def enrol_totp(email: str) -> str:
    user = get_user_model().objects.get(email=email)
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def privileged_journey(email: str) -> None:
    secret = enrol_totp(email)
    browser = Browser(email)
    challenge = browser.sign_in(email)
    check("/accounts/2fa/authenticate/" in challenge.url, f"{email} was not asked for a code")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    landing = browser.post("/accounts/2fa/authenticate/", {"code": code}, challenge)
    check("/accounts/" not in landing.url, f"{email}: the TOTP code was refused")
    reports = browser.get("/reports/")
    check("/reports/" in reports.url, f"{email}: /reports/ ended at {reports.url}")
    say(f"{email} signed in with TOTP; /reports/ answered 200")


def main() -> int:
    started = time.monotonic()
    try:
        practitioner_journey()
        for email in ("manager@example.org", "lead@example.org"):
            privileged_journey(email)
    except (JourneyError, requests.RequestException) as exc:
        print(f"JOURNEY FAILED: {exc}", file=sys.stderr)
        return 1
    say(f"passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
