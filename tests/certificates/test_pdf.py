"""The certificate PDF: what it says, its QR code, its fonts and what the renderer may fetch."""

import io
import socket
import urllib.request
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.images.models import Image

from certificates import documents, pdf
from certificates.models import CertificateSettings

pytestmark = pytest.mark.django_db


def pdf_bytes(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_certificate_is_a_one_page_a4_landscape_pdf_saying_what_was_achieved(certificate):
    data = pdf_bytes(certificate)
    reader = PdfReader(io.BytesIO(data))
    assert data.startswith(b"%PDF-")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (297, 210)

    text = " ".join(text_of(data).split())
    issued = f"{certificate.issued_on.day} {certificate.issued_on:%B %Y}"
    valid = f"{certificate.valid_until.day} {certificate.valid_until:%B %Y}"
    for expected in [
        "INFANT MENTAL HEALTH TRAINING",
        "Certificate of Completion",
        "Siobhán O’Connor",
        "Understanding Babies: States and Cues",
        "T1 Informed",
        "1.5 CPD hours",
        issued,
        valid,
        certificate.number,
        certificate.display_code,
    ]:
        assert expected in text, expected
    # No signatory named in the settings: no signature block (issue 15, item 11), rather than
    # a signature line for "Programme Lead" that nobody signed.
    assert "Programme Lead" not in text and "Signed on behalf" not in text
    assert reader.metadata.title == (
        f"Certificate {certificate.number}: Understanding Babies: States and Cues"
    )


def test_the_qr_code_decodes_to_the_verification_url(certificate):
    page = pypdfium2.PdfDocument(pdf_bytes(certificate))[0]
    image = page.render(scale=2).to_pil()
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [
        f"{settings.SITE_URL}/certificates/verify/{certificate.display_code}/"
    ]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_only_the_bundled_fonts_are_embedded(certificate):
    # WeasyPrint names an embedded @font-face font after its family; a system font chosen as a
    # fallback would appear under its own name (e.g. DejaVuSans).
    reader = PdfReader(io.BytesIO(pdf_bytes(certificate)))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert fonts == {"Certificate-Serif", "Certificate-Sans", "Certificate-Sans-Bold"}


def test_rendering_is_deterministic_so_a_regenerated_certificate_is_identical(certificate):
    brand = documents.branding()
    assert documents.render_certificate(certificate, brand) == documents.render_certificate(
        certificate, brand
    )
    assert pdf.sha256(documents.render_certificate(certificate)) == certificate.pdf_sha256


def test_settings_change_the_organisation_signatory_logo_and_signature(certificate, tmp_path):
    def wagtail_image(name, size, colour):
        buffer = io.BytesIO()
        PILImage.new("RGB", size, colour).save(buffer, "PNG")
        return Image.objects.create(
            title=name, file=ImageFile(io.BytesIO(buffer.getvalue()), name=f"{name}.png")
        )

    site_settings = CertificateSettings.load()
    site_settings.organisation_name = "Northshire Infant Mental Health Partnership"
    site_settings.signatory_name = "Dr Alex Morgan"
    site_settings.signatory_title = "Infant Mental Health Lead"
    site_settings.signature_text = "For the Partnership Board"
    site_settings.logo = wagtail_image("logo", (400, 120), "navy")
    site_settings.signature = wagtail_image("signature", (300, 90), "black")
    site_settings.save()

    data = documents.render_certificate(certificate)
    text = " ".join(text_of(data).split())
    for expected in [
        "NORTHSHIRE INFANT MENTAL HEALTH PARTNERSHIP",
        "Dr Alex Morgan",
        "Infant Mental Health Lead",
        "For the Partnership Board",
    ]:
        assert expected in text
    images = PdfReader(io.BytesIO(data)).pages[0].images
    # the logo, the signature and the QR code
    assert len(images) == 3


# --- The restricted URL fetcher -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://example.com/font.ttf",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file://remote-host/share/logo.png",
        (pdf.STATIC_DIR / ".." / ".." / ".." / "lms" / "settings" / "base.py").as_uri(),
    ],
)
def test_the_fetcher_refuses_the_network_and_files_outside_the_allowed_folders(url):
    with pytest.raises(pdf.ResourceRefused):
        pdf.url_fetcher().fetch(url)


def test_the_fetcher_serves_data_uris_bundled_fonts_and_media_files(settings):
    fetcher = pdf.url_fetcher()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    font = pdf.STATIC_DIR / "fonts" / "OpenSans-Regular.ttf"
    assert fetcher.fetch(font.as_uri()).read(4) == b"\x00\x01\x00\x00"
    media_file = Path(settings.MEDIA_ROOT) / "original_images" / "logo.png"
    media_file.parent.mkdir(parents=True)
    media_file.write_bytes(b"png bytes")
    assert fetcher.fetch(media_file.as_uri()).read() == b"png bytes"


def test_rendering_never_touches_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the renderer tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    html = (
        '<html><head><link rel="stylesheet" href="https://example.com/evil.css"></head><body>'
        '<img src="http://example.com/tracker.png"><p style="background: url(http://x.test/a.png)">'
        "Hello</p></body></html>"
    )
    data = pdf.render(html, stylesheet_name="certificate")
    assert "Hello" in text_of(data)


def test_qr_codes_with_the_fixed_mask_decode_for_any_code():
    import base64

    from certificates.codes import format_code, new_code

    for _ in range(200):
        url = f"https://training.example.org/certificates/verify/{format_code(new_code())}/"
        data = documents.qr_data_uri(url).split(",", 1)[1]
        image = PILImage.open(io.BytesIO(base64.b64decode(data))).convert("L")
        image = image.resize((image.width * 3, image.height * 3), PILImage.NEAREST)
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_the_minimal_user_agent_stylesheet_changes_nothing_visible(certificate):
    # The certificate is rendered with a minimal user-agent stylesheet (for speed); it must look
    # exactly as it would with WeasyPrint's full one.
    from PIL import ImageChops

    html = documents.certificate_html(certificate)
    pages = [
        pypdfium2.PdfDocument(pdf.render(html, stylesheet_name="certificate", minimal_ua=ua))[0]
        .render(scale=1.5)
        .to_pil()
        .convert("RGB")
        for ua in (True, False)
    ]
    assert ImageChops.difference(*pages).getbbox() is None


def test_without_site_url_the_certificate_links_to_the_address_being_served(
    certificate, settings, rf
):
    """Issue 15, item 10: in development the QR code and link pointed at localhost:8000
    whatever the server's address. With SITE_URL unset, a certificate made while serving a
    request (tasks run in-process there) links to that request's host."""
    from django.http import HttpResponse

    from lms.site_url import RequestSiteURLMiddleware, site_url

    settings.SITE_URL_IS_SET = False
    settings.ALLOWED_HOSTS = ["192.168.1.20"]
    middleware = RequestSiteURLMiddleware(
        lambda request: HttpResponse(documents.certificate_html(certificate))
    )
    html = middleware(rf.get("/", HTTP_HOST="192.168.1.20:8123")).content.decode()
    expected = f"http://192.168.1.20:8123/certificates/verify/{certificate.display_code}/"
    assert f'alt="QR code linking to {expected}"' in html
    assert "Check it at http://192.168.1.20:8123/certificates/verify/" in html
    # Outside a request (a worker), and whenever SITE_URL is set, SITE_URL is used.
    assert site_url() == settings.SITE_URL
    settings.SITE_URL_IS_SET = True
    html = middleware(rf.get("/", HTTP_HOST="192.168.1.20:8123")).content.decode()
    assert f"{settings.SITE_URL}/certificates/verify/" in html
