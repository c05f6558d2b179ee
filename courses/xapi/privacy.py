"""Personal data held for the learning record store: the opaque name a person has there, and
the outbox's statements about them.

Erasure deletes both: the statements already in the LRS then name an account that nothing here
links to a person any more, and statements not yet sent are never sent.
"""

from lms.personal_data import plain

from . import statements
from .models import Actor, Statement

SECTION = "learning_record_store"


def export(user) -> dict:
    actor = Actor.objects.filter(user=user).first()
    return {
        "account": (
            {"homePage": statements.base_url(), "name": str(actor.name)} if actor else None
        ),
        "statements": [
            plain(row)
            for row in Statement.objects.filter(user=user)
            .order_by("created_at", "id")
            .values("statement_id", "verb", "status", "created_at", "sent_at")
        ],
    }


def erase(user) -> dict:
    return {
        "statements_deleted": Statement.objects.filter(user=user).delete()[0],
        "lrs_account_unlinked": Actor.objects.filter(user=user).delete()[0],
    }
