from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("sessions/<int:pk>/", views.SessionView.as_view(), name="session"),
    path("sessions/<int:pk>/book/", views.BookView.as_view(), name="book"),
    path("sessions/<int:pk>/register/", views.RegisterView.as_view(), name="register"),
    path("bookings/<int:pk>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("no-shows/", views.NoShowsView.as_view(), name="no_shows"),
    path("approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("evaluation/<int:enrolment_id>/", views.EvaluationView.as_view(), name="evaluation"),
    path("results/", views.ResultsIndexView.as_view(), name="results_index"),
    path("results/<int:course_id>/", views.ResultsView.as_view(), name="results"),
]
