"""The LMS project: settings, URLs, the Celery app and the workforce, accounts and reports apps.

Importing the Celery app here makes ``@shared_task`` use it in every process.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
