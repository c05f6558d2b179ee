"""The tokens page (``/api/tokens/``): administrators make, see and revoke API tokens. A new
token's secret is shown once, on the page that answers the form, and never stored."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from lms.workforce.permissions import AdministratorRequiredMixin

from . import selectors, services
from .forms import TokenForm


class TokensView(AdministratorRequiredMixin, View):
    """The person's tokens and the form for a new one (organisation, regional and site
    administrators; everyone else 404)."""

    def get(self, request):
        return self._page(request, TokenForm(user=request.user))

    def post(self, request):
        form = TokenForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.create_token(
                    by=request.user,
                    name=data["name"],
                    units=data["units"],
                    expires_in_days=data["expires_in_days"],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                response = self._page(request, TokenForm(user=request.user), created=created)
                # The secret is in this page only: keep it out of every cache.
                response["Cache-Control"] = "no-store"
                return response
        return self._page(request, form, status=400)

    def _page(self, request, form, *, created=None, status=200):
        return render(
            request,
            "api/tokens.html",
            {
                "form": form,
                "tokens": selectors.tokens_for(request.user),
                "created": created,
            },
            status=status,
        )


class RevokeView(AdministratorRequiredMixin, View):
    def post(self, request, pk: int):
        token = get_object_or_404(selectors.tokens_for(request.user), pk=pk)
        services.revoke_token(token=token, by=request.user)
        messages.success(request, f"“{token.name}” has been revoked: it no longer works.")
        return redirect("api_tokens:list")
