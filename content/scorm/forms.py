"""The upload form of the Wagtail admin's SCORM package screens."""

from django import forms
from django.template.defaultfilters import filesizeformat
from wagtail.admin.forms import WagtailAdminModelForm

from .models import ScormPackage
from .validation import max_package_bytes


class PackageUploadForm(WagtailAdminModelForm):
    package = forms.FileField(
        label="SCORM package (.zip)",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    class Meta:
        model = ScormPackage
        fields = ["title"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields[
            "title"
        ].help_text = "How trainers find the package. Leave empty to use the title in its manifest."
        self.fields["package"].help_text = (
            "A SCORM 1.2 or SCORM 2004 (3rd or 4th edition) zip as your authoring tool exports "
            f"it, up to {filesizeformat(max_package_bytes())}. It is checked before it is "
            "accepted."
        )


class PackageEditForm(WagtailAdminModelForm):
    class Meta:
        model = ScormPackage
        fields = ["title"]
