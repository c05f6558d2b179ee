"""Sending templated email: ``<prefix>_subject.txt``, ``<prefix>.txt`` and, if present,
``<prefix>.html``, rendered with the same context."""

import contextlib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from lms.site_url import site_url


def send_templated_email(*, to: list[str], template_prefix: str, context: dict) -> None:
    context = {"site_name": settings.SITE_NAME, "site_url": site_url(), **context}
    subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
    subject = " ".join(subject.splitlines())
    body = render_to_string(f"{template_prefix}.txt", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body=body, to=to
    )
    with contextlib.suppress(TemplateDoesNotExist):
        message.attach_alternative(
            render_to_string(f"{template_prefix}.html", context), "text/html"
        )
    message.send()
