"""Content models: the framework taxonomy (snippets) and the page tree.

Page type rules keep the tree sound: HomePage > CourseIndexPage (one) > CoursePage > ModulePage,
with StandardPage (about, accessibility statement) under the HomePage; nothing under a module.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, Revision
from wagtail.search import index

from .blocks import RICH_TEXT_FEATURES, KnowledgeCheckStreamBlock, LessonStreamBlock

STANDARD_PAGE_FEATURES = ["h2", *RICH_TEXT_FEATURES]


class Tier(index.Indexed, models.Model):
    """A level of practice in the framework (Informed, Skilled, Enhanced, Specialist).

    The single tier model of the project: job roles require one, courses belong to one, and
    practitioners hold one.
    """

    code = models.CharField(max_length=10, unique=True, help_text="A short code, e.g. T2.")
    name = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(
        unique=True, help_text="1 for the entry level; higher numbers are higher levels."
    )
    refresher_months = models.PositiveSmallIntegerField(
        default=36,
        help_text="How long training at this tier stays current before a refresher is due "
        "(courses may override it).",
    )

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("order"),
        FieldPanel("refresher_months"),
        FieldPanel("description"),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("code")]

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return f"{self.code} {self.name}"


class CompetencyArea(index.Indexed, models.Model):
    """One of the framework's competency areas (e.g. "Infant states, cues and communication")."""

    key = models.SlugField(max_length=60, unique=True, help_text="A short, stable identifier.")
    name = models.CharField(max_length=160, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    panels = [FieldPanel("name"), FieldPanel("key"), FieldPanel("order"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.SearchField("description")]

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "competency area"

    def __str__(self):
        return self.name


class HomePage(Page):
    """The front page of the site."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.CourseIndexPage", "content.StandardPage"]

    class Meta:
        verbose_name = "home page"


class StandardPage(Page):
    """A simple page under the home page, e.g. "About" or "Accessibility statement"."""

    body = RichTextField(features=STANDARD_PAGE_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["content.HomePage"]
    subpage_types: list = []
    template = "content/standard_page.html"

    class Meta:
        verbose_name = "standard page"


class CourseIndexPage(Page):
    """The course catalogue at /courses/: every live course, filterable by tier, competency area
    and "required for my role"."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = "course catalogue"

    def get_context(self, request, *args, **kwargs):
        from .views import catalogue_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_context(self, request))
        return context


# The large columns of a course (rich text and the knowledge check's questions): lists that show
# a course's title, tier and dates leave them out (``.defer(*COURSE_BODY_FIELDS)``), so that each
# row does not carry and decode them.
COURSE_BODY_FIELDS = (
    "introduction",
    "audience",
    "learning_outcomes",
    "references",
    "knowledge_check",
)


class CoursePage(Page):
    """A course: its place in the framework, what it teaches, how it is assessed and how long
    it stays current. Its modules are its child pages, in order.

    A course is e-learning (modules and knowledge check), a workshop (face to face or live
    online sessions, scheduled under Workshops in the admin) or blended (both: the course
    completes when the modules are done and the learner attended a workshop session)."""

    class Delivery(models.TextChoices):
        E_LEARNING = "e_learning", "E-learning"
        WORKSHOP = "workshop", "Workshop or live session"
        BLENDED = "blended", "Blended (e-learning and a workshop)"

    class WorkshopOrder(models.TextChoices):
        ANY = "any", "In any order"
        AFTER_MODULES = "after_modules", "After the modules (book once the modules are done)"

    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="courses")
    competency_areas = ParentalManyToManyField(CompetencyArea, blank=True, related_name="courses")
    required_for_tier = models.BooleanField(
        default=True,
        help_text="Part of the core training everyone at this tier (and above) must complete.",
    )
    summary = models.TextField(max_length=300, help_text="One paragraph for the catalogue.")
    audience = models.TextField(blank=True, help_text="Who the course is for.")
    introduction = RichTextField(blank=True, features=RICH_TEXT_FEATURES)
    learning_outcomes = StreamField(
        [("outcome", blocks.CharBlock(max_length=300, label="By the end you will be able to…"))],
        blank=True,
    )
    estimated_minutes = models.PositiveIntegerField(default=60)
    cpd_hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        help_text="Continuing professional development hours, e.g. 1.5 or 1.75.",
    )
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Months a completion stays current before a refresher is due. Leave empty to "
        "use the tier's default.",
    )
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent."
    )
    max_attempts = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=3,
        help_text="Attempts allowed at the knowledge check per cycle. Empty for no limit.",
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="How many questions each attempt draws from the knowledge-check bank, sampling "
        "every group. Empty to ask every question. A bank of at least twice this number lets a "
        "retry show different questions.",
    )
    retry_cooldown_minutes = models.PositiveIntegerField(
        default=10, help_text="Minutes a learner waits after a failed attempt before retrying."
    )
    prerequisites = ParentalManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by"
    )
    issues_certificate = models.BooleanField(default=True)
    delivery = models.CharField(
        max_length=20,
        choices=Delivery.choices,
        default=Delivery.E_LEARNING,
        help_text="Workshop and blended courses complete when the learner attended a session.",
    )
    workshop_order = models.CharField(
        max_length=20,
        choices=WorkshopOrder.choices,
        default=WorkshopOrder.ANY,
        help_text="Blended courses: when the workshop may be booked.",
    )
    workshop_needs_approval = models.BooleanField(
        "places need a manager's approval",
        default=False,
        help_text="A practitioner's request for a place on a session waits for one of their "
        "managers to approve it; a manager booking for their staff approves as they book.",
    )
    references = RichTextField(
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text="The published research and national guidance the course draws on, cited "
        "(author, year, title, publisher or journal), as a list.",
    )
    knowledge_check = StreamField(KnowledgeCheckStreamBlock(), blank=True)
    # Which revision the curriculum loader last published; a different live revision means a
    # trainer has edited the course since, and the loader leaves it alone.
    curriculum_revision_id = models.PositiveIntegerField(null=True, blank=True, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("introduction"),
        FieldPanel("learning_outcomes"),
        FieldPanel("audience"),
        FieldPanel("knowledge_check"),
        FieldPanel("references"),
    ]
    framework_panels = [
        FieldPanel("tier"),
        FieldPanel("required_for_tier"),
        FieldPanel("competency_areas", widget=forms.CheckboxSelectMultiple),
        FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
        FieldPanel("estimated_minutes"),
        FieldPanel("cpd_hours"),
        FieldPanel("validity_months"),
        FieldPanel("pass_mark"),
        FieldPanel("questions_per_attempt"),
        FieldPanel("max_attempts"),
        FieldPanel("retry_cooldown_minutes"),
        FieldPanel("issues_certificate"),
        FieldPanel("delivery"),
        FieldPanel("workshop_order"),
        FieldPanel("workshop_needs_approval"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(framework_panels, heading="Framework and assessment"),
            ObjectList(Page.promote_panels, heading="Promote"),
        ]
    )
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("introduction"),
        index.SearchField("audience"),
        index.SearchField("references"),
        index.FilterField("tier"),
    ]
    parent_page_types = ["content.CourseIndexPage"]
    subpage_types = ["content.ModulePage"]

    class Meta:
        verbose_name = "course"

    @property
    def has_workshop(self) -> bool:
        return self.delivery in (self.Delivery.WORKSHOP, self.Delivery.BLENDED)

    @property
    def effective_validity_months(self) -> int:
        return self.validity_months or self.tier.refresher_months

    def modules(self):
        """Live modules in order."""
        return ModulePage.objects.child_of(self).live().order_by("path")

    def at_revision(self, revision_id: int) -> "CoursePage":
        """The course as it was in one of its revisions (e.g. the one a learner completed), with
        that revision's knowledge check and settings. Raises ``Revision.DoesNotExist``."""
        revision = Revision.page_revisions.get(pk=revision_id, object_id=str(self.pk))
        return revision.as_object()

    def get_context(self, request, *args, **kwargs):
        from . import directory
        from .selectors import page_fragment_key

        context = super().get_context(request, *args, **kwargs)
        tree = directory.on_request(request)
        if getattr(request, "is_preview", False) or self.pk not in tree.pages:
            # Through the in-memory relations so that previews of a draft show its choices.
            context["module_list"] = list(self.modules())
            context["prerequisite_list"] = [
                course for course in self.prerequisites.all().order_by("path") if course.live
            ]
            context["competency_area_list"] = list(self.competency_areas.all())
        else:  # the live course: from the cached page directory
            context["module_list"] = [
                m for m in tree.live_children(self) if isinstance(m, ModulePage)
            ]
            context["prerequisite_list"] = tree.prerequisites_of(self.pk)
            context["competency_area_list"] = tree.competency_areas_of(self.pk)
        context["course_fragment_key"] = page_fragment_key(request, self)
        if self.has_workshop:
            from courses.workshops.selectors import upcoming_sessions

            context["workshop_sessions"] = list(upcoming_sessions(self))
        return context

    def questions(self) -> list:
        """The knowledge-check question blocks (the whole bank), in order."""
        return [block for block in self.knowledge_check if block.block_type == "question"]

    def question_count(self) -> int:
        """The size of the bank, from the knowledge check's stored form (no block is built)."""
        return sum(1 for block in self.knowledge_check.raw_data if block["type"] == "question")

    @property
    def attempt_size(self) -> int:
        """How many questions one attempt asks: ``questions_per_attempt``, at most the bank."""
        bank = self.question_count()
        return min(self.questions_per_attempt or bank, bank)

    def clean(self):
        super().clean()
        bank = len(self.questions())
        if self.questions_per_attempt and self.questions_per_attempt > bank:
            raise ValidationError(
                {
                    "questions_per_attempt": f"The knowledge check has {bank} question"
                    f"{'s' if bank != 1 else ''}; an attempt cannot draw more than that."
                }
            )


class ModulePage(Page):
    """A module (lesson) of a course: ordered content blocks a learner works through."""

    summary = models.CharField(max_length=300, blank=True)
    estimated_minutes = models.PositiveIntegerField(default=20)
    body = StreamField(LessonStreamBlock(), blank=True)
    scorm_package = models.ForeignKey(
        "scorm.ScormPackage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="modules",
        verbose_name="SCORM package",
        help_text="E-learning to play in this module (upload it under SCORM packages). The "
        "module completes when the learner completes every part of it (and passes, where the "
        "package reports a result).",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("scorm_package"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["content.CoursePage"]
    subpage_types: list = []

    class Meta:
        verbose_name = "module"

    def clean(self):
        super().clean()
        if not self.scorm_package_id and not len(self.body):
            raise ValidationError(
                {"body": "Add some content to the module, or choose a SCORM package for it."}
            )

    @property
    def course(self) -> CoursePage:
        return CoursePage.objects.get(pk=self.get_parent().pk)

    def reflection_blocks(self) -> list:
        return [block for block in self.body if block.block_type == "reflection"]

    def reflection_count(self) -> int:
        """How many reflection prompts the lesson has, from its stored form (no block is built)."""
        return sum(1 for block in self.body.raw_data if block["type"] == "reflection")

    def question_blocks(self) -> list:
        """Inline self-check questions (not scored)."""
        return [block for block in self.body if block.block_type == "question"]

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_fragment_key, module_navigation_on_request

        context = super().get_context(request, *args, **kwargs)
        context.update(module_navigation_on_request(request, self))
        context["lesson_fragment_key"] = lesson_fragment_key(request, self)
        return context


class CurriculumRecord(models.Model):
    """What the curriculum loader last wrote for one item of the source files.

    The loader's own bookkeeping, kept apart from the content so that trainers' edits never
    touch it: with it the loader tells "unchanged since the last load" from "edited in the admin
    since" (leave it alone) and from "deleted in the admin" (do not bring it back).
    """

    key = models.CharField(max_length=255, unique=True, help_text='e.g. "course:states-and-cues".')
    object_id = models.PositiveBigIntegerField(
        help_text="The snippet or page the item was loaded into."
    )
    source_hash = models.CharField(max_length=64, help_text="Fingerprint of the source item.")
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="Fingerprint of the snippet's fields as loaded."
    )
    revision_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The page revision the loader published."
    )
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "curriculum load record"

    def __str__(self):
        return self.key
