from django.urls import path

from . import prior_learning_views, scorm_views, views

app_name = "courses"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("history/", views.HistoryView.as_view(), name="history"),
    path("courses/<int:course_id>/enrol/", views.EnrolView.as_view(), name="enrol"),
    path(
        "courses/<int:course_id>/knowledge-check/",
        views.KnowledgeCheckView.as_view(),
        name="knowledge_check",
    ),
    path("enrolments/<int:pk>/resume/", views.ResumeView.as_view(), name="resume"),
    path("enrolments/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path(
        "modules/<int:module_id>/complete/",
        views.ModuleCompleteView.as_view(),
        name="module_complete",
    ),
    path(
        "modules/<int:module_id>/reflections/",
        views.ReflectionSaveView.as_view(),
        name="reflection_save",
    ),
    path(
        "modules/<int:module_id>/scorm/commit/",
        scorm_views.CommitView.as_view(),
        name="scorm_commit",
    ),
    path("scorm-results/", scorm_views.ResultsView.as_view(), name="scorm_results"),
    path("attempts/<int:pk>/", views.AttemptView.as_view(), name="attempt"),
    path("reflections/", views.ReflectionsView.as_view(), name="reflections"),
    path(
        "reflections/export.csv",
        views.ReflectionsExportView.as_view(),
        name="reflections_export",
    ),
    path("item-analysis/", views.ItemAnalysisIndexView.as_view(), name="item_analysis_index"),
    path(
        "item-analysis/<int:course_id>/",
        views.ItemAnalysisView.as_view(),
        name="item_analysis",
    ),
    path("assign/", views.AssignView.as_view(), name="assign"),
    path("assessments/new/", views.AssessmentCreateView.as_view(), name="assessment_new"),
    path(
        "prior-learning/",
        prior_learning_views.PriorLearningView.as_view(),
        name="prior_learning",
    ),
    path(
        "prior-learning/<int:pk>/evidence/",
        prior_learning_views.EvidenceView.as_view(),
        name="prior_learning_evidence",
    ),
    path(
        "prior-learning/review/",
        prior_learning_views.ReviewView.as_view(),
        name="prior_learning_review",
    ),
    path(
        "prior-learning/<int:pk>/decide/",
        prior_learning_views.DecideView.as_view(),
        name="prior_learning_decide",
    ),
]
