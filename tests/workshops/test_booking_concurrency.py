"""Booking under contention on PostgreSQL: 50 people ask for 10 places at the same moment, each
request in a thread with its own database connection and transaction, as web workers would."""

import threading
import time

import pytest
from django.db import connection

from courses.workshops import services
from courses.workshops.models import Booking
from tests.conftest import require_postgres
from tests.factories import UserFactory
from tests.workshops.factories import make_session, make_workshop_course

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def book_together(session, people) -> tuple[list, float]:
    """Every person books at once (released by a barrier); returns the results and the time."""
    barrier = threading.Barrier(len(people) + 1)
    results: list = [None] * len(people)

    def worker(index, person):
        try:
            barrier.wait()
            results[index] = services.book(session=session, user=person)
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, p)) for i, p in enumerate(people)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=120)
    return results, time.perf_counter() - started


def test_fifty_people_for_ten_places_book_exactly_ten_and_queue_the_rest_in_order(
    framework_tiers,
):
    require_postgres()
    course = make_workshop_course(tier=framework_tiers["T1"])
    session = make_session(course, capacity=10)
    people = [UserFactory() for _ in range(50)]

    results, _ = book_together(session, people)

    assert not [r for r in results if isinstance(r, Exception)]
    bookings = list(Booking.objects.filter(session=session).order_by("queued_at", "id"))
    assert len(bookings) == 50
    statuses = [b.status for b in bookings]
    # In arrival order (the order the session lock was granted): ten places, then the queue.
    assert statuses == ["booked"] * 10 + ["waitlisted"] * 40
    assert len({b.user_id for b in bookings}) == 50
