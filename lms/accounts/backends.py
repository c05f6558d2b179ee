"""Permissions that come from an administrator grant rather than from a group.

A regional administrator (``lms.workforce.models.Administrator`` of a region) may open the
Wagtail admin, where the only thing they are offered is their own region's local pathways
(``lms.pathways.policies``). Signs nobody in: ``authenticate`` is the other backends' job.
"""

from lms.workforce.selectors import administered_region_paths

ACCESS_ADMIN = "wagtailadmin.access_admin"


class AdministratorBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        return (
            perm == ACCESS_ADMIN
            and user_obj.is_active
            and bool(administered_region_paths(user_obj))
        )

    def has_module_perms(self, user_obj, app_label):
        return False
