"""The admin form of local pathways: a regional administrator may only write their own
region's (``policies.RegionalPathwaysPolicy``)."""

from wagtail.admin.forms import WagtailAdminModelForm

from lms.workforce.models import OrganisationUnit


class LocalPathwaysForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        from .policies import RegionalPathwaysPolicy

        policy = RegionalPathwaysPolicy(self._meta.model)
        if for_user is None or policy.has_full_rights(for_user):
            return
        # Their own region's pathways: the kind of set and the region are not theirs to change.
        use = self.fields["use"]
        use.choices = [c for c in use.choices if c[0] == self._meta.model.Use.REGION]
        use.initial = self._meta.model.Use.REGION
        self.fields["region"].queryset = OrganisationUnit.objects.filter(
            kind=OrganisationUnit.Kind.REGION, path__in=policy._regions(for_user)
        )
        self.fields["region"].required = True
        self.fields["nation"].disabled = True
