"""StreamField blocks for lessons and knowledge checks.

Questions live with the content (trainers edit them together); their block ids and their options'
ids are stable across revisions, so learners' answers and analytics refer to them safely.
"""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.safestring import mark_safe
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from .diagrams import DIAGRAMS

# Diagrams whose printable parent handout (``content.handouts``) is offered beside them.
HANDOUT_OF_DIAGRAM = {
    "infant_states": "states-and-cues",
    "cue_types": "states-and-cues",
    "comfort_plan": "crying-and-comfort",
}

RICH_TEXT_FEATURES = [
    "h3",
    "h4",
    "bold",
    "italic",
    "ol",
    "ul",
    "blockquote",
    "link",
    "document-link",
]


class InfantState:
    """The six behavioural states of a young baby, lightest sleep to crying."""

    CHOICES = [
        ("deep_sleep", "Deep sleep"),
        ("light_sleep", "Light (active) sleep"),
        ("drowsy", "Drowsy"),
        ("quiet_alert", "Quiet alert"),
        ("active_alert", "Active alert"),
        ("crying", "Crying"),
    ]
    LABELS = dict(CHOICES)


class TextBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        super().__init__(features=RICH_TEXT_FEATURES, **kwargs)

    class Meta:
        icon = "pilcrow"
        label = "Text"
        template = "content/blocks/text.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        help_text="Describe what the image shows for people who cannot see it. Required.",
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "content/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text="A link to the video, e.g. on YouTube or Vimeo.")
    title = blocks.CharBlock(max_length=200)
    transcript = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        help_text="A full transcript, for people who cannot hear or watch the video. Required.",
    )

    class Meta:
        icon = "media"
        template = "content/blocks/video.html"


class KeyPointsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, default="Key points", max_length=120)
    points = blocks.ListBlock(blocks.CharBlock(max_length=500), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "content/blocks/key_points.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "content/blocks/quote.html"


class CaseScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    scenario = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        help_text="A composite, fictional family. Never use details of real families.",
    )
    questions = blocks.ListBlock(
        blocks.CharBlock(max_length=500), required=False, label="Questions to think about"
    )
    commentary = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        required=False,
        help_text="Shown when the learner chooses to reveal it, after thinking it through.",
    )

    class Meta:
        icon = "doc-full"
        template = "content/blocks/case_scenario.html"


class StateCardBlock(blocks.StructBlock):
    state = blocks.ChoiceBlock(choices=InfantState.CHOICES)
    what_you_see = blocks.TextBlock()
    what_it_means = blocks.TextBlock()
    how_to_respond = blocks.TextBlock()

    class Meta:
        icon = "user"
        label = "Infant state card"
        template = "content/blocks/state_card.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["state_label"] = InfantState.LABELS.get(value["state"], value["state"])
        return context


class CueCardBlock(blocks.StructBlock):
    CUE_TYPES = [("engagement", "Engagement"), ("disengagement", "Disengagement")]
    STRENGTHS = [("potent", "Potent"), ("subtle", "Subtle")]

    cue_type = blocks.ChoiceBlock(choices=CUE_TYPES)
    strength = blocks.ChoiceBlock(choices=STRENGTHS)
    title = blocks.CharBlock(max_length=200)
    examples = blocks.ListBlock(blocks.CharBlock(max_length=200), min_num=1)
    how_to_respond = blocks.TextBlock(required=False)

    class Meta:
        icon = "view"
        label = "Cue card"
        template = "content/blocks/cue_card.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["cue_type_label"] = dict(self.CUE_TYPES).get(value["cue_type"], "")
        context["strength_label"] = dict(self.STRENGTHS).get(value["strength"], "")
        return context


class ReflectionPromptBlock(blocks.StructBlock):
    """The learner writes a private answer, saved against this block's id."""

    prompt = blocks.TextBlock()
    guidance = blocks.TextBlock(
        required=False, help_text="Optional: what a good reflection might cover."
    )

    class Meta:
        icon = "edit"
        label = "Reflection prompt"
        template = "content/blocks/reflection.html"


class ResourceBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    title = blocks.CharBlock(required=False, max_length=200)
    description = blocks.TextBlock(required=False)

    class Meta:
        icon = "download"
        label = "Downloadable resource"
        template = "content/blocks/resource.html"


class DiagramBlock(blocks.StructBlock):
    """One of the project's own diagrams (``content.diagrams``), with its text alternative."""

    diagram = blocks.ChoiceBlock(choices=[(key, d.title) for key, d in DIAGRAMS.items()])
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        label = "Diagram"
        template = "content/blocks/diagram.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        diagram = DIAGRAMS.get(value["diagram"])
        block_id = (parent_context or {}).get("block_id") or value["diagram"]
        context["diagram"] = diagram
        context["svg"] = mark_safe(diagram.svg(f"diagram-{block_id}")) if diagram else ""  # noqa: S308 (drawn by our code, text escaped)
        from .handouts import HANDOUTS

        context["handout"] = HANDOUTS.get(HANDOUT_OF_DIAGRAM.get(value["diagram"], ""))
        return context


# The parts of a region's local pathways, in the order lessons show them. Each region sets its
# own in the admin (``lms.pathways``); content knows only these names.
PATHWAY_TOPICS = {
    "child_health_programme": "Universal child health programme",
    "safeguarding": "Safeguarding advice and referral",
    "early_help": "Early help and family support",
    "perinatal_mental_health": "Perinatal mental health services",
    "parent_infant_team": "Parent-infant relationship support",
    "helplines": "Helplines and urgent help",
}


class LocalPathwaysBlock(blocks.StructBlock):
    """The learner's own region's contacts and services for the topics chosen, where a lesson
    would otherwise name one nation's programmes; with the default where the region has set
    nothing, and optionally labelled examples from the UK nations."""

    heading = blocks.CharBlock(max_length=120, default="Your local pathways")
    intro = blocks.TextBlock(
        required=False, help_text="Optional: one or two sentences on when to use these routes."
    )
    topics = blocks.MultipleChoiceBlock(
        choices=list(PATHWAY_TOPICS.items()),
        required=False,
        help_text="The parts of the pathways this lesson needs. None chosen: all of them.",
    )
    show_examples = blocks.BooleanBlock(
        required=False,
        default=True,
        help_text="Also show, folded away, how these look in the nations with examples set.",
    )

    class Meta:
        icon = "site"
        label = "Local pathways"
        template = "content/blocks/local_pathways.html"

    def get_context(self, value, parent_context=None):
        from .selectors import local_pathways_on_request

        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        pathways = local_pathways_on_request(request)
        chosen = [t for t in PATHWAY_TOPICS if t in (value.get("topics") or PATHWAY_TOPICS)]
        context["pathways"] = pathways
        context["sections"] = _pathway_sections(pathways.get("sections", {}), chosen)
        context["examples"] = [
            {"name": example["name"], "sections": _pathway_sections(example["sections"], chosen)}
            for example in (pathways.get("examples", []) if value.get("show_examples") else [])
        ]
        return context


def _pathway_sections(sections: dict, chosen: list[str]) -> list[dict]:
    return [
        {"key": topic, "label": PATHWAY_TOPICS[topic], "html": sections[topic]}
        for topic in chosen
        if sections.get(topic)
    ]


class AnswerOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=500)
    correct = blocks.BooleanBlock(required=False)
    feedback = blocks.TextBlock(help_text="Shown after answering: why this is right or wrong.")

    class Meta:
        icon = "radio-full"
        label = "Option"


class QuestionBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("single", "Single choice"), ("multiple", "Multiple choice")],
        default="single",
    )
    question = blocks.TextBlock()
    options = blocks.ListBlock(AnswerOptionBlock(), min_num=2, max_num=8)
    group = blocks.CharBlock(
        required=False,
        max_length=100,
        help_text="The module or competency area this question samples (e.g. the module's slug). "
        "When a course draws fewer questions than its bank holds, every attempt includes "
        "questions from each group.",
    )
    explanation = blocks.TextBlock(required=False, help_text="Optional: shown with the feedback.")

    class Meta:
        icon = "help"
        label = "Knowledge-check question"
        template = "content/blocks/question.html"

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for option in value["options"] if option["correct"])
        if value["kind"] == "single" and correct != 1:
            raise StructBlockValidationError(
                block_errors={
                    "options": ErrorList(
                        [
                            ValidationError(
                                "A single-choice question needs exactly one correct option "
                                f"(this one has {correct})."
                            )
                        ]
                    )
                }
            )
        if value["kind"] == "multiple" and correct < 1:
            raise StructBlockValidationError(
                block_errors={
                    "options": ErrorList(
                        [ValidationError("A multiple-choice question needs a correct option.")]
                    )
                }
            )
        return value


class LessonStreamBlock(blocks.StreamBlock):
    text = TextBlock()
    image = ImageBlock()
    video = VideoBlock()
    key_points = KeyPointsBlock()
    quote = QuoteBlock()
    case_scenario = CaseScenarioBlock()
    state_card = StateCardBlock()
    cue_card = CueCardBlock()
    reflection = ReflectionPromptBlock()
    resource = ResourceBlock()
    question = QuestionBlock()
    local_pathways = LocalPathwaysBlock()
    diagram = DiagramBlock()


class KnowledgeCheckStreamBlock(blocks.StreamBlock):
    question = QuestionBlock()
