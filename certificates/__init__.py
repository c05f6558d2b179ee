"""Certificates: proof of completion.

Owns certificate issue (a Celery task, idempotent), PDF rendering with WeasyPrint, public
verification, expiry, revocation and renewal, and the practitioner's training record PDF.

Reads ``courses`` (completions, tier standings), ``content``, ``lms.workforce`` and
``supervision`` selectors; writes nothing of theirs. Nothing imports ``certificates`` except
``lms.reports`` (read side), which may use ``certificates.selectors``.
"""
