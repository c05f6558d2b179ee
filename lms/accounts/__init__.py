"""Accounts: the user model (email login, display name) and how django-allauth is wired in.

Owns: ``User``, the allauth adapter and signup form, the Wagtail user admin forms, and the rule
that privileged roles must use multi-factor authentication. An erased person keeps an anonymised
account (``User.erased_at``; see ``privacy`` and ``lms.privacy``). Does not own who works where
(``lms.workforce``) or what anyone may see (each app's ``permissions.py``).
"""
