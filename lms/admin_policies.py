"""Permission policies for Wagtail admin viewsets over records that services write.

Model permissions decide who may use a viewset; ``LimitedPermissionPolicy`` also takes away the
actions a viewset must never offer to anyone (e.g. editing a completion or an invitation, which
only the services write), whatever permissions a group has been given.
"""

from wagtail.permission_policies import ModelPermissionPolicy

READ_ONLY = frozenset({"add", "change", "delete"})


class LimitedPermissionPolicy(ModelPermissionPolicy):
    def __init__(self, model, denied=READ_ONLY):
        super().__init__(model)
        self.denied = frozenset(denied)

    def user_has_permission(self, user, action):
        return action not in self.denied and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)
