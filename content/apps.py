from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Page, PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from . import directory
        from .models import CompetencyArea, Tier

        # The cached page directory is read again after anything it holds changes.
        def page_changed(sender, instance=None, **kwargs):
            if isinstance(instance, Page):
                directory.forget()

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(directory.forget, dispatch_uid=f"content_directory_{id(signal)}")
        post_save.connect(page_changed, weak=False, dispatch_uid="content_directory_page_saved")
        post_delete.connect(page_changed, weak=False, dispatch_uid="content_directory_page_gone")
        for model in (Site, PageViewRestriction, Tier, CompetencyArea):
            for signal in (post_save, post_delete):
                signal.connect(
                    directory.forget,
                    sender=model,
                    dispatch_uid=f"content_directory_{model._meta.label_lower}_{id(signal)}",
                )
