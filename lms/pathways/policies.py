"""Who may edit which local pathways in the admin.

Site administrators, and anyone given the model's permissions through a group (e.g. trainers),
edit every set: the default, the examples and every region's. A regional administrator edits
only their own region's pathways (and may add them while the region has none); they never see
another region's, the default or the examples, and never delete.
"""

from wagtail.permission_policies import ModelPermissionPolicy

from lms.workforce.selectors import administered_region_paths

REGIONAL_ACTIONS = frozenset({"add", "change", "view"})


class RegionalPathwaysPolicy(ModelPermissionPolicy):
    def _regions(self, user) -> list[str]:
        return administered_region_paths(user) if user.is_active else []

    def user_has_permission(self, user, action):
        if super().user_has_permission(user, action):
            return True
        return action in REGIONAL_ACTIONS and bool(self._regions(user))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if super().user_has_permission(user, action):
            return True
        return (
            action in REGIONAL_ACTIONS
            and instance.use == instance.Use.REGION
            and instance.region is not None
            and instance.region.path in self._regions(user)
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, action, instance) for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if any(super(RegionalPathwaysPolicy, self).user_has_permission(user, a) for a in actions):
            return self.model.objects.all()
        if not REGIONAL_ACTIONS & set(actions):
            return self.model.objects.none()
        return self.model.objects.filter(
            use=self.model.Use.REGION, region__path__in=self._regions(user)
        )

    def has_full_rights(self, user) -> bool:
        return super().user_has_permission(user, "change")
