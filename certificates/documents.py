"""The two documents this app prints: a certificate (A4 landscape) and a practitioner's
training record (A4 portrait). Builds their HTML from templates and renders it with
``certificates.pdf``."""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.request import url2pathname

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from lms.site_url import site_url

from . import pdf
from .models import Certificate, CertificateSettings

# Sized for print (the logo is printed 15 mm high: 150 px is about 250 dpi) and stored as
# high-quality JPEG on white: WeasyPrint embeds JPEG data as it is, whereas it decodes and
# re-compresses PNG data for every document (about 6 ms for a logo and a signature, a sixth of
# the time budget of a certificate). SVG images are used as they are (vector).
LOGO_SPEC = "max-480x150|format-jpeg|jpegquality-92|bgcolor-ffffff"
SIGNATURE_SPEC = "max-360x110|format-jpeg|jpegquality-92|bgcolor-ffffff"
# A fixed mask pattern (the one segno picks most often for these URLs): choosing the best of
# eight takes about 3.5 ms of pure Python per code, a tenth of the time budget of a certificate,
# and decoders read every mask (tests decode hundreds of codes).
QR_MASK = 2


_image_sources: dict[tuple, str] = {}


def image_src(image, spec: str) -> str | None:
    """A URL the restricted fetcher accepts for a Wagtail image: the file of a rendition (the
    original for SVG) when the storage has local paths, otherwise the bytes as a data URI.
    Remembered per process for the same image file (a replaced file has a new name), so that a
    batch of certificates does not look the rendition up every time."""
    if image is None:
        return None
    key = (image.pk, image.file.name, spec)
    src = _image_sources.get(key)
    if src is not None and (not src.startswith("file:") or Path(url2pathname(src[7:])).exists()):
        return src
    src = _image_source(image, spec)
    if len(_image_sources) > 32:
        _image_sources.clear()
    _image_sources[key] = src
    return src


def _image_source(image, spec: str) -> str:
    file = image.file if image.is_svg() else image.get_rendition(spec).file
    try:
        return Path(file.path).resolve().as_uri()
    except NotImplementedError:  # remote storage: embed the bytes
        with file.open("rb") as handle:
            data = handle.read()
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as a PNG data URI, one pixel per module and the standard quiet zone
    of four modules (the stylesheet scales it up with crisp edges). Error correction M survives
    a crease or a smudge."""
    return segno.make(url, error="m", micro=False, mask=QR_MASK).png_data_uri(scale=1, border=4)


def format_hours(hours) -> str:
    """1.00 -> "1", 1.50 -> "1.5", 1.75 -> "1.75"."""
    value = Decimal(hours or 0).normalize()
    return format(value, "f")


@dataclass
class Branding:
    settings: CertificateSettings
    logo_src: str | None
    signature_src: str | None


def branding() -> Branding:
    site_settings = CertificateSettings.load()
    return Branding(
        settings=site_settings,
        logo_src=image_src(site_settings.logo, LOGO_SPEC),
        signature_src=image_src(site_settings.signature, SIGNATURE_SPEC),
    )


def certificate_html(certificate: Certificate, brand: Branding | None = None) -> str:
    brand = brand or branding()
    verify_url = certificate.verify_url()
    hours = format_hours(certificate.cpd_hours)
    return render_to_string(
        "certificates/pdf/certificate.html",
        {
            "certificate": certificate,
            "brand": brand,
            "org": brand.settings,
            "verify_url": verify_url,
            "verify_lookup_url": site_url() + reverse("certificates:verify_lookup"),
            "qr_src": qr_data_uri(verify_url),
            "cpd_hours": hours,
            "cpd_plural": hours != "1",
            "site_name": settings.SITE_NAME,
        },
    )


def render_certificate(certificate: Certificate, brand: Branding | None = None) -> bytes:
    return pdf.render(
        certificate_html(certificate, brand), stylesheet_name="certificate", minimal_ua=True
    )


def render_training_record(context: dict) -> bytes:
    html = render_to_string(
        "certificates/pdf/training_record.html",
        {**context, "brand": branding(), "site_name": settings.SITE_NAME},
    )
    return pdf.render(html, stylesheet_name="training_record")
