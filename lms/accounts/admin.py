"""The Django admin's identity providers (allauth's social applications) with the organisation
each one signs people in for: single sign-on is set up on one page."""

from allauth.socialaccount.admin import SocialAppAdmin
from allauth.socialaccount.models import SocialApp
from django.contrib import admin

from .models import OrganisationSignOn


class OrganisationSignOnInline(admin.StackedInline):
    model = OrganisationSignOn
    can_delete = False
    min_num = 0
    max_num = 1
    autocomplete_fields = ()


admin.site.unregister(SocialApp)


@admin.register(SocialApp)
class IdentityProviderAdmin(SocialAppAdmin):
    inlines = [OrganisationSignOnInline]
