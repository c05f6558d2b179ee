"""Personal data held by accounts: the account itself, its email addresses, its two-factor
authenticators, its links to organisations' identity providers (single sign-on, with what the
provider last said about the person), its signed-in sessions (with the list of them,
``allauth.usersessions``), its drafts (``lms.drafts``) and its Wagtail admin profile.

``export`` never includes secrets (password hash, TOTP secret, recovery codes). ``erase``
anonymises the account instead of deleting it, so that everything attached to it (memberships,
completions, coverage figures, certificate numbers, the audit log) stays consistent; it runs
last, after every other app has used the person's name and addresses to find their data.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms.drafts.models import FormDraft
from lms.personal_data import ERASED_NAME, erased_email, plain

SECTION = "account"


def export(user) -> dict:
    authenticators = sorted(
        set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    )
    return plain(
        {
            "email": user.email,
            "display_name": user.display_name,
            "joined": user.date_joined,
            "last_login": user.last_login,
            "is_active": user.is_active,
            "email_addresses": [
                {"email": a.email, "primary": a.primary, "verified": a.verified}
                for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "two_factor_authentication": {
                "enabled": Authenticator.Type.TOTP in authenticators
                or Authenticator.Type.WEBAUTHN in authenticators,
                "methods": [str(Authenticator.Type(t).label) for t in authenticators],
            },
            # Organisations' identity providers the account signs in with (no tokens are kept).
            "single_sign_on": [
                {
                    "provider": a.provider,
                    "identifier": a.uid,
                    "linked": a.date_joined,
                    "provider_data": a.extra_data,
                }
                for a in SocialAccount.objects.filter(user=user).order_by("date_joined")
            ],
            "administrator": user.is_superuser,
            "groups": sorted(user.groups.values_list("name", flat=True)),
            # Where they are signed in (allauth.usersessions) and what they were typing.
            "signed_in_sessions": [
                {"since": s.created_at, "address": s.ip, "browser": s.user_agent}
                for s in UserSession.objects.filter(user=user).order_by("created_at")
            ],
            "drafts": [
                {"page": d.key, "fields": d.fields, "saved": d.updated_at}
                for d in FormDraft.objects.filter(user=user).order_by("key")
            ],
        }
    )


def _session_keys_of(user) -> list[str]:
    """Keys of the database sessions signed in as ``user`` (none for cookie or cache-only
    session engines, which keep no list: those sessions stop working anyway, because the
    password hash they carry no longer matches and the account is inactive)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return []
    model = store.get_model_class()
    wanted = str(user.pk)
    keys = []
    rows = model.objects.filter(expire_date__gt=timezone.now()).only("session_key", "session_data")
    for row in rows.iterator(chunk_size=1000):
        if store().decode(row.session_data).get("_auth_user_id") == wanted:
            keys.append(row.session_key)
    return keys


def _delete_sessions(user) -> int:
    """Delete the person's sessions. Every session is searched (they are keyed by a random
    key, not by user), so people who have not signed in within a session's lifetime are
    skipped: the retention job erases many such people at once, and any session of theirs that
    is left holds only their account id and is dead anyway."""
    lifetime = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    if user.last_login is None or user.last_login < timezone.now() - lifetime:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = _session_keys_of(user)
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


def _delete_wagtail_profile(user) -> int:
    from wagtail.admin.models import EditingSession, FormState
    from wagtail.users.models import UserProfile

    EditingSession.objects.filter(user=user).delete()
    FormState.objects.filter(user=user).delete()
    profile = UserProfile.objects.filter(user=user).first()
    if profile is None:
        return 0
    if profile.avatar:
        avatar = profile.avatar
        transaction.on_commit(lambda: avatar.storage.delete(avatar.name))
    profile.delete()
    return 1


def erase(user) -> dict:
    """Anonymise the account: a placeholder address and name, no password, inactive, no
    administrator rights or groups; delete its addresses, authenticators, sessions and admin
    profile. The row (and its primary key) stays."""
    addresses = EmailAddress.objects.filter(user=user).delete()[0]
    authenticators = Authenticator.objects.filter(user=user).delete()[0]
    sso_links = SocialAccount.objects.filter(user=user).delete()[0]
    sessions = _delete_sessions(user)
    UserSession.objects.filter(user=user).delete()
    drafts = FormDraft.objects.filter(user=user).delete()[0]
    profile = _delete_wagtail_profile(user)
    groups = user.groups.count()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = erased_email(user.pk)
    user.display_name = ERASED_NAME
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.erased_at = timezone.now()
    user.save()
    return {
        "email_addresses_deleted": addresses,
        "authenticators_deleted": authenticators,
        "single_sign_on_links_deleted": sso_links,
        "sessions_ended": sessions,
        "drafts_deleted": drafts,
        "admin_profile_deleted": profile,
        "groups_left": groups,
    }
