"""SCORM packages: validated before anything is stored, unpacked whole or not at all, served
from a path of their own with headers that confine them, uploaded by trainers in the admin."""

import hashlib
import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from content.scorm.models import ScormPackage
from content.scorm.services import package_storage, store_package
from content.scorm.validation import PackageInvalid
from tests.scorm.factories import Upload
from tests.scorm.packages import (
    MANIFEST_12,
    scorm12_files,
    scorm12_package,
    scorm2004_package,
    zip_bytes,
)

pytestmark = pytest.mark.django_db


def stored_files() -> list[str]:
    root = (
        Path(package_storage().path("scorm")) if Path(package_storage().path("")).exists() else None
    )
    if root is None or not root.exists():
        return []
    return [str(p) for p in root.rglob("*") if p.is_file()]


def refused(data: bytes, match: str, **settings_kwargs):
    with pytest.raises(PackageInvalid, match=match):
        store_package(title="Bad", upload=Upload(data))
    assert not ScormPackage.objects.exists()
    assert stored_files() == []


def test_a_scorm12_package_is_unpacked_and_recorded():
    package = store_package(title="", upload=Upload(scorm12_package(), "cues.zip"))
    assert package.version == "1.2" and package.edition == "1.2"
    assert package.title == "States and cues"  # from the manifest when none is given
    assert package.scos == [
        {"identifier": "item-cues", "title": "States and cues", "href": "index.html",
         "scorm_type": "sco", "mastery_score": "80"},
    ]  # fmt: skip
    assert package.file_count == 4 and package.original_filename == "cues.zip"
    with package_storage().open(package.storage_prefix + "shared/course.js") as handle:
        assert b"findAPI" in handle.read()


def test_a_scorm2004_package_lists_each_sco():
    package = store_package(title="1001 days", upload=Upload(scorm2004_package()))
    assert package.version == "2004" and package.edition == "2004 4th Edition"
    assert [(s["identifier"], s["href"]) for s in package.scos] == [
        ("item-intro", "intro.html"),
        ("item-check", "check.html"),
    ]


def test_item_parameters_and_xml_base_make_the_launch_address():
    files = scorm12_files()
    files["content/index.html"] = files.pop("index.html")
    files["imsmanifest.xml"] = MANIFEST_12.replace(
        '<item identifier="item-cues" identifierref="res-cues">',
        '<item identifier="item-cues" identifierref="res-cues" parameters="?start=2">',
    ).replace("<resources>", '<resources xml:base="content/">')
    package = store_package(title="Based", upload=Upload(zip_bytes(files)))
    assert package.scos[0]["href"] == "content/index.html?start=2"


def test_not_a_zip():
    refused(b"%PDF-1.4 this is a PDF", "not a zip archive")


def test_no_manifest():
    files = scorm12_files()
    del files["imsmanifest.xml"]
    refused(zip_bytes(files), "no imsmanifest.xml")


def test_a_manifest_in_a_folder_is_explained():
    files = {f"course/{name}": content for name, content in scorm12_files().items()}
    refused(zip_bytes(files), "not the folder that holds them")


def test_a_manifest_that_is_not_xml():
    refused(
        zip_bytes({**scorm12_files(), "imsmanifest.xml": "<manifest><unclosed>"}),
        "not well-formed XML",
    )


def test_an_xml_bomb_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        "<manifest>&lol3;</manifest>"
    )
    refused(zip_bytes({**scorm12_files(), "imsmanifest.xml": bomb}), "DTD or XML entities")


def test_an_external_entity_is_refused():
    xxe = '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><manifest>&x;</manifest>'
    refused(zip_bytes({**scorm12_files(), "imsmanifest.xml": xxe}), "DTD or XML entities")


def test_a_launch_file_that_is_missing():
    files = scorm12_files()
    del files["index.html"]
    refused(zip_bytes(files), "names 'index.html' as a launch file, but the zip has no such file")


def test_no_organisation():
    manifest = (
        MANIFEST_12.split("<organizations")[0]
        + "<organizations/>"
        + MANIFEST_12.split("</organizations>")[1]
    )
    refused(zip_bytes({**scorm12_files(), "imsmanifest.xml": manifest}), "names no organisation")


def test_not_scorm():
    manifest = MANIFEST_12.replace(
        "<schemaversion>1.2</schemaversion>", "<schemaversion>9</schemaversion>"
    ).replace("adlcp_rootv1p2", "other")
    refused(
        zip_bytes({**scorm12_files(), "imsmanifest.xml": manifest}), "not a SCORM 1.2 or SCORM 2004"
    )


@pytest.mark.parametrize(
    "name", ["../outside.html", "/etc/cron.d/x", "a/../../b.js", "C:/windows/x", "a\\..\\b"]
)
def test_zip_slip_entries_are_refused(name):
    refused(zip_bytes({**scorm12_files(), name: "x"}), "leaves the package|absolute path|backslash")


def test_a_symbolic_link_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in scorm12_files().items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo("shared/secrets")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    refused(buffer.getvalue(), "symbolic link")


def test_a_package_over_the_limit_is_refused(settings):
    settings.SCORM_MAX_PACKAGE_BYTES = 10_000
    refused(scorm12_package() + b"\0" * 10_000, "the limit is 9.8")


def test_a_zip_bomb_is_refused_by_its_unpacked_size(settings):
    settings.SCORM_MAX_PACKAGE_BYTES = 1_000_000
    data = zip_bytes({**scorm12_files(), "media/silence.bin": b"\0" * 2_000_000})
    assert len(data) < 1_000_000  # small on the wire, too large unpacked
    refused(data, "the limit is")


def test_a_failure_part_way_leaves_nothing(monkeypatch):
    from django.core.files.storage import FileSystemStorage

    calls = {"n": 0}
    original = FileSystemStorage._save

    def failing(self, name, content):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", failing)
    with pytest.raises(OSError):
        store_package(title="Half", upload=Upload(scorm12_package()))
    assert not ScormPackage.objects.exists() and stored_files() == []


# --- Serving -------------------------------------------------------------------------------


def test_files_are_served_to_signed_in_people_with_confining_headers(client, user_factory):
    package = store_package(title="Cues", upload=Upload(scorm12_package()))
    url = reverse("scorm:serve", args=[package.pk, "shared/course.js"])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(user_factory())
    response = client.get(url)
    assert response.status_code == 200
    assert b"findAPI" in b"".join(response.streaming_content)
    assert response["Content-Type"].startswith(("application/javascript", "text/javascript"))
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "form-action 'none'" in policy
    assert "connect-src 'self'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Set-Cookie" not in response


@pytest.mark.parametrize("path", ["missing.html", "../../private/x", "shared/", "..%2F..%2Fsecret"])
def test_nothing_outside_the_package_is_served(client, user_factory, path):
    package = store_package(title="Cues", upload=Upload(scorm12_package()))
    (Path(package_storage().path("")) / "secret").write_text("secret")
    client.force_login(user_factory())
    assert client.get(f"/scorm/{package.pk}/{path}").status_code == 404


def test_the_vendored_runtime_matches_its_recorded_checksums():
    folder = Path(__file__).resolve().parents[2] / "content/scorm/static/scorm/vendor/scorm-again"
    readme = (folder / "README.md").read_text()
    for name in ("scorm12.min.js", "scorm2004.min.js", "LICENSE"):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert f"| {name} | {digest} |" in readme, name


# --- The admin ------------------------------------------------------------------------------


def test_a_trainer_uploads_a_package_in_the_admin(client, trainer):
    client.force_login(trainer)
    add = reverse("scorm_packages:add")
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {"title": "States and cues", "package": SimpleUploadedFile("cues.zip", scorm12_package())},
    )
    assert response.status_code == 302
    package = ScormPackage.objects.get()
    assert package.uploaded_by == trainer and package.version == "1.2"
    assert client.get(reverse("scorm_packages:index")).status_code == 200


def test_a_refused_upload_shows_the_reason_and_keeps_the_title(client, trainer):
    client.force_login(trainer)
    response = client.post(
        reverse("scorm_packages:add"),
        {"title": "My title", "package": SimpleUploadedFile("cues.zip", b"not a zip")},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "not a zip archive" in html and 'value="My title"' in html
    assert not ScormPackage.objects.exists()


def test_a_module_plays_a_chosen_package(client, trainer, framework_tiers):
    from tests.scorm.factories import scorm_course, stored

    package = stored("2004")
    _course, module = scorm_course(package, tier=framework_tiers["T1"])
    assert module.scorm_package == package
    assert list(package.modules.all()) == [module.page_ptr.specific]
