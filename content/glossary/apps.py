from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "content.glossary"
    label = "glossary"
    verbose_name = "Glossary"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import selectors
        from .models import GlossaryTerm

        # Lessons read the terms from the cache; any change to a term reads them afresh.
        for signal in (post_save, post_delete):
            signal.connect(
                selectors.forget_terms,
                sender=GlossaryTerm,
                dispatch_uid=f"glossary_terms_{id(signal)}",
            )
        m2m_changed.connect(
            selectors.forget_terms,
            sender=GlossaryTerm.related_terms.through,
            dispatch_uid="glossary_terms_related",
        )
