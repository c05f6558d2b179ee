"""Site-wide form rendering: every ``{{ form }}`` gets labels, hints and errors that screen
readers announce (error summary with links, ``aria-describedby``, ``aria-invalid``)."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
