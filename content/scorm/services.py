"""Writes for SCORM packages: validate, unpack to storage, record.

A package is either stored whole (every file unpacked and its row created) or not at all: a
refusal or a failure part-way removes whatever was written.
"""

import logging
import zipfile

from django.core.files import File
from django.db import transaction

from lms.storage import private_storage

from .models import ScormPackage
from .validation import PackageInvalid, inspect, safe_name

logger = logging.getLogger(__name__)


def package_storage():
    """Where unpacked packages live: the private storage (never given a public URL), so that
    every file is served through ``content.scorm.views.serve`` with its headers."""
    return private_storage()


def _open_upload(upload):
    """A seekable binary file for an uploaded file (on disk past the in-memory limit)."""
    if hasattr(upload, "temporary_file_path"):
        return open(upload.temporary_file_path(), "rb")
    upload.seek(0)
    return upload


def store_package(*, title: str, upload, by=None) -> ScormPackage:
    """Validate the uploaded zip and unpack it, streaming each file to storage.

    ``upload``: a Django ``UploadedFile`` or an open binary file. Raises ``PackageInvalid``
    (with the message for the trainer) when the package is refused; nothing is stored then.
    """
    handle = _open_upload(upload)
    size = getattr(upload, "size", None)
    if size is None:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(0)
    package = ScormPackage(
        title=title.strip()[:255],
        original_filename=(getattr(upload, "name", "") or "")[:255],
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    storage = package_storage()
    written: list[str] = []
    try:
        manifest = inspect(handle, size=size)
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            for info in manifest.files:
                name = package.storage_prefix + safe_name(info.filename)
                with archive.open(info) as member:
                    saved = storage.save(name, File(member, name=name))
                written.append(saved)
                if saved != name:  # the storage renamed it: the package would not work
                    raise PackageInvalid(f"Two files in the zip have the name {info.filename!r}.")
        package.version = manifest.version
        package.edition = manifest.edition
        package.scos = manifest.scos
        package.size_bytes = manifest.unpacked_bytes
        package.file_count = len(manifest.files)
        if not package.title:
            package.title = manifest.title or package.original_filename or "SCORM package"
        with transaction.atomic():
            package.save()
    except PackageInvalid:
        _remove(storage, written)
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as error:
        _remove(storage, written)
        raise PackageInvalid(
            f"A file in the zip cannot be unpacked ({error}). Export the package again."
        ) from None
    except BaseException:
        _remove(storage, written)
        raise
    finally:
        if handle is not upload:
            handle.close()
    return package


def _remove(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - reported, and the folder is never served
            logger.warning("Could not remove %s of a refused SCORM package", name)


def delete_package_files(*, package: ScormPackage) -> None:
    """Remove a package's unpacked files (after its row is deleted)."""
    storage = package_storage()
    pending = [package.storage_prefix.rstrip("/")]
    names = []
    while pending:
        folder = pending.pop()
        try:
            dirs, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        names += [f"{folder}/{f}" for f in files]
        pending += [f"{folder}/{d}" for d in dirs]
    _remove(storage, names)
