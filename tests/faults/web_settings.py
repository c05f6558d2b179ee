"""Settings of the gunicorn the fault tests start (tests/faults/webserver.py): production, so
persistent connections (``CONN_MAX_AGE``) and their health checks are the real ones.

``CONN_HEALTH_CHECKS=false`` turns the health checks off, for the control case that shows what
they protect against.
"""

from lms.settings.production import *  # noqa: F403
from lms.settings.production import DATABASES, env

DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
