"""``make test`` runs its two passes side by side: a failure in either fails the whole, and each
pass's output is printed whole."""

import sys

from tests import run_passes

ROOT = run_passes.ROOT


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


def test_the_two_halves_of_the_services_pass_are_the_whole_suite_once():
    first, second = run_passes.services_shards()
    assert first and second and not set(first) & set(second)
    halves = [*first, *second]
    for path in (ROOT / "tests").rglob("test_*.py"):
        relative = path.relative_to(ROOT)
        holders = [
            h
            for h in halves
            if relative == ROOT.joinpath(h).relative_to(ROOT) or ROOT.joinpath(h) in path.parents
        ]
        assert len(holders) == 1, (relative, holders)


def test_the_whole_suite_runs_the_services_pass_in_halves_on_their_own_redis_databases(
    monkeypatch,
):
    monkeypatch.setenv("TEST_REDIS_DATABASES", "7,8")
    monkeypatch.delenv("TEST_SERVICES_HALVES", raising=False)
    passes = run_passes.commands([])
    assert set(passes) == {"embedded", "services (first half)", "services (second half)"}
    assert passes["services (second half)"][1]["TEST_REDIS_DATABASES"] == "9,10"
    assert "TEST_REDIS_DATABASES" not in passes["services (first half)"][1]
    # A selection runs one services pass.
    assert set(run_passes.commands(["tests/site"])) == {"embedded", "services"}
