"""Real SCORM packages for the tests, built as an authoring tool would export them.

- ``scorm12_package()``: a SCORM 1.2 package with one SCO, "States and cues": three pages and a
  scored question (mastery score 80). It resumes at the page stored in
  ``cmi.core.lesson_location``, keeps the pages seen in ``cmi.suspend_data``, records the
  answer as an interaction, sets ``lesson_status`` to passed or failed, and on leaving sets
  ``exit`` to "suspend" (unless finished), reports ``session_time`` and calls ``LMSFinish``.
- ``scorm2004_package()``: a SCORM 2004 4th edition package with two SCOs: "Introduction" (two
  pages, completed at the end) and "Check" (a scored question: completion, success status,
  scaled score, an interaction).

Both find the API the standard way (walking up ``window.parent``) and use only the run-time API,
so they behave as packages from Articulate, Captivate and the rest do. Their script is
``course.js`` beside this file. ``zip_bytes(files)``
builds any other zip (for the refusals).
"""

import io
import zipfile
from pathlib import Path

SCRIPT = (Path(__file__).parent / "course.js").read_text()

STYLE = (
    "body { font-family: sans-serif; margin: 1rem; color: #0b0c0c; } button { margin: .5rem 0; }"
)


def _page(title: str, version: str, pages: list[str], *, scored: bool) -> str:
    sections = []
    for number, text in enumerate(pages, start=1):
        last = number == len(pages)
        if not last:
            action = '<button type="button" data-next>Next page</button>'
        elif scored:
            action = (
                '<form id="question"><fieldset><legend>Which of these is a subtle '
                "disengagement cue?</legend>"
                '<label><input type="radio" name="answer" value="yawning"> Yawning</label><br>'
                '<label><input type="radio" name="answer" value="smiling"> Smiling</label><br>'
                '<label><input type="radio" name="answer" value="reaching"> Reaching out'
                '</label></fieldset><button type="submit">Submit answer</button></form>'
            )
        else:
            action = '<button type="button" id="finish">Finish</button>'
        sections.append(
            f'<section id="page-{number}" hidden><h2>{text}</h2>'
            f"<p>{text}: content of page {number}.</p>{action}</section>"
        )
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f'<title>{title}</title><link rel="stylesheet" href="shared/style.css"></head>'
        f'<body data-version="{version}" data-pages="{len(pages)}" '
        f'data-scored="{"yes" if scored else "no"}"><main><h1>{title}</h1>'
        '<p id="position"></p><p id="lms" role="status"></p>'
        + "".join(sections)
        + '<p id="result" role="status"></p></main>'
        '<script src="shared/course.js"></script></body></html>'
    )


MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="imh.states-and-cues" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>States and cues</title>
      <item identifier="item-cues" identifierref="res-cues">
        <title>States and cues</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res-cues" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="shared/course.js"/><file href="shared/style.css"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="imh.first-1001-days" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>The first 1001 days</title>
      <item identifier="item-intro" identifierref="res-intro"><title>Introduction</title></item>
      <item identifier="item-check" identifierref="res-check"><title>Check</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res-intro" type="webcontent" adlcp:scormType="sco" href="intro.html">
      <file href="intro.html"/><dependency identifierref="shared"/>
    </resource>
    <resource identifier="res-check" type="webcontent" adlcp:scormType="sco" href="check.html">
      <file href="check.html"/><dependency identifierref="shared"/>
    </resource>
    <resource identifier="shared" type="webcontent" adlcp:scormType="asset">
      <file href="shared/course.js"/><file href="shared/style.css"/>
    </resource>
  </resources>
</manifest>
"""


def zip_bytes(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def scorm12_files() -> dict[str, str]:
    return {
        "imsmanifest.xml": MANIFEST_12,
        "index.html": _page(
            "States and cues",
            "1.2",
            ["The six states", "Engagement and disengagement cues", "Check your understanding"],
            scored=True,
        ),
        "shared/course.js": SCRIPT,
        "shared/style.css": STYLE,
    }


def scorm2004_files() -> dict[str, str]:
    return {
        "imsmanifest.xml": MANIFEST_2004,
        "intro.html": _page(
            "Introduction", "2004", ["Why the first 1001 days", "Relationships"], scored=False
        ),
        "check.html": _page("Check", "2004", ["Check your understanding"], scored=True),
        "shared/course.js": SCRIPT,
        "shared/style.css": STYLE,
    }


def scorm12_package() -> bytes:
    return zip_bytes(scorm12_files())


def scorm2004_package() -> bytes:
    return zip_bytes(scorm2004_files())
