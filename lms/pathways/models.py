"""A region's local pathways (or the neutral default, or a labelled example of one nation)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from content.blocks import PATHWAY_TOPICS

from .forms import LocalPathwaysForm

FEATURES = ["bold", "italic", "ul", "link"]


def _section(label: str, help_text: str) -> RichTextField:
    return RichTextField(label, blank=True, features=FEATURES, help_text=help_text)


class LocalPathways(index.Indexed, models.Model):
    class Use(models.TextChoices):
        REGION = "region", "A region's own pathways"
        DEFAULT = "default", "The default, for people whose region has set nothing"
        EXAMPLE = "example", "A labelled example of one nation's pathways, shown in lessons"

    name = models.CharField(
        max_length=120, help_text='As learners see it, e.g. "North Coast Region".'
    )
    use = models.CharField(max_length=10, choices=Use.choices, default=Use.REGION)
    region = models.OneToOneField(
        "workforce.OrganisationUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="local_pathways",
        limit_choices_to={"kind": "region"},
        help_text="Whose pathways these are (regions only). Everyone working in an organisation "
        "or team of the region sees them.",
    )
    nation = models.CharField(
        max_length=60,
        blank=True,
        help_text='For an example: the nation it belongs to, e.g. "Northern Ireland".',
    )
    child_health_programme = _section(
        PATHWAY_TOPICS["child_health_programme"],
        "The universal programme of health visiting reviews and how to reach the team.",
    )
    safeguarding = _section(
        PATHWAY_TOPICS["safeguarding"],
        "Who to ask for safeguarding advice, how to refer, and out of hours.",
    )
    early_help = _section(
        PATHWAY_TOPICS["early_help"], "Early help and family support services, and how to refer."
    )
    perinatal_mental_health = _section(
        PATHWAY_TOPICS["perinatal_mental_health"],
        "Specialist perinatal mental health team, talking therapies, urgent help.",
    )
    parent_infant_team = _section(
        PATHWAY_TOPICS["parent_infant_team"],
        "Parent-infant relationship services and who may refer.",
    )
    helplines = _section(PATHWAY_TOPICS["helplines"], "Helplines for parents and urgent help.")
    updated_at = models.DateTimeField(auto_now=True)

    SECTIONS = tuple(PATHWAY_TOPICS)
    base_form_class = LocalPathwaysForm

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("use"), FieldPanel("region"), FieldPanel("nation")],
            heading="Whose pathways",
        ),
        *[FieldPanel(name) for name in PATHWAY_TOPICS],
    ]
    search_fields = [index.SearchField("name"), index.SearchField("nation")]

    class Meta:
        ordering = ["use", "name"]
        verbose_name = "local pathways"
        verbose_name_plural = "local pathways"
        constraints = [
            models.UniqueConstraint(
                fields=["use"], condition=Q(use="default"), name="pathways_one_default"
            ),
            models.CheckConstraint(
                condition=Q(use="region", region__isnull=False)
                | (~Q(use="region") & Q(region__isnull=True)),
                name="pathways_region_only_for_regions",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.use == self.Use.REGION and self.region_id is None:
            raise ValidationError({"region": "Choose the region these pathways are for."})
        if self.use != self.Use.REGION and self.region_id is not None:
            raise ValidationError(
                {"region": "Only a region's own pathways have a region; leave it empty."}
            )
        if self.region_id and self.region.kind != "region":
            raise ValidationError({"region": "Choose a region, not an organisation or a team."})
        if self.use == self.Use.EXAMPLE and not self.nation.strip():
            raise ValidationError({"nation": "Say which nation this is an example of."})
        if (
            self.use == self.Use.DEFAULT
            and LocalPathways.objects.filter(use=self.Use.DEFAULT).exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"use": "There is already a default; edit that one instead."})

    def sections(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.SECTIONS}
