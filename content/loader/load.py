"""Writing the curriculum into the database: snippets and published pages.

Idempotent: each source item has a ``CurriculumRecord`` saying what the loader last wrote.
- Nothing changed in the file: nothing is written (no new revision).
- The file changed and nobody has touched the page in the admin since: a new revision is saved
  and published (``save_revision().publish()``), so history and learners' records of earlier
  revisions stay intact.
- A trainer has edited the page since the last load (its live or latest revision is not the
  one the loader published): the page is left alone and the report says so. The same for a
  snippet whose fields no longer match what the loader wrote.
- A page deleted in the admin is not brought back (unless ``restore_deleted``).
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from wagtail.models import Page, Site, WorkflowPage

from content.glossary.models import GlossaryTerm
from content.models import (
    CompetencyArea,
    CourseIndexPage,
    CoursePage,
    CurriculumRecord,
    HomePage,
    ModulePage,
    StandardPage,
    Tier,
)
from content.moderation import ensure_catalogue_moderation

from .source import (
    DEFAULT_SOURCE,
    CourseSource,
    Curriculum,
    CurriculumError,
    fingerprint,
    read_curriculum,
)

CATALOGUE_TITLE = "Courses"
CATALOGUE_SLUG = "courses"
CATALOGUE_INTRO = (
    "<p>Every course in the infant mental health training framework, from <b>Informed</b> "
    "(for everyone who meets families with babies) to <b>Specialist</b>. Choose a level or a "
    "competency area, or show only the courses your role requires.</p>"
)

CREATED, UPDATED, UNCHANGED, KEPT = "created", "updated", "unchanged", "kept"


@dataclass
class LoadReport:
    dry_run: bool = False
    lines: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, outcome: str, label: str, detail: str = "") -> None:
        self.counts[outcome] += 1
        self.lines.append(f"{outcome:>9}  {label}" + (f": {detail}" if detail else ""))

    def note(self, text: str) -> None:
        self.lines.append(f"{'':>9}  {text}")

    @property
    def kept(self) -> list[str]:
        return [line for line in self.lines if line.lstrip().startswith(KEPT)]

    def summary(self) -> str:
        parts = [f"{self.counts[k]} {k}" for k in (CREATED, UPDATED, UNCHANGED, KEPT)]
        prefix = "Dry run, nothing saved: would have " if self.dry_run else ""
        return prefix + ", ".join(parts) + "."


class _DryRun(Exception):
    pass


def load_curriculum(
    *, source_dir: Path = DEFAULT_SOURCE, dry_run: bool = False, restore_deleted: bool = False
) -> LoadReport:
    """Load the curriculum files into the database.

    Reads and checks every file first (``CurriculumError`` lists every problem, and nothing is
    written); then writes everything in one transaction. ``dry_run`` does the whole load and
    rolls it back, so the report says exactly what a real run would do.
    """
    curriculum = read_curriculum(source_dir)
    report = LoadReport(dry_run=dry_run)
    loader = _Loader(curriculum, report, restore_deleted=restore_deleted)
    try:
        with transaction.atomic():
            loader.run()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except (ValidationError, IntegrityError) as exc:
        # The files are valid but clash with what is in the site (e.g. a tier order a trainer
        # gave to another tier): nothing is saved, and the message says where.
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise CurriculumError(
            [f"{loader.current}: cannot be saved: {'; '.join(messages)}"]
        ) from None
    return report


class _Loader:
    def __init__(self, curriculum: Curriculum, report: LoadReport, *, restore_deleted: bool):
        self.curriculum = curriculum
        self.report = report
        self.restore_deleted = restore_deleted
        self.current = ""  # the item being written, for error messages
        self.tiers: dict[str, Tier] = {}
        self.areas: dict[str, CompetencyArea] = {}
        self.courses: dict[str, CoursePage] = {}

    def run(self) -> None:
        for tier in self.curriculum.tiers:
            self.tiers[tier.code] = self.snippet(
                Tier, "code", tier.code, tier.fields, f"tier:{tier.code}", f"Tier {tier.code}"
            )
        for area in self.curriculum.areas:
            self.areas[area.key] = self.snippet(
                CompetencyArea,
                "key",
                area.key,
                area.fields,
                f"area:{area.key}",
                f"Competency area {area.key}",
            )
        self.glossary()
        home = self.home_page()
        catalogue = self.catalogue(home)
        for course in self.curriculum.courses:
            self.course(catalogue, course)
        for source in self.curriculum.pages:
            self.page(
                home,
                StandardPage,
                f"page:{source.slug}",
                source.source_hash,
                source.fields,
                f"Page /{source.slug}/",
                lambda page, fields=source.fields: _set_fields(page, fields),
            )

    # Snippets -------------------------------------------------------------------------------

    def glossary(self) -> None:
        """The glossary terms, then their related terms (which need every term in place). A
        term's related terms are set when the loader writes the term, never over an edit."""
        terms = {}
        for source in self.curriculum.glossary:
            before = self.report.counts[KEPT] + self.report.counts[UNCHANGED]
            term = self.snippet(
                GlossaryTerm,
                "slug",
                source.slug,
                source.fields,
                f"glossary:{source.slug}",
                f"Glossary term {source.slug}",
            )
            written = self.report.counts[KEPT] + self.report.counts[UNCHANGED] == before
            terms[source.slug] = (term, source, written)
        for term, source, written in terms.values():
            if written:
                term.related_terms.set([terms[slug][0] for slug in source.related if slug in terms])

    def snippet(self, model, lookup: str, value: str, fields: dict, key: str, label: str):
        self.current = label
        record = CurriculumRecord.objects.filter(key=key).first()
        source_hash = fingerprint(fields)
        obj = None
        if record is not None:
            obj = model.objects.filter(pk=record.object_id).first()
        if obj is None:
            obj = model.objects.filter(**{lookup: value}).first()
            if obj is not None and record is not None:
                # Same code, different row (recreated in the admin): adopt it as it is.
                record = None
        if obj is None:
            obj = model(**fields)
            obj.full_clean()
            obj.save()
            self.record(key, obj, source_hash, content_hash=_field_hash(obj, fields))
            self.report.add(CREATED, label)
            return obj
        current = _field_hash(obj, fields)
        if record is not None and current != record.content_hash:
            self.report.add(KEPT, label, "edited in the admin since the last load")
            return obj
        if record is not None and record.source_hash == source_hash:
            self.report.add(UNCHANGED, label)
            return obj
        changed = [name for name, new in fields.items() if getattr(obj, name) != new]
        for name in changed:
            setattr(obj, name, fields[name])
        if changed:
            obj.full_clean()
            obj.save()
        self.record(key, obj, source_hash, content_hash=_field_hash(obj, fields))
        if changed:
            self.report.add(UPDATED, label, ", ".join(changed))
        else:
            self.report.add(UNCHANGED, label)
        return obj

    def record(self, key, obj, source_hash, *, content_hash="", revision_id=None) -> None:
        CurriculumRecord.objects.update_or_create(
            key=key,
            defaults={
                "object_id": obj.pk,
                "source_hash": source_hash,
                "content_hash": content_hash,
                "revision_id": revision_id,
            },
        )

    # Pages ----------------------------------------------------------------------------------

    def home_page(self) -> Page:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        root = site.root_page.specific if site else None
        if not isinstance(root, HomePage):
            root = HomePage.objects.first()
        if root is None:
            raise CurriculumError(
                ["There is no home page to load the curriculum under: run `manage.py migrate`."]
            )
        return root

    def catalogue(self, home: HomePage) -> CourseIndexPage:
        catalogue = CourseIndexPage.objects.first()
        if catalogue is None:
            catalogue = CourseIndexPage(
                title=CATALOGUE_TITLE, slug=CATALOGUE_SLUG, intro=CATALOGUE_INTRO, live=False
            )
            home.add_child(instance=catalogue)
            revision = catalogue.save_revision(log_action=True)
            revision.publish()
            self.report.add(CREATED, f"Course catalogue /{CATALOGUE_SLUG}/")
        else:
            self.report.add(UNCHANGED, f"Course catalogue ({catalogue.title})")
        if not WorkflowPage.objects.filter(page=catalogue).exists():
            for change in ensure_catalogue_moderation(catalogue):
                self.report.note(f"Moderation on the catalogue: {change}")
        return catalogue

    def course(self, catalogue: CourseIndexPage, source: CourseSource) -> None:
        label = f"Course {source.slug}"
        key = f"course:{source.slug}"
        tier = self.tiers[source.tier_code]

        def apply(page: CoursePage) -> None:
            _set_fields(page, source.fields)
            page.tier = tier
            page.competency_areas.set([self.areas[k] for k in source.area_keys])
            page.prerequisites.set(
                [self.courses[s] for s in source.prerequisite_slugs if s in self.courses]
            )

        page, outcome = self.page(
            catalogue, CoursePage, key, source.source_hash, source.fields, label, apply
        )
        if page is None:
            self.report.note(f"{label}: no course page, so its modules were not loaded")
            return
        self.courses[source.slug] = page
        missing = [s for s in source.prerequisite_slugs if s not in self.courses]
        if missing and outcome in (CREATED, UPDATED):
            self.report.note(f"{label}: prerequisites not in the site: {', '.join(missing)}")
        record = CurriculumRecord.objects.get(key=key) if outcome != KEPT else None
        if record and page.curriculum_revision_id != record.revision_id:
            # The revision the loader published, also kept on the course itself.
            CoursePage.objects.filter(pk=page.pk).update(curriculum_revision_id=record.revision_id)

        modules = []
        for module in source.modules:
            module_page, _ = self.page(
                page,
                ModulePage,
                f"module:{source.slug}/{module.slug}",
                module.source_hash,
                module.fields,
                f"Module {source.slug}/{module.slug}",
                lambda p, fields=module.fields: _set_fields(p, fields),
            )
            if module_page is not None:
                modules.append(module_page)
        if outcome != KEPT:
            self.order_modules(label, modules)

    def page(self, parent, model, key, source_hash, fields, label, apply):
        """Create, update or leave one page. Returns the page (None when there is none to use)
        and what happened to it."""
        self.current = label
        record = CurriculumRecord.objects.filter(key=key).first()
        if record is not None:
            page = model.objects.filter(pk=record.object_id).first()
            if page is None and not self.restore_deleted:
                self.report.add(
                    KEPT,
                    label,
                    "deleted in the admin since the last load, so not recreated "
                    "(load with --restore-deleted to bring it back)",
                )
                return None, KEPT
            if page is None:
                record.delete()
                record = None
        if record is None:
            existing = model.objects.child_of(parent).filter(slug=fields["slug"]).first()
            if existing is not None:
                self.report.add(
                    KEPT,
                    label,
                    f"a page at {existing.url_path} exists that the loader did not make; "
                    "left as it is",
                )
                return existing, KEPT
            page = model(live=False)
            apply(page)
            parent.add_child(instance=page)
            revision = page.save_revision(log_action=True)
            revision.publish()
            self.record(key, page, source_hash, revision_id=revision.pk)
            self.report.add(CREATED, label)
            return model.objects.get(pk=page.pk), CREATED

        # Anything but "live and latest revision are the loader's" means someone worked on it.
        edited = record.revision_id != page.live_revision_id or (
            record.revision_id != page.latest_revision_id
        )
        if edited:
            if not page.live:
                why = "unpublished in the admin since the last load"
            elif page.live_revision_id != record.revision_id:
                why = "a trainer has published changes since the last load"
            else:
                why = "it has changes in draft or in review since the last load"
            self.report.add(KEPT, label, f"{why}; their version is kept")
            return page, KEPT
        if record.source_hash == source_hash:
            self.report.add(UNCHANGED, label)
            return page, UNCHANGED
        apply(page)
        revision = page.save_revision(log_action=True)
        revision.publish()
        self.record(key, page, source_hash, revision_id=revision.pk)
        self.report.add(UPDATED, label)
        return model.objects.get(pk=page.pk), UPDATED

    def order_modules(self, label: str, modules: list[ModulePage]) -> None:
        """Put the loader's modules in the order of the file, leaving any other pages a trainer
        added where they are relative to each other."""
        previous = None
        moved = False
        for module in modules:
            current = Page.objects.get(pk=module.pk)
            if previous is not None and current.path < previous.path:
                current.move(previous, pos="right")
                current = Page.objects.get(pk=module.pk)
                moved = True
            previous = current
        if moved:
            self.report.note(f"{label}: modules put in the order of the file")


def _set_fields(page: Page, fields: dict) -> None:
    for name, value in fields.items():
        setattr(page, name, value)


def _field_hash(obj, fields: dict) -> str:
    return fingerprint({name: getattr(obj, name) for name in fields})
