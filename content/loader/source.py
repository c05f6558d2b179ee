"""Reading and checking the curriculum source files (see content/curriculum/README.md).

Everything is read and checked before anything is written: a file with a problem gives a
message naming the file and the key (``courses/03-states-and-cues.yaml: modules[2].body[4].
question.options: ...``), and every problem in every file is reported at once.

The result is plain data ready for the pages: Markdown already converted to rich text, and
StreamField data in Wagtail's JSON form with deterministic block ids, so that the ids of
questions, options and reflections stay the same however often the files are loaded
(learners' answers and analytics refer to them).
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from wagtail.blocks import StreamBlockValidationError

from content.blocks import (
    PATHWAY_TOPICS,
    CueCardBlock,
    InfantState,
    KnowledgeCheckStreamBlock,
    LessonStreamBlock,
)
from content.diagrams import DIAGRAMS

from .richtext import MarkdownError, markdown_to_richtext

DEFAULT_SOURCE = Path(settings.BASE_DIR) / "content" / "curriculum"

# Bump when the conversion changes, so that the next load republishes what it made before.
LOADER_VERSION = 1
# Block and option ids are uuid5 names in this namespace; never change it.
ID_NAMESPACE = uuid.UUID("0d3f6f0e-5a57-4c1b-9a43-8f1d2e6b7c21")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
MIN_MODULES = 3
MIN_QUESTIONS = 5


def block_id(*parts: str) -> str:
    """A stable id for a block or list item, from the course slug and its key or position."""
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def fingerprint(data: Any) -> str:
    payload = json.dumps(
        {"loader_version": LOADER_VERSION, "data": data},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --- Results ---------------------------------------------------------------------------------


@dataclass
class TierSource:
    code: str
    fields: dict


@dataclass
class AreaSource:
    key: str
    fields: dict


@dataclass
class ModuleSource:
    slug: str
    fields: dict  # title, slug, summary, estimated_minutes, body (StreamField JSON)

    @property
    def source_hash(self) -> str:
        return fingerprint(self.fields)


@dataclass
class CourseSource:
    slug: str
    file: str
    fields: dict  # page fields, StreamFields as JSON
    tier_code: str
    area_keys: list[str]
    prerequisite_slugs: list[str]
    modules: list[ModuleSource] = field(default_factory=list)

    @property
    def source_hash(self) -> str:
        return fingerprint(
            {
                "fields": self.fields,
                "tier": self.tier_code,
                "areas": self.area_keys,
                "prerequisites": self.prerequisite_slugs,
            }
        )


@dataclass
class PageSource:
    slug: str
    fields: dict  # title, slug, body, search_description

    @property
    def source_hash(self) -> str:
        return fingerprint(self.fields)


@dataclass
class GlossarySource:
    slug: str
    fields: dict  # term, slug, other_forms, practitioner_definition, plain_definition
    related: list[str]  # slugs of related terms

    @property
    def source_hash(self) -> str:
        return fingerprint({"fields": self.fields, "related": self.related})


@dataclass
class Curriculum:
    tiers: list[TierSource]
    areas: list[AreaSource]
    courses: list[CourseSource]  # prerequisites before the courses that need them
    pages: list[PageSource]
    glossary: list[GlossarySource] = field(default_factory=list)


class CurriculumError(Exception):
    """The source files have problems; nothing was loaded."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"The curriculum files have {count} problem{'s' if count != 1 else ''}; "
            "nothing was loaded:\n" + "\n".join(f"  - {p}" for p in problems)
        )


# --- YAML ------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (a silent overwrite otherwise)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            # A list or mapping as a key (``? [a, b]: c``): no file of ours means that.
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "a key must be plain text, not a list or a mapping",
                key_node.start_mark,
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f'the key "{key}" is given twice',
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --- Checking one mapping --------------------------------------------------------------------


class _Problems:
    def __init__(self):
        self.items: list[str] = []

    def add(self, file: str, where: str, message: str) -> None:
        self.items.append(f"{file}: {where}: {message}" if where else f"{file}: {message}")


_MISSING = object()


class _Mapping:
    """Reads the keys of one YAML mapping, recording problems with file and location."""

    def __init__(self, problems: _Problems, file: str, where: str, data: Any):
        self.problems = problems
        self.file = file
        self.where = where
        self.ok = isinstance(data, dict)
        self.data = data if self.ok else {}
        self.used: set[str] = set()
        if not self.ok:
            self.problems.add(file, where, f"expected a mapping of keys, found {_kind(data)}")

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def problem(self, key: str | None, message: str) -> None:
        self.problems.add(self.file, self.path(key) if key else self.where, message)

    def _get(self, key: str, required: bool):
        self.used.add(key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required and self.ok:
                self.problem(key, "is missing")
            return _MISSING
        return value

    def text(self, key, *, required=True, max_length=None, default="") -> str:
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(key, f"should be text, found {_kind(value)}")
            return default
        value = str(value).strip()
        if required and not value:
            self.problem(key, "is empty")
        if max_length and len(value) > max_length:
            self.problem(key, f"is {len(value)} characters long; the limit is {max_length}")
        return value

    def markdown(self, key, *, required=True, headings=(3, 4)) -> str:
        value = self.text(key, required=required)
        if not value:
            return ""
        try:
            return markdown_to_richtext(value, headings=headings)
        except MarkdownError as exc:
            for message in exc.problems:
                self.problem(key, message)
            return ""

    def integer(self, key, *, required=True, minimum=None, maximum=None, default=None):
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"should be a whole number, found {value!r}")
            return default
        if minimum is not None and value < minimum:
            self.problem(key, f"should be at least {minimum}, found {value}")
        if maximum is not None and value > maximum:
            self.problem(key, f"should be at most {maximum}, found {value}")
        return value

    def decimal(self, key, *, required=True, places=2, maximum=999, default=None):
        value = self._get(key, required)
        if value is _MISSING:
            return default
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value))
        except InvalidOperation:
            self.problem(key, f"should be a number such as 1.5, found {value!r}")
            return default
        if number < 0 or number > maximum:
            self.problem(key, f"should be between 0 and {maximum}, found {value}")
        if number != number.quantize(Decimal(1).scaleb(-places)):
            self.problem(key, f"has more than {places} decimal places ({value})")
        return str(number.quantize(Decimal(1).scaleb(-places)))

    def boolean(self, key, *, default: bool) -> bool:
        value = self._get(key, required=False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"should be true or false, found {value!r}")
            return default
        return value

    def choice(self, key, choices, *, required=True, default="") -> str:
        value = self.text(key, required=required, default=default)
        if value and value not in choices:
            self.problem(key, f'"{value}" is not one of: {", ".join(choices)}')
        return value

    def items(self, key, *, required=True, min_items=0, max_items=None) -> list:
        value = self._get(key, required)
        if value is _MISSING:
            value = []
        elif not isinstance(value, list):
            self.problem(key, f"should be a list, found {_kind(value)}")
            return []
        if (required or value) and len(value) < min_items:
            self.problem(key, f"needs at least {min_items} item(s), found {len(value)}")
        if max_items is not None and len(value) > max_items:
            self.problem(key, f"allows at most {max_items} items, found {len(value)}")
        return value

    def texts(self, key, *, required=True, min_items=0, max_length=None) -> list[str]:
        result = []
        for i, item in enumerate(self.items(key, required=required, min_items=min_items)):
            where = f"{key}[{i}]"
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem(where, f"should be text, found {_kind(item)}")
                continue
            item = str(item).strip()
            if not item:
                self.problem(where, "is empty")
            if max_length and len(item) > max_length:
                self.problem(where, f"is {len(item)} characters long; the limit is {max_length}")
            result.append(item)
        return result

    def finish(self) -> None:
        """Report keys nobody asked for: usually a typo."""
        for key in self.data:
            if key not in self.used:
                expected = ", ".join(sorted(self.used))
                self.problem(None, f'unknown key "{key}" (expected: {expected})')


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: f'the text "{str(value)[:40]}"'}.get(
        type(value), repr(value)
    )


# --- Reading the files -----------------------------------------------------------------------


class _Reader:
    def __init__(self, source_dir: Path):
        self.source_dir = source_dir
        self.problems = _Problems()

    def label(self, path: Path) -> str:
        try:
            return str(path.relative_to(Path(settings.BASE_DIR)))
        except ValueError:
            return str(path)

    def load_yaml(self, path: Path) -> Any:
        label = self.label(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problems.add(label, "", "file not found")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.add(label, "", f"cannot be read ({exc})")
            return None
        try:
            return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a safe loader)
        except yaml.YAMLError as exc:
            self.problems.add(label, "", f"is not valid YAML: {_yaml_message(exc)}")
            return None
        except ValueError as exc:  # a value YAML cannot build, e.g. the date 0000-01-01
            self.problems.add(label, "", f"has a value that cannot be read: {exc}")
            return None

    # Tiers and competency areas ---------------------------------------------------------

    def tiers(self) -> list[TierSource]:
        path = self.source_dir / "tiers.yaml"
        label = self.label(path)
        data = self.load_yaml(path)
        if data is None:
            return []
        if not isinstance(data, list):
            self.problems.add(label, "", f"should be a list of tiers, found {_kind(data)}")
            return []
        result, seen = [], {"code": set(), "name": set(), "order": set()}
        for i, item in enumerate(data):
            m = _Mapping(self.problems, label, f"[{i}]", item)
            fields = {
                "code": m.text("code", max_length=10),
                "name": m.text("name", max_length=60),
                "order": m.integer("order", minimum=1, maximum=100),
                "refresher_months": m.integer("refresher_months", minimum=1, maximum=240),
                "description": m.text("description", required=False),
            }
            m.finish()
            for key in seen:
                if fields[key] is not None and fields[key] in seen[key]:
                    m.problem(key, f'"{fields[key]}" is used by another tier')
                seen[key].add(fields[key])
            if m.ok and fields["code"]:
                result.append(TierSource(code=fields["code"], fields=fields))
        if not result and data:
            self.problems.add(label, "", "defines no usable tier")
        return result

    def areas(self) -> list[AreaSource]:
        path = self.source_dir / "competency_areas.yaml"
        label = self.label(path)
        data = self.load_yaml(path)
        if data is None:
            return []
        if not isinstance(data, list):
            self.problems.add(
                label, "", f"should be a list of competency areas, found {_kind(data)}"
            )
            return []
        result, seen = [], {"key": set(), "name": set()}
        for i, item in enumerate(data):
            m = _Mapping(self.problems, label, f"[{i}]", item)
            fields = {
                "key": m.text("key", max_length=60),
                "name": m.text("name", max_length=160),
                "order": m.integer("order", minimum=0, maximum=1000, default=0),
                "description": m.text("description", required=False),
            }
            m.finish()
            if fields["key"] and not SLUG_RE.match(fields["key"]):
                m.problem("key", "use lower-case letters, digits and hyphens only")
            for key in seen:
                if fields[key] and fields[key] in seen[key]:
                    m.problem(key, f'"{fields[key]}" is used by another competency area')
                seen[key].add(fields[key])
            if m.ok and fields["key"]:
                result.append(AreaSource(key=fields["key"], fields=fields))
        return result

    # Glossary ---------------------------------------------------------------------------

    def glossary(self) -> list[GlossarySource]:
        """The glossary terms of ``glossary.yaml`` (optional: no file, no terms)."""
        path = self.source_dir / "glossary.yaml"
        if not path.exists():
            return []
        label = self.label(path)
        data = self.load_yaml(path)
        if data is None:
            return []
        if not isinstance(data, list):
            self.problems.add(label, "", f"should be a list of terms, found {_kind(data)}")
            return []
        result, seen = [], {"slug": set(), "term": set()}
        for i, item in enumerate(data):
            m = _Mapping(self.problems, label, f"[{i}]", item)
            fields = {
                "term": m.text("term", max_length=80),
                "slug": m.text("slug", max_length=80),
                "other_forms": ", ".join(m.texts("other_forms", required=False, max_length=80)),
                "practitioner_definition": m.text("practitioner"),
                "plain_definition": m.text("plain"),
            }
            related = m.texts("related", required=False, max_length=80)
            m.finish()
            if fields["slug"] and not SLUG_RE.match(fields["slug"]):
                m.problem("slug", "use lower-case letters, digits and hyphens only")
            for key in seen:
                value = (fields[key] or "").casefold()
                if value and value in seen[key]:
                    m.problem(key, f'"{fields[key]}" is used by another term')
                seen[key].add(value)
            if m.ok and fields["slug"]:
                result.append(GlossarySource(slug=fields["slug"], fields=fields, related=related))
        slugs = {term.slug for term in result}
        for term in result:
            unknown = [slug for slug in term.related if slug not in slugs]
            if unknown:
                self.problems.add(
                    label, f"{term.slug}.related", f"no such term: {', '.join(unknown)}"
                )
        return result

    # Courses ----------------------------------------------------------------------------

    def course(self, path: Path, tier_codes: set[str], area_keys: set[str]) -> CourseSource | None:
        label = self.label(path)
        data = self.load_yaml(path)
        if data is None:
            return None
        m = _Mapping(self.problems, label, "", data)
        if not m.ok:
            return None
        slug = m.text("slug", max_length=255)
        if slug and not SLUG_RE.match(slug):
            m.problem("slug", "use lower-case letters, digits and hyphens only")
        tier = m.choice("tier", sorted(tier_codes))
        areas = m.texts("competency_areas", min_items=1)
        for i, key in enumerate(areas):
            if key not in area_keys:
                m.problem(f"competency_areas[{i}]", f'"{key}" is not in competency_areas.yaml')
        if len(set(areas)) != len(areas):
            m.problem("competency_areas", "lists an area twice")
        prerequisites = m.texts("prerequisites", required=False)
        keys = _KeyRegistry(m)

        fields = {
            "title": m.text("title", max_length=255),
            "slug": slug,
            "required_for_tier": m.boolean("required_for_tier", default=True),
            "summary": m.text("summary", max_length=300),
            "audience": m.text("audience", required=False),
            "introduction": m.markdown("introduction", required=False),
            "references": m.markdown("references", required=False),
            "learning_outcomes": [
                {"type": "outcome", "value": text, "id": block_id(slug, "outcome", str(i))}
                for i, text in enumerate(m.texts("learning_outcomes", min_items=1, max_length=300))
            ],
            "estimated_minutes": m.integer("estimated_minutes", minimum=1, maximum=10000),
            "cpd_hours": m.decimal("cpd_hours", places=2),
            "validity_months": m.integer("validity_months", required=False, minimum=1, maximum=240),
            "pass_mark": m.integer("pass_mark", minimum=1, maximum=100),
            "max_attempts": m.integer(
                "max_attempts", required=False, minimum=1, maximum=100, default=3
            ),
            "retry_cooldown_minutes": m.integer(
                "retry_cooldown_minutes", required=False, minimum=0, maximum=100000, default=10
            ),
            "issues_certificate": m.boolean("issues_certificate", default=True),
            "questions_per_attempt": m.integer(
                "questions_per_attempt", required=False, minimum=1, maximum=100
            ),
        }
        fields["knowledge_check"] = [
            _question(m, f"knowledge_check[{i}]", item, slug, keys)
            for i, item in enumerate(m.items("knowledge_check", min_items=MIN_QUESTIONS))
        ]
        _check_stream(m, "knowledge_check", KnowledgeCheckStreamBlock(), fields)

        modules = []
        seen_slugs = set()
        for i, item in enumerate(m.items("modules", min_items=MIN_MODULES)):
            module = self.module(m, f"modules[{i}]", item, slug, keys)
            if module is None:
                continue
            if module.slug in seen_slugs:
                m.problem(f"modules[{i}].slug", f'"{module.slug}" is used by another module')
            seen_slugs.add(module.slug)
            modules.append(module)
        _check_bank(m, fields, seen_slugs | set(areas))
        m.finish()
        return CourseSource(
            slug=slug,
            file=label,
            fields=fields,
            tier_code=tier,
            area_keys=areas,
            prerequisite_slugs=prerequisites,
            modules=modules,
        )

    def module(self, course_m: _Mapping, where: str, data, course_slug: str, keys):
        m = _Mapping(self.problems, course_m.file, where, data)
        if not m.ok:
            return None
        slug = m.text("slug", max_length=255)
        if slug and not SLUG_RE.match(slug):
            m.problem("slug", "use lower-case letters, digits and hyphens only")
        title = m.text("title", max_length=255)
        if slug:
            m.where = f"{where} ({slug})"
        fields = {
            "title": title,
            "slug": slug,
            "summary": m.text("summary", required=False, max_length=300),
            "estimated_minutes": m.integer("estimated_minutes", minimum=1, maximum=1000),
        }
        body = []
        for i, item in enumerate(m.items("body", min_items=1)):
            block = _lesson_block(m, f"body[{i}]", item, course_slug, slug, i, keys)
            if block is not None:
                body.append(block)
        fields["body"] = body
        m.finish()
        _check_stream(m, "body", LessonStreamBlock(), fields)
        return ModuleSource(slug=slug, fields=fields)

    # Standard pages ---------------------------------------------------------------------

    def page(self, path: Path) -> PageSource | None:
        label = self.label(path)
        data = self.load_yaml(path)
        if data is None:
            return None
        m = _Mapping(self.problems, label, "", data)
        if not m.ok:
            return None
        slug = m.text("slug", max_length=255)
        if slug and not SLUG_RE.match(slug):
            m.problem("slug", "use lower-case letters, digits and hyphens only")
        fields = {
            "title": m.text("title", max_length=255),
            "slug": slug,
            "search_description": m.text("search_description", required=False),
            "body": m.markdown("body", headings=(2, 3, 4)),
        }
        m.finish()
        return PageSource(slug=slug, fields=fields)


class _KeyRegistry:
    """Reflection and question keys must be unique within a course (they name block ids)."""

    def __init__(self, course_m: _Mapping):
        self.course_m = course_m
        self.seen: dict[str, str] = {}

    def claim(self, m: _Mapping, key: str) -> None:
        if not key:
            return
        if not KEY_RE.match(key):
            m.problem("key", "use letters, digits, hyphens and underscores only")
        if key in self.seen:
            m.problem("key", f'"{key}" is already used at {self.seen[key]}')
        else:
            self.seen[key] = m.where


def _lesson_block(parent: _Mapping, where, data, course_slug, module_slug, index, keys):
    path = parent.path(where)
    if not isinstance(data, dict) or len(data) != 1:
        parent.problem(
            where,
            "each body item is a mapping with exactly one key, the block type (e.g. text:)",
        )
        return None
    block_type, value = next(iter(data.items()))
    if block_type not in _BLOCK_READERS:
        extra = (
            "; add images, videos and downloads in the admin"
            if block_type in {"image", "video", "resource"}
            else ""
        )
        parent.problem(
            where,
            f'unknown block type "{block_type}" (expected: {", ".join(_BLOCK_READERS)}){extra}',
        )
        return None
    if block_type == "text":
        m = _Mapping(parent.problems, parent.file, path, {"text": value})
        html = m.markdown("text")
        return {"type": "text", "value": html, "id": block_id(course_slug, module_slug, str(index))}
    m = _Mapping(parent.problems, parent.file, f"{path}.{block_type}", value)
    if not m.ok:
        return None
    fallback_id = block_id(course_slug, module_slug, str(index))
    block = _BLOCK_READERS[block_type](m, course_slug, fallback_id, keys)
    m.finish()
    return block


def _item_list(values: list, parent_id: str) -> list[dict]:
    """ListBlock items in Wagtail's list-item form, with stable ids."""
    return [
        {"type": "item", "value": value, "id": block_id(parent_id, "item", str(i))}
        for i, value in enumerate(values)
    ]


def _key_points(m, course_slug, bid, keys):
    return {
        "type": "key_points",
        "id": bid,
        "value": {
            "heading": m.text("heading", required=False, max_length=120) or "Key points",
            "points": _item_list(m.texts("points", min_items=1, max_length=500), bid),
        },
    }


def _quote(m, course_slug, bid, keys):
    return {
        "type": "quote",
        "id": bid,
        "value": {
            "text": m.text("text"),
            "attribution": m.text("attribution", required=False, max_length=200),
        },
    }


def _case_scenario(m, course_slug, bid, keys):
    return {
        "type": "case_scenario",
        "id": bid,
        "value": {
            "title": m.text("title", max_length=200),
            "scenario": m.markdown("scenario"),
            "questions": _item_list(m.texts("questions", required=False, max_length=500), bid),
            "commentary": m.markdown("commentary", required=False),
        },
    }


def _state_card(m, course_slug, bid, keys):
    return {
        "type": "state_card",
        "id": bid,
        "value": {
            "state": m.choice("state", list(InfantState.LABELS)),
            "what_you_see": m.text("what_you_see"),
            "what_it_means": m.text("what_it_means"),
            "how_to_respond": m.text("how_to_respond"),
        },
    }


def _cue_card(m, course_slug, bid, keys):
    return {
        "type": "cue_card",
        "id": bid,
        "value": {
            "cue_type": m.choice("cue_type", [c for c, _ in CueCardBlock.CUE_TYPES]),
            "strength": m.choice("strength", [c for c, _ in CueCardBlock.STRENGTHS]),
            "title": m.text("title", max_length=200),
            "examples": _item_list(m.texts("examples", min_items=1, max_length=200), bid),
            "how_to_respond": m.text("how_to_respond", required=False),
        },
    }


def _reflection(m, course_slug, bid, keys):
    key = m.text("key", max_length=60)
    keys.claim(m, key)
    return {
        "type": "reflection",
        "id": block_id(course_slug, key) if key else bid,
        "value": {
            "prompt": m.text("prompt"),
            "guidance": m.text("guidance", required=False),
        },
    }


def _local_pathways(m, course_slug, bid, keys):
    topics = m.texts("topics", required=False)
    unknown = [topic for topic in topics if topic not in PATHWAY_TOPICS]
    if unknown:
        m.problem(
            "topics",
            f"unknown topic {', '.join(unknown)} (expected: {', '.join(PATHWAY_TOPICS)})",
        )
    return {
        "type": "local_pathways",
        "id": bid,
        "value": {
            "heading": m.text("heading", required=False, max_length=120) or "Your local pathways",
            "intro": m.text("intro", required=False),
            "topics": [topic for topic in topics if topic in PATHWAY_TOPICS],
            "show_examples": m.boolean("show_examples", default=True),
        },
    }


def _diagram(m, course_slug, bid, keys):
    return {
        "type": "diagram",
        "id": bid,
        "value": {
            "diagram": m.choice("diagram", list(DIAGRAMS)),
            "caption": m.text("caption", required=False, max_length=250),
        },
    }


def _inline_question(m, course_slug, bid, keys):
    return _question_value(m, course_slug, keys)


_BLOCK_READERS = {
    "text": None,
    "key_points": _key_points,
    "quote": _quote,
    "case_scenario": _case_scenario,
    "state_card": _state_card,
    "cue_card": _cue_card,
    "reflection": _reflection,
    "question": _inline_question,
    "local_pathways": _local_pathways,
    "diagram": _diagram,
}


def _question(parent: _Mapping, where: str, data, course_slug: str, keys) -> dict:
    m = _Mapping(parent.problems, parent.file, where, data)
    block = _question_value(m, course_slug, keys)
    m.finish()
    return block


def _question_value(m: _Mapping, course_slug: str, keys) -> dict:
    key = m.text("key", max_length=60)
    keys.claim(m, key)
    kind = m.choice("type", ["single", "multiple"])
    qid = block_id(course_slug, key or m.where)
    options = []
    raw_options = m.items("options", min_items=2, max_items=8)
    option_keys = set()
    for i, item in enumerate(raw_options):
        om = _Mapping(m.problems, m.file, m.path(f"options[{i}]"), item)
        option_key = om.text("key", required=False, max_length=60)
        if option_key:
            if option_key in option_keys:
                om.problem("key", f'"{option_key}" is used by another option')
            option_keys.add(option_key)
        value = {
            "text": om.text("text", max_length=500),
            "correct": om.boolean("correct", default=False),
            "feedback": om.text("feedback"),
        }
        om.finish()
        # Options are named by their key when they have one, otherwise by their position.
        oid = block_id(course_slug, key, "option", option_key or str(i))
        options.append({"type": "item", "value": value, "id": oid})
    correct = sum(1 for option in options if option["value"]["correct"])
    if kind == "single" and options and correct != 1:
        m.problem(
            "options",
            f"a single-choice question needs exactly one correct option (this one has {correct})",
        )
    if kind == "multiple" and options and correct < 1:
        m.problem("options", "a multiple-choice question needs at least one correct option")
    return {
        "type": "question",
        "id": qid,
        "value": {
            "kind": kind or "single",
            "question": m.text("question"),
            "options": options,
            "group": m.text("group", required=False, max_length=100),
            "explanation": m.text("explanation", required=False),
        },
    }


def _check_bank(m: _Mapping, fields: dict, groups: set[str]) -> None:
    """A knowledge check's groups name the course's modules or competency areas, and an attempt
    cannot draw more questions than the bank holds."""
    bank = fields["knowledge_check"]
    for i, block in enumerate(bank):
        group = block["value"]["group"]
        if group and group not in groups:
            m.problem(
                f"knowledge_check[{i}].group",
                f'"{group}" is neither a module slug of this course nor one of its '
                "competency areas",
            )
    size = fields["questions_per_attempt"]
    if size and size > len(bank):
        m.problem(
            "questions_per_attempt",
            f"is {size} but the knowledge check has only {len(bank)} questions",
        )


def _check_stream(m: _Mapping, key: str, stream_block, fields: dict) -> None:
    """Run the admin's own validation on the finished StreamField data as a last check, so
    that the loader never publishes what a trainer could not save."""
    if any(problem.startswith(f"{m.file}:") for problem in m.problems.items):
        return  # already reported in the writer's terms
    try:
        stream_block.clean(stream_block.to_python(fields[key]))
    except StreamBlockValidationError as exc:
        for location, message in _flatten_errors(exc.as_json_data()):
            m.problem(f"{key}{location}", message)


def _flatten_errors(data, location=""):
    if isinstance(data, dict):
        for message in data.get("messages", []):
            yield location, message
        for name, child in (data.get("blockErrors") or {}).items():
            step = f"[{name}]" if isinstance(name, int) or str(name).isdigit() else f".{name}"
            yield from _flatten_errors(child, location + step)
    elif isinstance(data, list):
        for item in data:
            yield from _flatten_errors(item, location)


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"{where}{problem}" + (f" ({context})" if context else "")


def _prerequisite_order(courses: list[CourseSource], problems: _Problems) -> list[CourseSource]:
    """Courses in an order where every prerequisite comes first; unknown slugs and cycles are
    problems."""
    by_slug = {c.slug: c for c in courses}
    for course in courses:
        for i, slug in enumerate(course.prerequisite_slugs):
            if slug not in by_slug:
                problems.add(course.file, f"prerequisites[{i}]", f'no course has the slug "{slug}"')
            elif slug == course.slug:
                problems.add(course.file, f"prerequisites[{i}]", "a course cannot require itself")
    ordered: list[CourseSource] = []
    state: dict[str, str] = {}

    def visit(course: CourseSource, trail: list[str]) -> None:
        if state.get(course.slug) == "done":
            return
        if state.get(course.slug) == "visiting":
            cycle = " -> ".join([*trail[trail.index(course.slug) :], course.slug])
            problems.add(
                course.file, "prerequisites", f"prerequisites go round in a circle: {cycle}"
            )
            return
        state[course.slug] = "visiting"
        for slug in course.prerequisite_slugs:
            if slug in by_slug and slug != course.slug:
                visit(by_slug[slug], [*trail, course.slug])
        state[course.slug] = "done"
        ordered.append(course)

    for course in courses:
        visit(course, [])
    return ordered


def read_curriculum(source_dir: Path = DEFAULT_SOURCE) -> Curriculum:
    """Read and check every file; raise ``CurriculumError`` listing every problem found."""
    source_dir = Path(source_dir)
    reader = _Reader(source_dir)
    if not source_dir.is_dir():
        raise CurriculumError([f"{source_dir}: the curriculum folder does not exist"])
    tiers = reader.tiers()
    areas = reader.areas()
    tier_codes = {t.code for t in tiers}
    area_keys = {a.key for a in areas}

    courses: list[CourseSource] = []
    course_files = sorted((source_dir / "courses").glob("*.yaml"))
    if not course_files:
        reader.problems.add(reader.label(source_dir / "courses"), "", "holds no course files")
    slugs: dict[str, str] = {}
    for path in course_files:
        course = reader.course(path, tier_codes, area_keys)
        if course is None or not course.slug:
            continue
        if course.slug in slugs:
            reader.problems.add(
                course.file, "slug", f'"{course.slug}" is also the slug of {slugs[course.slug]}'
            )
            continue
        slugs[course.slug] = course.file
        courses.append(course)
    courses = _prerequisite_order(courses, reader.problems)

    pages = []
    for path in sorted((source_dir / "pages").glob("*.yaml")):
        page = reader.page(path)
        if page is not None:
            pages.append(page)

    glossary = reader.glossary()

    if reader.problems.items:
        raise CurriculumError(reader.problems.items)
    return Curriculum(tiers=tiers, areas=areas, courses=courses, pages=pages, glossary=glossary)
