"""xAPI 1.0.3 statements built from learning events (pure functions: no database access).

Activity ids are IRIs on the site's address that name the thing itself, not the page showing it
(``/xapi/activities/course/<id>``), so that renaming or moving a page keeps its history in the
LRS. The registration is derived from the enrolment, so every statement of one attempt at a
course shares it.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

VERSION = "1.0.3"
LANGUAGE = "en-GB"

# ADL's verbs (https://adlnet.gov/expapi/verbs/).
VERBS = {
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    # Not one of ADL's: the xAPI vocabulary's verb for earning an award (a certificate).
    "earned": "http://id.tincanapi.com/verb/earned",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "sco": "https://w3id.org/xapi/scorm/activity-type/sco",
    "certificate": None,  # no agreed activity type: the name says what it is
    "supervision": "http://adlnet.gov/expapi/activities/meeting",
}


def base_url() -> str:
    """The site's address (``SITE_URL``): activity ids and the actor's home page."""
    return settings.SITE_URL.rstrip("/")


def activity_id(kind: str, pk, suffix: str = "") -> str:
    return f"{base_url()}/xapi/activities/{kind}/{pk}{suffix}"


def statement_id(event_key: str) -> uuid.UUID:
    """The statement id of an event: the same event always gets the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url()}/xapi/events/{event_key}")


def registration(enrolment_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url()}/xapi/enrolments/{enrolment_id}"))


@dataclass(frozen=True)
class Activity:
    kind: str  # a key of ACTIVITY_TYPES
    pk: object
    name: str
    suffix: str = ""

    @property
    def iri(self) -> str:
        return activity_id(self.kind, self.pk, self.suffix)

    def as_object(self) -> dict:
        definition = {"name": {LANGUAGE: self.name[:250]}}
        if ACTIVITY_TYPES[self.kind]:
            definition["type"] = ACTIVITY_TYPES[self.kind]
        return {"objectType": "Activity", "id": self.iri, "definition": definition}


@dataclass(frozen=True)
class Event:
    """Something that happened to a learner, as the statement about it needs it."""

    key: str  # unique for the event: "course-completed:<completion id>"
    user_id: int
    verb: str  # a key of VERBS
    activity: Activity
    timestamp: datetime
    enrolment_id: int | None = None
    course: Activity | None = None  # the parent activity, when ``activity`` is part of a course
    result: dict = field(default_factory=dict)


def score(percent: float | None) -> dict:
    if percent is None:
        return {}
    percent = max(0.0, min(100.0, float(percent)))
    return {"score": {"scaled": round(percent / 100, 4), "raw": percent, "min": 0, "max": 100}}


def duration(minutes: int) -> str:
    """ISO 8601 duration of ``minutes``, as xAPI's ``result.duration`` takes it: PT1H30M."""
    hours, rest = divmod(int(minutes), 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


def actor(*, name: str | None = None, email: str | None = None) -> dict:
    if email is not None:
        return {"objectType": "Agent", "mbox": f"mailto:{email}"}
    return {"objectType": "Agent", "account": {"homePage": base_url(), "name": name}}


def build(event: Event, *, actor: dict) -> dict:
    statement = {
        "id": str(statement_id(event.key)),
        "actor": actor,
        "verb": {"id": VERBS[event.verb], "display": {LANGUAGE: event.verb}},
        "object": event.activity.as_object(),
        "timestamp": event.timestamp.isoformat(),
    }
    if event.result:
        statement["result"] = event.result
    context: dict = {"language": LANGUAGE, "platform": settings.XAPI_PLATFORM}
    if event.enrolment_id is not None:
        context["registration"] = registration(event.enrolment_id)
    if event.course is not None and event.course != event.activity:
        context["contextActivities"] = {
            "parent": [{"objectType": "Activity", "id": event.course.iri}],
        }
    statement["context"] = context
    return statement
