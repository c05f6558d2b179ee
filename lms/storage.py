"""Private file storage: certificate and training-record PDFs, prior-learning evidence.

Files here never get a URL; views that check who is asking serve them.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, InvalidStorageError, storages
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under ``MEDIA_ROOT/private/``: never given a URL, served only through views that
    check who is asking. Follows ``MEDIA_ROOT`` when it changes (as it does in tests)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("base_url", None)
        super().__init__(**kwargs)

    @cached_property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, "private")

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


def private_storage():
    """The storage for private files (certificates, training records, evidence):
    ``STORAGES["private"]`` when the deployment defines one (e.g. a private S3 bucket),
    otherwise ``MEDIA_ROOT/private/``."""
    try:
        return storages["private"]
    except InvalidStorageError:
        return PrivateFileSystemStorage()
