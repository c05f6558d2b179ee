from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("agreements/new/", views.AgreementCreateView.as_view(), name="agreement_create"),
    path("agreements/<int:pk>/", views.AgreementDetailView.as_view(), name="agreement"),
    path(
        "agreements/<int:pk>/accept/",
        views.AgreementAnswerView.as_view(accept=True),
        name="agreement_accept",
    ),
    path(
        "agreements/<int:pk>/decline/",
        views.AgreementAnswerView.as_view(accept=False),
        name="agreement_decline",
    ),
    path(
        "agreements/<int:pk>/review/", views.AgreementReviewView.as_view(), name="agreement_review"
    ),
    path("agreements/<int:pk>/end/", views.AgreementEndView.as_view(), name="agreement_end"),
    path(
        "agreements/<int:pk>/sessions/new/",
        views.SessionCreateView.as_view(),
        name="session_create",
    ),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session"),
    path("sessions/<int:pk>/edit/", views.SessionEditView.as_view(), name="session_edit"),
    path("sessions/<int:pk>/reflection/", views.ReflectionView.as_view(), name="reflection"),
    path("sessions/<int:pk>/sign-off/", views.SignOffView.as_view(), name="sign_off"),
    path(
        "sessions/<int:pk>/corrections/new/",
        views.CorrectionCreateView.as_view(),
        name="correction_create",
    ),
    path("actions/<int:pk>/status/", views.ActionStatusView.as_view(), name="action_status"),
    path("log.csv", views.ExportLogView.as_view(fmt="csv"), name="export_csv"),
    path("log.pdf", views.ExportLogView.as_view(fmt="pdf"), name="export_pdf"),
    path("team/", views.TeamView.as_view(), name="team"),
    path("team/<int:user_id>/", views.TeamPersonView.as_view(), name="team_person"),
]
