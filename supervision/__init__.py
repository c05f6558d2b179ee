"""Supervision: reflective supervision that embeds training in practice.

Owns supervision agreements, session records, actions, sign-off and the corrections appended
after it, hours against tier targets, and who may read a record. Managers get hours and dates,
never content.

Public surface for other apps: ``selectors`` (``supervision_valid_until``,
``has_supervision_target``, ``supervision_summary``, ``hours_since``, ``learning_needs``,
``hours_by_user``), ``services.ensure_default_targets`` and the ``signals.session_signed_off``
signal. Depends on ``lms.workforce`` and ``content`` only; never imports ``courses``,
``certificates`` or ``lms.reports``.
"""
