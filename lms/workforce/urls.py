from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit"),
    path("teams/new/", views.TeamAddView.as_view(), name="team_add"),
    path("teams/<int:pk>/change/", views.TeamChangeView.as_view(), name="team_change"),
    path(
        "memberships/<int:pk>/change/",
        views.MembershipChangeView.as_view(),
        name="membership_change",
    ),
    path("invite/", views.InviteView.as_view(), name="invite"),
    path(
        "invitations/<int:pk>/resend/",
        views.InvitationActionView.as_view(action="resend"),
        name="invitation_resend",
    ),
    path(
        "invitations/<int:pk>/withdraw/",
        views.InvitationActionView.as_view(action="revoke"),
        name="invitation_revoke",
    ),
    path("import/", views.StaffImportView.as_view(), name="import"),
    path("import/history/", views.TrainingHistoryImportView.as_view(), name="import_history"),
    path("import/template.csv", views.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views.StaffImportDetailView.as_view(), name="import_detail"),
    path(
        "import/<int:pk>/progress/",
        views.StaffImportProgressView.as_view(),
        name="import_progress",
    ),
    path("join/<str:token>/", views.JoinView.as_view(), name="join"),
]
