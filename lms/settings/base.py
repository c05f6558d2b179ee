"""Settings shared by every environment.

Everything that differs between machines is read from the environment (django-environ). With
nothing set, the project runs on the embedded default: a SQLite file, Celery in eager mode, a
local-memory cache, console email and local media. Setting ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``REDIS_URL`` and ``EMAIL_URL`` switches to real services.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state of the embedded default (SQLite file, development secret key); never committed.
VAR_DIR = Path(env.str("LMS_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = "Infant Mental Health Training"
WAGTAIL_SITE_NAME = SITE_NAME
# Absolute base URL used in emails, certificate QR codes and Wagtail admin notifications.
# Production must set it. Unset (development), links take the address of the request being
# served (lms.site_url), and this default outside a request.
SITE_URL_IS_SET = bool(env.str("SITE_URL", default=""))
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
# Avatars drawn by Wagtail itself: Gravatar is an outside service (and images from it break
# wherever it cannot be reached).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

INSTALLED_APPS = [
    # Project apps first so that their templates override those of third-party apps.
    "lms",
    "lms.accounts",
    "lms.workforce",
    "lms.reports",
    "lms.pathways",
    "lms.api",
    "lms.drafts",
    "content",
    "content.glossary",
    "content.scorm",
    "courses",
    "courses.xapi",
    "courses.workshops",
    "certificates",
    "supervision",
    # Wagtail
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "lms.accounts.apps.WagtailUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # Single sign-on with an organisation's own account (see lms/accounts/sso.py)
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    # Background jobs
    "django_celery_beat",
    # Reporting API
    "ninja",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "content.middleware.SiteFromDirectoryMiddleware",
    "lms.site_url.RequestSiteURLMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lms.accounts.sessions.SessionTimeoutMiddleware",
    "lms.accounts.middleware.RequireMFAMiddleware",
    "lms.middleware.SecurityHeadersMiddleware",
    "lms.middleware.RejectNullCharactersMiddleware",  # inside, so its 400 page gets the headers
    "lms.middleware.ProductErrorPagesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.context_processors.site",
                "lms.accounts.context_processors.session_timeout",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer writes; IMMEDIATE transactions take the write
    # lock up front so concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # JIT compilation costs more than it saves on this workload's short queries (measured: 1.3
    # to 1.6 s of a 1.8 s coverage query was compiling).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

# Connections are kept by each worker between requests: a new one costs a connection (on SQLite,
# reading the whole schema again at its first statement) on every request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="lms"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long the page directory (the page tree read at once) and the anonymous pages built on it
# are kept. Publishing clears them at once in the shared cache (Redis); the local-memory cache is
# one per process, where a publication reaches the other processes only when this runs out.
CONTENT_CACHE_SECONDS = env.int("CONTENT_CACHE_SECONDS", default=3600 if REDIS_URL else 60)
# How long each person's memberships (their roles) are kept in the cache. Any change to
# memberships, units, job roles or tiers clears them at once in the shared cache (Redis); with
# the local-memory cache, the other processes see the change when this runs out.
ROLES_CACHE_SECONDS = env.int("ROLES_CACHE_SECONDS", default=3600 if REDIS_URL else 10)

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Admin access for regional administrators (their region's local pathways).
    "lms.accounts.backends.AdministratorBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/learn/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "lms.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "lms.accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IMH Training] "
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated here so they are visible and reviewable.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# Number of proxies in front of the app whose X-Forwarded-For is trusted for rate limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Second factors: an authenticator app (TOTP) or a passkey / security key (WebAuthn), with
# recovery codes made when the first is added. A passkey that verifies its user (fingerprint,
# face, device PIN) also signs in on its own: "Sign in with a passkey" on the sign-in page.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
# WebAuthn needs HTTPS; development and tests serve http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_TOTP_ISSUER = SITE_NAME
# Managers, regional leads, trainers and administrators must set up MFA (see
# lms/accounts/middleware.py). The embedded demo turns this off so its logins work without an
# authenticator app.
MFA_REQUIRED_FOR_PRIVILEGED_ROLES = env.bool("REQUIRE_MFA", default=True)

# Reporting API (lms.api): requests per token and period ("120/m", "5000/h"; counted in the
# cache, so Redis in production shares the count between processes), the longest a token may
# last, and the most completions one page of the changed-since feed may ask for.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/m")
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
API_FEED_MAX_LIMIT = env.int("API_FEED_MAX_LIMIT", default=100_000)
# Sessions on shared computers (lms/accounts/sessions.py): signed out after this long without
# activity (shorter for the roles that must use MFA) and after this long in any case, with a
# warning this many seconds before an idle timeout that lets the person stay signed in.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_IDLE_MINUTES_PRIVILEGED = env.int("SESSION_IDLE_MINUTES_PRIVILEGED", default=15)
SESSION_LIFETIME_HOURS = env.int("SESSION_LIFETIME_HOURS", default=12)
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=180)
# The server forgets a session once its lifetime is over, however it ended.
SESSION_COOKIE_AGE = SESSION_LIFETIME_HOURS * 3600
# Sessions in the database, read by a written query (lms/accounts/session_store.py).
SESSION_ENGINE = "lms.accounts.session_store"
# "Signed-in devices" (allauth.usersessions): each session with its browser, address and when
# it began; a person can sign out of all the others. Not tracking each request's time keeps
# pages from writing on every request.
USERSESSIONS_TRACK_ACTIVITY = False

# Single sign-on: each organisation's identity provider (OpenID Connect or SAML 2.0) is an
# allauth "social application" with an OrganisationSignOn saying which organisation and which
# email domains it speaks for (lms/accounts/sso.py). A person the provider vouches for is
# signed in to the account with the same email address, or a new account is made and placed in
# the organisation; the provider's email is trusted only for the organisation's own domains.
SOCIALACCOUNT_ADAPTER = "lms.accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SSO_REQUESTS_TIMEOUT", default=10)

# The Wagtail admin signs in through allauth (so rate limits and MFA apply) and manages
# passwords only there.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"

# --- Wagtail --------------------------------------------------------------------------------
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "pptx", "xlsx", "csv", "txt"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "svg"]
# Responsive embeds are sized by CSS (aspect-ratio) instead of inline styles, so the strict
# Content Security Policy holds on lesson pages.
WAGTAILEMBEDS_RESPONSIVE_HTML = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_I18N_ENABLED = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (UK)")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "lms" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# SCORM packages (content/scorm): the largest zip a trainer may upload, and the largest it may
# unpack to (a guard against zip bombs). Uploads past FILE_UPLOAD_MAX_MEMORY_SIZE stream to a
# temporary file, so memory stays flat whatever the size; the proxy in front must allow it too.
SCORM_MAX_PACKAGE_BYTES = env.int("SCORM_MAX_PACKAGE_BYTES", default=500 * 1024 * 1024)

# xAPI (courses/xapi): the learning record store statements are sent to. Without an endpoint no
# statement is recorded. The endpoint is the LRS's xAPI base (".../xAPI"); key and secret are
# its HTTP basic credentials. Learners are an opaque account on SITE_URL unless
# XAPI_ACTOR_IDENTIFIER is "mbox" (their email: only where the organisation has agreed to it).
XAPI_LRS_ENDPOINT = env.str("XAPI_LRS_ENDPOINT", default="")
XAPI_LRS_KEY = env.str("XAPI_LRS_KEY", default="")
XAPI_LRS_SECRET = env.str("XAPI_LRS_SECRET", default="")
XAPI_LRS_TIMEOUT = env.float("XAPI_LRS_TIMEOUT", default=10.0)
XAPI_BATCH_SIZE = env.int("XAPI_BATCH_SIZE", default=500)
XAPI_ACTOR_IDENTIFIER = env.str("XAPI_ACTOR_IDENTIFIER", default="account")
XAPI_PLATFORM = env.str("XAPI_PLATFORM", default="IMH Training")

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IMH Training <training@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
_BROKER = env.str("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in the calling process (the zero-infrastructure default). Celery's
# eager path still takes a producer from its pool; the in-memory transport stands in for the
# broker, so that nothing looks for one on localhost ("No hostname was supplied").
CELERY_TASK_ALWAYS_EAGER = not _BROKER
CELERY_BROKER_URL = _BROKER or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redelivery of unacknowledged (acks_late) messages after a worker dies.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs (beat, stored by django-celery-beat's database scheduler). Every job is
# idempotent, so a beat that runs twice changes nothing the second time.
CELERY_BEAT_SCHEDULE: dict = {
    "courses-open-refresher-cycles": {
        "task": "courses.open_refresher_cycles",
        "schedule": crontab(hour=2, minute=15),
    },
    # A safety net: standings are recomputed by the services on every change.
    "courses-refresh-standings": {
        "task": "courses.refresh_standings",
        "schedule": crontab(hour=3, minute=30, day_of_week="sun"),
    },
    # Coverage tallies are exact until the first day time alone changes a count; renew them.
    "reports-refresh-stale-facts": {
        "task": "reports.refresh_stale_facts",
        "schedule": crontab(hour=0, minute=10),
    },
    "reports-expiry-reminders": {
        "task": "reports.send_expiry_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "reports-overdue-reminders": {
        "task": "reports.send_overdue_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    "reports-supervision-reminders": {
        "task": "reports.send_supervision_reminders",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    # Issues any certificate a broker outage or a crash left behind, and renders missing PDFs.
    "certificates-sweep": {"task": "certificates.sweep", "schedule": 600.0},
    # Sends the xAPI outbox: what a failed send left pending is retried once its backoff is up.
    "xapi-send-statements": {"task": "xapi.send_statements", "schedule": 60.0},
    # Restarts staff imports whose message was lost (broker down when confirmed) or whose
    # worker stopped without the message coming back.
    "workforce-resume-imports": {"task": "workforce.resume_imports", "schedule": 300.0},
    "certificates-purge-training-records": {
        "task": "certificates.purge_training_records",
        "schedule": crontab(hour=3, minute=45),
    },
    # Drafts nobody came back to (lms/drafts); also done by manage.py apply_retention.
    "drafts-purge-stale": {"task": "drafts.purge_stale", "schedule": crontab(hour=3, minute=50)},
    # Session reminders a week and a day before (each booking's reminder is sent once).
    "workshops-send-reminders": {"task": "workshops.send_reminders", "schedule": 3600.0},
    "reports-manager-digests": {
        "task": "reports.send_manager_digests",
        "schedule": crontab(hour=6, minute=30, day_of_week="mon"),
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "lms.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Content Security Policy (lms/middleware.py); set CSP_REPORT_ONLY=true to trial a change.
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)

# --- Forms ----------------------------------------------------------------------------------
FORM_RENDERER = "lms.forms.FormRenderer"

# --- Data protection: retention (lms/privacy.py, manage.py apply_retention) ------------------
# What each one removes, and why these defaults: docs/data-protection.md.
RETENTION_YEARS_AFTER_LEAVING = env.int("RETENTION_YEARS_AFTER_LEAVING", default=6)
TRAINING_RECORD_RETENTION_DAYS = env.int("TRAINING_RECORD_RETENTION_DAYS", default=7)
INVITATION_RETENTION_DAYS = env.int("INVITATION_RETENTION_DAYS", default=90)
STAFF_IMPORT_RETENTION_DAYS = env.int("STAFF_IMPORT_RETENTION_DAYS", default=90)
DRAFT_RETENTION_DAYS = env.int("DRAFT_RETENTION_DAYS", default=30)

# --- Course analytics (lms/reports: CourseAnalyticsSnapshot) ------------------------------------
# How old the trainers' course analytics may be before the page asks the worker for newer ones
# (it always shows the time its figures are from).
ANALYTICS_MAX_AGE_SECONDS = env.int("ANALYTICS_MAX_AGE_SECONDS", default=300)
