"""``make test`` runs its two passes side by side: a failure in either fails the whole, and each
pass's output is printed whole."""

import sys

from tests import run_passes


def _pass(code: int, text: str):
    return ([sys.executable, "-c", f"print({text!r}); raise SystemExit({code})"], {})


def test_side_by_side_fails_when_one_pass_fails(capsys):
    status = run_passes.run_side_by_side(
        {"first": _pass(0, "first ran"), "second": _pass(3, "second broke")}
    )
    printed = capsys.readouterr().out
    assert status == 3
    assert "first ran" in printed and "second broke" in printed
    assert "first passed" in printed and "second FAILED" in printed


def test_side_by_side_passes_when_both_pass(capsys):
    status = run_passes.run_side_by_side({"a": _pass(0, "a ran"), "b": _pass(0, "b ran")})
    assert status == 0
    assert "a passed" in capsys.readouterr().out


def test_an_unknown_mode_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("TEST_PASSES", "both")
    assert run_passes.main([]) == 2
    assert "expected parallel, sequential" in capsys.readouterr().err
