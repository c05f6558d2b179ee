"""Checks a SCORM zip before anything of it is stored.

Everything is read from the zip's central directory and its manifest; no file is extracted
here. Each refusal is a ``PackageInvalid`` whose message says what is wrong and how to fix it.
What is refused: a file that is not a zip; a package over ``SCORM_MAX_PACKAGE_BYTES`` (the
upload or, against zip bombs, the declared unpacked size); too many files; an entry with an
absolute path, a drive letter, a ``..`` part or a backslash (zip slip); a symbolic link; an
encrypted entry; a missing ``imsmanifest.xml`` at the root; a manifest that is not well-formed
XML or declares entities or a DTD (defusedxml refuses XML bombs and external entities); one
that is neither SCORM 1.2 nor 2004; one with no organisation, no launchable item, or an item
whose launch file is not in the zip.
"""

import posixpath
import stat
import zipfile
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.template.defaultfilters import filesizeformat

MANIFEST = "imsmanifest.xml"
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_FILES = 20_000


class PackageInvalid(ValueError):
    """The package cannot be accepted; ``str(error)`` is the message for the trainer."""


@dataclass
class Manifest:
    version: str  # "1.2" or "2004"
    edition: str
    title: str
    scos: list[dict] = field(default_factory=list)
    files: list[zipfile.ZipInfo] = field(default_factory=list)
    unpacked_bytes: int = 0


def max_package_bytes() -> int:
    return int(getattr(settings, "SCORM_MAX_PACKAGE_BYTES", 500 * 1024 * 1024))


def _too_big(size: int) -> PackageInvalid:
    limit = max_package_bytes()
    return PackageInvalid(
        f"The package is {filesizeformat(size)}; the limit is {filesizeformat(limit)}. "
        "Export it again with smaller media (e.g. compressed video), or ask an administrator "
        "to raise SCORM_MAX_PACKAGE_BYTES."
    )


def safe_name(name: str) -> str:
    """The entry's path inside the package, or ``PackageInvalid`` when it could escape the
    package's folder."""
    if "\\" in name or "\x00" in name:
        raise PackageInvalid(
            f"The zip holds a path with a backslash or a NUL character ({name!r}). Export the "
            "package again with your authoring tool."
        )
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PackageInvalid(
            f"The zip holds an absolute path ({name!r}); every file must be inside the "
            "package. Export the package again with your authoring tool."
        )
    parts = name.split("/")
    if ".." in parts:
        raise PackageInvalid(
            f"The zip holds a path that leaves the package ({name!r}). Export the package "
            "again with your authoring tool."
        )
    return posixpath.normpath(name)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _attribute(element, name: str) -> str:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return ""


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _version_of(root) -> tuple[str, str]:
    metadata = _child(root, "metadata")
    schemaversion = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    namespaces = " ".join([root.tag, *root.attrib.keys(), *root.attrib.values()])
    for element in root.iter():
        namespaces += " " + element.tag + " " + " ".join(element.attrib.keys())
    if schemaversion == "1.2" or "adlcp_rootv1p2" in namespaces:
        return "1.2", schemaversion or "1.2"
    if schemaversion.startswith("2004") or schemaversion == "CAM 1.3" or "adlcp_v1p3" in namespaces:
        return "2004", schemaversion or "2004"
    raise PackageInvalid(
        "The manifest is not a SCORM 1.2 or SCORM 2004 manifest (its schema version is "
        f"{schemaversion!r}). Export the package as SCORM 1.2 or SCORM 2004."
    )


def _launch_path(href: str, base: str) -> str:
    path = unquote(urlsplit(href).path)
    return posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)


def parse_manifest(data: bytes, names: set[str]) -> Manifest:
    """The manifest's version and launchable items; ``names``: the files in the package."""
    try:
        root = fromstring(data)
    except DefusedXmlException:
        raise PackageInvalid(
            "The manifest (imsmanifest.xml) declares a DTD or XML entities, which are not "
            "allowed (they can be used to exhaust the server). Export the package again."
        ) from None
    except ParseError as error:
        raise PackageInvalid(
            f"The manifest (imsmanifest.xml) is not well-formed XML ({error}). Export the "
            "package again with your authoring tool."
        ) from None
    if _local(root.tag) != "manifest":
        raise PackageInvalid("imsmanifest.xml is not an IMS manifest (no <manifest> element).")
    version, edition = _version_of(root)
    root_base = _attribute(root, "base")

    resources = {}
    resources_element = _child(root, "resources")
    resources_base = _attribute(resources_element, "base") if resources_element is not None else ""
    for resource in (
        _children(resources_element, "resource") if resources_element is not None else []
    ):
        identifier = _attribute(resource, "identifier")
        if identifier:
            resources[identifier] = resource

    organizations = _child(root, "organizations")
    orgs = _children(organizations, "organization") if organizations is not None else []
    if not orgs:
        raise PackageInvalid(
            "The manifest names no organisation (no <organization> in <organizations>), so "
            "there is nothing to launch. Export the package again with your authoring tool."
        )
    default = _attribute(organizations, "default")
    organisation = next((o for o in orgs if _attribute(o, "identifier") == default), orgs[0])
    title = _text(_child(organisation, "title"))

    scos: list[dict] = []
    for item in organisation.iter():
        if _local(item.tag) != "item":
            continue
        ref = _attribute(item, "identifierref")
        if not ref:
            continue
        resource = resources.get(ref)
        if resource is None:
            raise PackageInvalid(
                f"The manifest's item {_attribute(item, 'identifier')!r} refers to a resource "
                f"{ref!r} that the manifest does not define."
            )
        href = _attribute(resource, "href")
        if not href:
            continue
        base = posixpath.join(root_base, resources_base, _attribute(resource, "base"))
        try:
            launch = safe_name(_launch_path(href, base))
        except PackageInvalid:
            raise PackageInvalid(
                f"The manifest's launch file {href!r} is outside the package."
            ) from None
        if launch not in names:
            raise PackageInvalid(
                f"The manifest names {launch!r} as a launch file, but the zip has no such "
                "file. Export the package again, or add the file."
            )
        parameters = _attribute(item, "parameters")
        query = urlsplit(href).query
        target = launch + (f"?{query}" if query else "")
        if parameters:
            joiner = "&" if "?" in target else "?"
            target += parameters if parameters[0] in "?#" else joiner + parameters
        scos.append(
            {
                "identifier": _attribute(item, "identifier")[:255],
                "title": (_text(_child(item, "title")) or _attribute(item, "identifier"))[:255],
                "href": target,
                "scorm_type": (
                    _attribute(resource, "scormtype") or _attribute(resource, "scormType") or "sco"
                ).lower(),
                "mastery_score": _text(_child(item, "masteryscore")),
            }
        )
    if not scos:
        raise PackageInvalid(
            "The manifest's organisation has no item with a launch file. Export the package "
            "again with your authoring tool."
        )
    identifiers = [s["identifier"] for s in scos]
    if len(set(identifiers)) != len(identifiers) or not all(identifiers):
        raise PackageInvalid("Each item of the manifest needs its own identifier.")
    return Manifest(version=version, edition=edition[:40], title=title[:255], scos=scos)


def inspect(fileobj, *, size: int) -> Manifest:
    """Validate the zip in ``fileobj`` (seekable; ``size`` its length in bytes)."""
    limit = max_package_bytes()
    if size > limit:
        raise _too_big(size)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageInvalid(
            "The file is not a zip archive. Upload the .zip file your authoring tool exported "
            "for SCORM 1.2 or SCORM 2004."
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_FILES:
            raise PackageInvalid(
                f"The package holds {len(infos):,} files; at most {MAX_FILES:,} are accepted."
            )
        files, unpacked, names = [], 0, set()
        for info in infos:
            name = safe_name(info.filename)
            if _is_symlink(info):
                raise PackageInvalid(
                    f"The zip holds a symbolic link ({info.filename!r}), which is not allowed. "
                    "Export the package again without links."
                )
            if info.flag_bits & 0x1:
                raise PackageInvalid(
                    f"The zip holds an encrypted file ({info.filename!r}). Export the package "
                    "without a password."
                )
            if info.is_dir():
                continue
            unpacked += info.file_size
            if unpacked > limit:
                raise _too_big(unpacked)
            files.append(info)
            names.add(name)
        if MANIFEST not in names:
            raise PackageInvalid(
                "The zip has no imsmanifest.xml at its top level, so it is not a SCORM "
                "package. Zip the package's contents (not the folder that holds them), or "
                "export it again as SCORM 1.2 or 2004."
            )
        manifest_info = next(i for i in files if safe_name(i.filename) == MANIFEST)
        if manifest_info.file_size > MAX_MANIFEST_BYTES:
            raise PackageInvalid("The manifest (imsmanifest.xml) is larger than 8 MB.")
        try:
            with archive.open(manifest_info) as handle:
                data = handle.read(MAX_MANIFEST_BYTES + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
            raise PackageInvalid(f"The manifest cannot be read from the zip ({error}).") from None
        if len(data) > MAX_MANIFEST_BYTES:
            raise PackageInvalid("The manifest (imsmanifest.xml) is larger than 8 MB.")
    manifest = parse_manifest(data, names)
    manifest.files = files
    manifest.unpacked_bytes = unpacked
    return manifest
