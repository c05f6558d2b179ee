"""The helpers every app's privacy module uses."""

import json
import uuid
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from lms.personal_data import REMOVED_NAME, plain, redact


def test_redact_replaces_whole_names_and_addresses_in_any_case():
    text = "Sam said Sample notes were fine; SAM agreed. Mail sam@example.org."
    assert redact(text, ["sam@example.org", "Sam"]) == (
        f"{REMOVED_NAME} said Sample notes were fine; {REMOVED_NAME} agreed. Mail {REMOVED_NAME}."
    )
    assert redact("", ["Sam"]) == "" and redact("Sam", []) == "Sam"


def test_plain_makes_json_ready_values():
    moment = timezone.make_aware(datetime(2026, 3, 1, 9, 30))
    key = uuid.uuid4()
    value = plain({"at": moment, "on": date(2026, 3, 1), "hours": Decimal("1.50"), "k": key,
                   "list": (1, {"d": date(2026, 1, 2)})})  # fmt: skip
    assert value == {
        "at": "2026-03-01T09:30:00+00:00",
        "on": "2026-03-01",
        "hours": "1.50",
        "k": str(key),
        "list": [1, {"d": "2026-01-02"}],
    }
    json.dumps(value)
