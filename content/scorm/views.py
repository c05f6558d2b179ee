"""Serves an unpacked package's files under ``/scorm/<package>/<path>``.

Why these headers: a SCORM package finds its runtime API (``window.API`` /
``window.API_1484_11``) by walking up ``window.parent``; browsers allow that only between
frames of one origin, so the package runs in an iframe of the product's own origin. That
means its scripts are *not* isolated from the product the way a separate origin would be: they
can read the parent page and act as the signed-in learner. What is chosen within that limit:

- Files are served to signed-in people only, from private storage, never from ``/media/``.
- ``Content-Security-Policy``: the package's own files only (authoring tools need inline and
  evaluated scripts, so those are allowed), no requests to other origins (``connect-src
  'self'``), no plugins, no form posts anywhere (``form-action 'none'``), and it may be framed
  by the product only (``frame-ancestors 'self'``, ``X-Frame-Options: SAMEORIGIN``).
- The session cookie is HttpOnly, so package scripts cannot read it; no response sets a cookie.
- ``X-Content-Type-Options: nosniff``, ``Cross-Origin-Resource-Policy: same-origin`` and
  ``Referrer-Policy: same-origin`` keep the files from being used by other sites.
- The player's iframe is sandboxed without ``allow-top-navigation`` and ``allow-modals``, so a
  package cannot navigate the learner's page away or open dialogs over it (a same-origin frame
  with scripts can lift its own sandbox, so this is a guard against accidents, not a boundary).

The boundary is therefore who may upload: trainers, through the Wagtail admin, and a module
using a package goes through the same review as any other content.
"""

import mimetypes
import posixpath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from .models import ScormPackage
from .services import package_storage
from .validation import PackageInvalid, safe_name

PACKAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)

mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("text/css", ".css")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("video/mp4", ".mp4")
mimetypes.add_type("application/json", ".json")
mimetypes.add_type("font/woff2", ".woff2")


@require_safe
@login_required
@xframe_options_sameorigin
def serve(request, package_id: int, path: str):
    package = get_object_or_404(ScormPackage, pk=package_id)
    try:
        name = safe_name(path)
    except PackageInvalid:
        raise Http404 from None
    if name in ("", ".") or name.startswith("/"):
        raise Http404
    storage = package_storage()
    full = package.storage_prefix + name
    try:
        handle = storage.open(full, "rb")
    except (FileNotFoundError, IsADirectoryError, OSError):
        raise Http404 from None
    content_type, encoding = mimetypes.guess_type(posixpath.basename(name))
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Content-Security-Policy"] = PACKAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Referrer-Policy"] = "same-origin"
    # Immutable: a package's files never change (a new version is a new upload and folder).
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
