"""What certificates does when something happens elsewhere (connected in
``CertificatesConfig.ready``). Receivers only enqueue."""

from lms.celery import enqueue_on_commit


def on_completion_recorded(sender, completion, **kwargs):
    """A completion was recorded (inside its transaction): issue its certificate once it is
    committed, if the course issues certificates. A lost message is caught by the sweep."""
    from . import tasks

    if completion.course.issues_certificate:
        enqueue_on_commit(tasks.issue_certificate, completion.pk)


def delete_file_on_commit(sender, instance, **kwargs):
    """A deleted certificate or training record (e.g. with its person's account) takes its PDF
    with it, once the deletion is committed: no personal data is left behind on disk."""
    from django.db import transaction

    field = "pdf" if hasattr(instance, "pdf") else "file"
    stored = getattr(instance, field)
    if stored and stored.name:
        storage, name = stored.storage, stored.name
        transaction.on_commit(lambda: storage.delete(name))
