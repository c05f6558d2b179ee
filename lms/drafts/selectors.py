from .models import FormDraft


def draft_for(*, user, key: str) -> FormDraft | None:
    return FormDraft.objects.filter(user=user, key=key).first()
