from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.MyCertificatesView.as_view(), name="mine"),
    path("verify/", views.VerifyLookupView.as_view(), name="verify_lookup"),
    path("verify/<str:code>/", views.VerifyView.as_view(), name="verify"),
    path(
        "training-record/",
        views.TrainingRecordRequestView.as_view(),
        name="training_record_request",
    ),
    path(
        "training-record/<int:pk>/",
        views.TrainingRecordView.as_view(),
        name="training_record",
    ),
    path(
        "training-record/<int:pk>/status/",
        views.TrainingRecordStatusView.as_view(),
        name="training_record_status",
    ),
    path(
        "training-record/<int:pk>/pdf/",
        views.TrainingRecordDownloadView.as_view(),
        name="training_record_pdf",
    ),
    path("<str:ref>/pdf/", views.CertificateDownloadView.as_view(), name="pdf"),
    # The certificate of one completion (the learner's dashboard links each completion here).
    path(
        "completion/<int:completion_id>/",
        views.CompletionCertificateView.as_view(),
        name="for_completion",
    ),
]
