"""Wagtail's user admin adapted to our user model: display name instead of first/last name; changes
of administrator rights and groups written to the audit log; "Erase this person" (lms.privacy)."""

from django import forms
from django.urls import reverse
from wagtail.admin.widgets.button import Button
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm
from wagtail.users.views.users import CreateView as WagtailUserCreateView
from wagtail.users.views.users import EditView as WagtailUserEditView
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from . import services
from .models import User
from .validators import validate_person_name


class UserCreationForm(WagtailUserCreationForm):
    first_name = None
    last_name = None
    display_name = forms.CharField(
        required=True, label="Display name", max_length=150, validators=[validate_person_name]
    )

    class Meta(WagtailUserCreationForm.Meta):
        model = User
        fields = {"email", "display_name", "is_superuser", "groups"}


class UserEditForm(WagtailUserEditForm):
    first_name = None
    last_name = None
    display_name = forms.CharField(
        required=True, label="Display name", max_length=150, validators=[validate_person_name]
    )

    class Meta(WagtailUserEditForm.Meta):
        model = User
        fields = {"email", "display_name", "is_active", "is_superuser", "groups"}


class UserCreateView(WagtailUserCreateView):
    def save_instance(self):
        instance = super().save_instance()
        services.audit_access_change(
            user=instance,
            by=self.request.user,
            before=None,
            after=services.access_snapshot(instance),
        )
        return instance


class UserEditView(WagtailUserEditView):
    def save_instance(self):
        # The form has already copied its values onto self.object: read the old ones afresh.
        before = services.access_snapshot(User.objects.get(pk=self.object.pk))
        instance = super().save_instance()
        services.audit_access_change(
            user=instance,
            by=self.request.user,
            before=before,
            after=services.access_snapshot(instance),
        )
        return instance

    @property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        person, me = self.object, self.request.user
        # Erasure (lms.privacy) is for superusers, of someone else, once.
        if me.is_superuser and person.pk != me.pk and person.erased_at is None:
            buttons.append(
                Button(
                    "Erase this person",
                    url=reverse("privacy_erase", args=[person.pk]),
                    icon_name="bin",
                    priority=100,
                )
            )
        return buttons


class UserViewSet(WagtailUserViewSet):
    template_prefix = "wagtailusers_custom/"
    add_view_class = UserCreateView
    edit_view_class = UserEditView

    def get_form_class(self, for_update=False):
        return UserEditForm if for_update else UserCreationForm
