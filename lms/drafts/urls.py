from django.urls import path

from . import views

app_name = "drafts"
urlpatterns = [path("", views.DraftView.as_view(), name="draft")]
