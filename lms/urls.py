from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from content import views as content_views
from lms import health, privacy_views
from lms.accounts import views as account_views
from lms.api.endpoints import api

# Both admin sites sign in through allauth, so its rate limits and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("health/", health.live, name="health"),
    path("health/ready/", health.ready, name="health_ready"),
    path("accounts/profile/", account_views.ProfileView.as_view(), name="account_profile"),
    path("accounts/session/", account_views.SessionStatusView.as_view(), name="account_session"),
    path("accounts/drafts/", include("lms.drafts.urls")),
    path("accounts/my-data/", privacy_views.MyDataExportView.as_view(), name="privacy_export"),
    # allauth's SAML sign-in end, wrapped so that a replayed response gets a clear refusal.
    path(
        "accounts/saml/<str:organization_slug>/acs/finish/",
        account_views.saml_finish_acs,
        name="saml_finish_acs",
    ),
    path("accounts/", include("allauth.urls")),
    # Wagtail's own login form is never served: /admin/login/ goes to allauth's.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("learn/", include("courses.urls")),
    path("workshops/", include("courses.workshops.urls")),
    path("certificates/", include("certificates.urls")),
    path("supervision/", include("supervision.urls")),
    path("reports/", include("lms.reports.urls")),
    path("workforce/", include("lms.workforce.urls")),
    path("search/", include("content.urls")),
    path("glossary/", include("content.glossary.urls")),
    path("handouts/<slug:slug>.pdf", content_views.handout, name="handout"),
    path("api/tokens/", include("lms.api.urls")),
    path("api/v1/", api.urls),
    path("scorm/", include("content.scorm.urls")),
]

if settings.DEBUG:
    # Development only: serve uploaded media, never the private folder (certificates and
    # training records are served to their owners by views).
    from django.views.static import serve

    urlpatterns += [
        re_path(r"^media/(?!private/)(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]

# Wagtail serves the page tree (home page, /courses/ catalogue, course and module pages) last,
# through the content app's serve view, which finds the page in the cached page directory.
urlpatterns += [
    *wagtail_urls.urlpatterns[:-1],  # password and login forms of view restrictions
    re_path(wagtail_urls.serve_pattern, content_views.serve, name="wagtail_serve"),
]
