"""A real learning record store for the xAPI tests: Ralph, started once per session on a free
loopback port, in its own virtual environment (``make ralph``; ``RALPH_VENV`` names another).
Outside CI a missing Ralph skips these tests with the reason; in CI it fails them."""

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
KEY, SECRET = "lms-tests", "lrs-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Ralph:
    """A Ralph server that a test can stop and start again (same port, same statements)."""

    def __init__(self, python: Path, workdir: Path):
        self.python = python
        self.workdir = workdir
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.endpoint = f"{self.base}/xAPI"
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(workdir / "app"),
            "RALPH_AUTH_FILE": str(workdir / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "statements"),
            "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "1000",
        }
        (workdir / "statements").mkdir(parents=True, exist_ok=True)

    def create_credentials(self) -> None:
        """Ralph's credentials file, as ``ralph auth`` writes it, with a cheap bcrypt hash (Ralph
        checks it on every request; its default cost takes a quarter of a second)."""
        script = (
            "import bcrypt, json, sys; key, secret, path = sys.argv[1:];"
            "h = bcrypt.hashpw(secret.encode(), bcrypt.gensalt(4)).decode();"
            "json.dump([{'agent': {'account': {'homePage': 'http://lms', 'name': key},"
            " 'objectType': 'Agent'}, 'scopes': ['all'], 'hash': h, 'username': key}],"
            " open(path, 'w'))"
        )
        subprocess.run(
            [str(self.python), "-c", script, KEY, SECRET, self.env["RALPH_AUTH_FILE"]],
            check=True,
            timeout=60,
        )

    def start(self) -> None:
        log = open(self.workdir / "ralph.log", "ab")  # noqa: SIM115 (kept open while it runs)
        self.process = subprocess.Popen(
            [str(self.python), str(Path(__file__).with_name("run_ralph.py")), HOST, str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"{self.base}/__heartbeat__", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        output = (self.workdir / "ralph.log").read_text(errors="replace")[-2000:]
        require(False, f"Ralph (the LRS) did not start:\n{output}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def statements(self, **params) -> list[dict]:
        """GET /xAPI/statements (every page) with the given xAPI query parameters."""
        url = f"{self.endpoint}/statements"
        params = {"limit": 1000, **params}
        found = []
        while url:
            response = requests.get(
                url,
                params=params,
                auth=(KEY, SECRET),
                headers={"X-Experience-API-Version": "1.0.3"},
                timeout=10,
            )
            response.raise_for_status()
            page = response.json()
            found += page["statements"]
            url, params = (self.base + page["more"], None) if page.get("more") else (None, None)
        return found


@pytest.fixture(scope="session")
def ralph_server(tmp_path_factory):
    venv = Path(os.environ.get("RALPH_VENV", ROOT / ".ralph-venv"))
    python = venv / "bin" / "python"
    require(python.exists(), f"needs Ralph, the LRS, in {venv} (make ralph)")
    server = Ralph(python, tmp_path_factory.mktemp("ralph"))
    server.create_credentials()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lrs(ralph_server, settings):
    """Ralph, running, and the site configured to send it statements."""
    if ralph_server.process is None:
        ralph_server.start()
    # Each test is a site of its own: ids made from database keys (which a rolled-back test
    # database hands out again) never meet those of another test in the one LRS.
    settings.SITE_URL = f"http://lms-{uuid.uuid4().hex[:12]}.test"
    settings.XAPI_LRS_ENDPOINT = ralph_server.endpoint
    settings.XAPI_LRS_KEY = KEY
    settings.XAPI_LRS_SECRET = SECRET
    return ralph_server
