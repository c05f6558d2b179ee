"""Tests: the embedded default unless ``DATABASE_URL`` / ``REDIS_URL`` / ``CELERY_BROKER_URL``
point at real services (CI runs the suite both ways)."""

import tempfile

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="") or get_random_secret_key()
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="lms-test-media-")
# Tests run tasks in-process; tests of the real worker start one against the test database.
CELERY_TASK_ALWAYS_EAGER = True
WAGTAILADMIN_BASE_URL = SITE_URL = "http://testserver"
SITE_URL_IS_SET = True  # links in tests do not depend on the live server's port
TESTING = True
STATIC_ROOT = tempfile.mkdtemp(prefix="lms-test-static-")
# Tests sign privileged users in with force_login; the MFA requirement has its own tests.
MFA_REQUIRED_FOR_PRIVILEGED_ROLES = False
# The live server of the browser tests serves http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# Tests clear the page directory themselves; it never runs out in the middle of a test.
CONTENT_CACHE_SECONDS = 3600
