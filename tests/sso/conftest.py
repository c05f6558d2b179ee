"""Real identity providers on loopback for the single sign-on tests.

tests/sso/idp/ holds small Node.js scripts around real implementations (node-oidc-provider for
OpenID Connect, samlify for SAML 2.0). Each fixture starts one on a free loopback port and stops
it after the session. Without Node.js they skip locally and fail in CI (``require``).
"""

import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import require

IDP_DIR = Path(__file__).parent / "idp"
TESTSERVER = "http://testserver"


def _node() -> str:
    node = shutil.which("node")
    require(node is not None, "needs Node.js (apt-get install nodejs npm)")
    if not (IDP_DIR / "node_modules").exists():
        npm = shutil.which("npm")
        require(npm is not None, "needs npm to install the test identity providers")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=IDP_DIR, check=True)
    return node


def start_idp(script: str, env: dict) -> tuple[subprocess.Popen, dict]:
    """Start an identity provider script; it prints one JSON line describing itself once it
    listens."""
    process = subprocess.Popen(
        [_node(), script],
        cwd=IDP_DIR,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.kill()
        pytest.fail(f"The identity provider {script} did not start")
    return process, json.loads(line)


def stop_idp(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


OIDC_CLIENT = {"client_id": "imh-training", "client_secret": "a-test-client-secret"}
OIDC_PROVIDER_ID = "riverside"
OIDC_PEOPLE = {"amara.okafor@riverside.nhs.uk": "Amara Okafor"}


@contextmanager
def running_oidc_idp(site: str):
    """An OpenID Connect provider that knows the site at ``site`` as a client; gives its
    issuer."""
    callback = f"{site}/accounts/oidc/{OIDC_PROVIDER_ID}/login/callback/"
    process, info = start_idp(
        "oidc-server.mjs",
        {
            "OIDC_CLIENTS": json.dumps([{**OIDC_CLIENT, "redirect_uris": [callback]}]),
            "OIDC_PEOPLE": json.dumps(OIDC_PEOPLE),
        },
    )
    try:
        yield info["issuer"]
    finally:
        stop_idp(process)


@pytest.fixture(scope="session")
def oidc_idp():
    """A running OpenID Connect provider for the Django test client's site."""
    with running_oidc_idp(TESTSERVER) as issuer:
        yield issuer


SAML_SLUG = "northshire"
SAML_PEOPLE = {"jo.bright@northshire.gov.uk": "Jo Bright"}


def _signing_pair() -> tuple[str, str]:
    """A fresh RSA key and self-signed certificate (PEM) for the SAML identity provider."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test identity provider")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@contextmanager
def running_saml_idp(site: str):
    """A SAML identity provider that knows the site at ``site`` as a service provider; gives
    its entity id, sign-in address and signing certificate."""
    key, cert = _signing_pair()
    sp = {
        "entity_id": f"{site}/accounts/saml/{SAML_SLUG}/metadata/",
        "acs": f"{site}/accounts/saml/{SAML_SLUG}/acs/",
    }
    process, info = start_idp(
        "saml-server.mjs",
        {
            "SAML_KEY": key,
            "SAML_CERT": cert,
            "SAML_SP": json.dumps(sp),
            "SAML_PEOPLE": json.dumps(SAML_PEOPLE),
        },
    )
    try:
        yield {**info, "x509cert": cert}
    finally:
        stop_idp(process)


@pytest.fixture(scope="session")
def saml_idp():
    """A running SAML identity provider for the Django test client's site."""
    with running_saml_idp(TESTSERVER) as idp:
        yield idp
