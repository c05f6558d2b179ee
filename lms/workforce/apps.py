from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "lms.workforce"
    label = "workforce"
    verbose_name = "Workforce"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .selectors import forget_account_flags

        # The cached "authoring", "may open the admin" and "administers" answers follow group,
        # permission and administrator changes (and units moving in the tree).
        user_model = get_user_model()
        for through in (
            user_model.groups.through,
            user_model.user_permissions.through,
            Group.permissions.through,
        ):
            m2m_changed.connect(
                forget_account_flags, sender=through, dispatch_uid=f"flags_{through.__name__}"
            )
        from content.models import Tier

        from .models import Administrator, JobRole, Membership, OrganisationUnit
        from .selectors import forget_memberships

        # The cached memberships of each person follow any change to a membership, a unit (its
        # kind, its place in the tree), a job role or the tier it requires.
        for model in (Membership, OrganisationUnit, JobRole, Tier):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_memberships,
                    sender=model,
                    dispatch_uid=f"memberships_{model.__name__}_{id(signal)}",
                )

        for model in (Group, Permission, Administrator, OrganisationUnit):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_account_flags,
                    sender=model,
                    dispatch_uid=f"flags_{model.__name__}_{id(signal)}",
                )
