"""A glossary term, defined twice: for practitioners and in plain words for parents."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

# Other forms are separated by commas or new lines (a comma before a digit, as in "1,001", is
# part of the form).
FORM_SEPARATOR = re.compile(r",(?!\d)|\n")


class GlossaryTerm(index.Indexed, models.Model):
    term = models.CharField(max_length=80, unique=True, help_text='As it reads, e.g. "Attunement".')
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Its address on the glossary page (/glossary/#slug). Keep it stable: lessons "
        "link to it.",
    )
    other_forms = models.TextField(
        blank=True,
        help_text="Other words or spellings that mean this term in lesson text, separated by "
        'commas, e.g. "attuned, attune". The first of these or of the term used in a lesson '
        "is linked to the definition.",
    )
    practitioner_definition = models.TextField(
        help_text="For practitioners: precise, as the courses use it."
    )
    plain_definition = models.TextField(
        "In plain words",
        help_text="For parents and carers: short, everyday words, no jargon.",
    )
    related_terms = models.ManyToManyField(
        "self", blank=True, symmetrical=False, help_text='Shown as "See also" with the term.'
    )

    panels = [
        FieldPanel("term"),
        FieldPanel("slug"),
        FieldPanel("other_forms"),
        FieldPanel("practitioner_definition"),
        FieldPanel("plain_definition"),
        FieldPanel("related_terms"),
    ]
    search_fields = [
        index.SearchField("term"),
        index.SearchField("other_forms"),
        index.SearchField("practitioner_definition"),
        index.SearchField("plain_definition"),
    ]

    class Meta:
        ordering = ["term"]
        verbose_name = "glossary term"

    def __str__(self):
        return self.term

    @property
    def forms(self) -> list[str]:
        """The term and its other forms, as they may appear in text."""
        extra = [form.strip() for form in FORM_SEPARATOR.split(self.other_forms)]
        return [self.term.strip(), *[form for form in extra if form]]

    def clean(self):
        super().clean()
        if len(self.term.strip()) < 2:
            raise ValidationError({"term": "A term needs at least two characters."})
        too_short = [form for form in self.forms[1:] if len(form) < 2]
        if too_short:
            raise ValidationError({"other_forms": "Each other form needs at least two characters."})
