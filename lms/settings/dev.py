"""Development: the embedded default with debugging on.

The secret key comes from ``SECRET_KEY`` or, failing that, a random key created once and kept in
``var/`` (never committed), so sessions survive a restart without a key in the repository.
"""

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import LOGGING, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])


def _development_secret_key() -> str:
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()

# The demo logins (manager, lead, trainer, admin) work without an authenticator app; set
# REQUIRE_MFA=true to try the production behaviour.
MFA_REQUIRED_FOR_PRIVILEGED_ROLES = env.bool("REQUIRE_MFA", default=False)
# Passkeys on http://localhost (browsers allow WebAuthn there; the server must too).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True

# Tasks run in-process here; their start/finish lines would drown the console email output.
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
