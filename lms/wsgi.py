"""WSGI entry point (gunicorn lms.wsgi).

Loaded once in gunicorn's master when it runs with ``--preload`` (the Procfile does): the
settings, the models and the URL configuration (with the views it imports) are loaded here,
before the workers are forked, so that the workers share those pages with the master instead
of each holding a copy. ``gc.freeze()`` keeps the collector from touching (and so copying)
them later. No database connection is left open across the fork.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

application = get_wsgi_application()


def _load_before_fork() -> None:
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    connections.close_all()
    gc.freeze()


_load_before_fork()
