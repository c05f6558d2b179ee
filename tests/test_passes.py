"""``make test``'s two passes each say, in one line, which tests they leave out and why (instead
of a bare "21 deselected")."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "name, says",
    [
        ("embedded", "leaves out the tests marked postgres"),
        ("services", "leaves out the tests marked embedded"),
    ],
)
def test_each_pass_says_which_markers_it_runs_and_why(name, says):
    env = {**os.environ, "LMS_TEST_PASS": name}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "tests/site"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("Test pass:")]
    assert len(lines) == 1, result.stdout[-2000:]
    assert says in lines[0] and "because" in lines[0]
