"""Framework changes (tiers, targets, rules, courses published) rebuild the coverage read models
once per transaction, after it commits; a transaction that is rolled back sends nothing and does
not hold back the next one's rebuild."""

import pytest
from django.db import transaction

from lms.reports import receivers

# Real transactions: what is sent depends on what commits and what is rolled back.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def sent(monkeypatch):
    names = []
    monkeypatch.setattr(
        receivers, "enqueue_on_commit", lambda task, *a, **k: names.append(task.name)
    )
    return names


def test_several_changes_in_one_transaction_rebuild_once(framework_tiers, sent):
    sent.clear()  # the fixture's own changes
    with transaction.atomic():
        for tier in framework_tiers.values():
            tier.save()
    assert sent == ["reports.rebuild_coverage"]


def test_a_rolled_back_change_does_not_hold_back_the_next_rebuild(framework_tiers, sent):
    tier = framework_tiers["T1"]
    sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        tier.save()
        raise RuntimeError("the change failed")
    with transaction.atomic():
        tier.save()
    assert sent == ["reports.rebuild_coverage"]


def test_a_rolled_back_change_alone_sends_nothing(framework_tiers, sent):
    sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        framework_tiers["T2"].save()
        raise RuntimeError("the change failed")
    assert sent == []
