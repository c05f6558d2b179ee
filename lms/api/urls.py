from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.TokensView.as_view(), name="list"),
    path("<int:pk>/revoke/", views.RevokeView.as_view(), name="revoke"),
]
