"""Settings of the gunicorn the fault tests start (tests/faults/webserver.py): production, so
persistent connections (``CONN_MAX_AGE``) and their health checks are the real ones.

``CONN_HEALTH_CHECKS=false`` turns the health checks off, for the control case that shows what
they protect against.

Static files are the one difference: production serves what ``collectstatic`` wrote (the release
step), and a test run has not run it, so pages here name static files by their plain names and
WhiteNoise finds them in the apps, as in development. These tests are about database
connections; the production static set-up is exercised by ``.ci/stack``.
"""

from lms.settings.production import *  # noqa: F403
from lms.settings.production import DATABASES, STORAGES, env

DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
