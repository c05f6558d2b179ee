"""The page script's draft endpoint: GET the draft of a page, POST to save it (JSON
``{"key": ..., "fields": {...}}``), DELETE to discard it. Only the author's own drafts exist
for them; every answer is JSON."""

import json

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views import View

from . import selectors, services

JSON_ONLY = 'Send the draft as JSON: {"key": ..., "fields": {...}}.'


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


class DraftView(LoginRequiredMixin, View):
    raise_exception = True  # a script asks: 403, never a redirect to the sign-in page

    def get(self, request):
        try:
            key = services.clean_key(request.GET.get("key"))
        except ValidationError as exc:
            return _error(exc.messages[0])
        draft = selectors.draft_for(user=request.user, key=key)
        if draft is None:
            return JsonResponse({"key": key, "fields": None})
        return JsonResponse(
            {"key": key, "fields": draft.fields, "updated_at": draft.updated_at.isoformat()}
        )

    def post(self, request):
        if request.content_type != "application/json":
            return _error(JSON_ONLY)
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return _error(JSON_ONLY)
        if not isinstance(body, dict):
            return _error(JSON_ONLY)
        try:
            draft = services.save_draft(
                user=request.user, key=body.get("key"), fields=body.get("fields")
            )
        except ValidationError as exc:
            return _error(exc.messages[0])
        return JsonResponse({"saved": draft is not None})

    def delete(self, request):
        try:
            key = services.clean_key(request.GET.get("key"))
        except ValidationError as exc:
            return _error(exc.messages[0])
        services.discard_draft(user=request.user, key=key)
        return JsonResponse({"key": key, "fields": None})  # as a GET now answers
