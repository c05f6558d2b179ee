"""SCORM packages in the Wagtail admin: a listing, an upload form that validates the zip
before anything is stored, and a title edit. Packages are not edited in place: a new version
of a package is a new upload, chosen on the module."""

from django.contrib import messages
from django.db.models import ProtectedError
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

from .forms import PackageEditForm, PackageUploadForm
from .models import ScormPackage
from .services import delete_package_files, store_package
from .validation import PackageInvalid


class PackageCreateView(generic.CreateView):
    def form_valid(self, form):
        self.form = form
        try:
            # Outside a transaction: unpacking a large package must not hold the database.
            self.object = store_package(
                title=form.cleaned_data.get("title") or "",
                upload=form.cleaned_data["package"],
                by=self.request.user,
            )
        except PackageInvalid as error:
            form.add_error("package", str(error))
            self.produced_error_message = "The package was not accepted. See the reason below."
            return self.form_invalid(form)
        log(instance=self.object, action="wagtail.create", content_changed=True)
        return self.save_action()


class PackageDeleteView(generic.DeleteView):
    def form_valid(self, form):
        package = self.object
        try:
            response = super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                "This package is used by a module or holds learners' progress, so it cannot be "
                "deleted. Choose another package on the module instead.",
            )
            return redirect(self.get_success_url())
        delete_package_files(package=package)
        return response


class ScormPackageViewSet(ModelViewSet):
    model = ScormPackage
    icon = "folder-open-inverse"
    menu_label = "SCORM packages"
    menu_order = 260
    add_to_admin_menu = True
    add_view_class = PackageCreateView
    delete_view_class = PackageDeleteView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["title", "version", "edition", "file_count", "uploaded_at"]
    list_filter = ["version"]
    search_fields = ["title"]
    inspect_view_fields = [
        "title",
        "version",
        "edition",
        "original_filename",
        "size_bytes",
        "file_count",
        "scos",
        "uploaded_by",
        "uploaded_at",
    ]

    def get_form_class(self, for_update=False):
        return PackageEditForm if for_update else PackageUploadForm


scorm_package_viewset = ScormPackageViewSet("scorm_packages")


@hooks.register("register_admin_viewset")
def register_viewset():
    return scorm_package_viewset
