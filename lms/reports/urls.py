from django.urls import path

from . import competences, views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("outcomes/", views.OutcomesView.as_view(), name="outcomes"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/<int:user_id>/", views.PersonView.as_view(), name="person"),
    path("export/<slug:report>.<slug:fmt>", views.ExportView.as_view(), name="export"),
    path("courses/", views.AnalyticsView.as_view(), name="analytics"),
    path("courses/<int:course_id>/", views.CourseAnalyticsView.as_view(), name="course_analytics"),
    path("emails/", views.MyEmailsView.as_view(), name="my_emails"),
    path(
        "competences/<int:pk>.csv",
        competences.CompetenceExportView.as_view(),
        name="competence_export",
    ),
]
