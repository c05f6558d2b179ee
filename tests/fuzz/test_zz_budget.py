"""The fuzz suite's size: in CI (``CI=true``) at least 10,000 generated inputs.

Runs after the other fuzz modules (pytest runs a folder's files in name order). The planned
total comes from the ``fuzz`` marks of the fuzz modules' tests; the inputs actually run are
counted by ``support.fuzz`` and checked when every fuzz test ran in this session.
"""

import importlib
from pathlib import Path

from . import support

MINIMUM_IN_CI = 10_000


def _fuzz_items(session):
    return [item for item in session.items if item.get_closest_marker("fuzz")]


def _planned_in_ci() -> dict[str, int]:
    """Test function -> inputs the ci profile plans for it (all its parameters), read from the
    fuzz modules themselves, so that this holds however the suite was selected."""
    planned = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        if path.stem == Path(__file__).stem:
            continue
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for name, function in vars(module).items():
            marks = {m.name: m for m in getattr(function, "pytestmark", [])}
            if not name.startswith("test_") or "fuzz" not in marks:
                continue
            cases = len(marks["parametrize"].args[1]) if "parametrize" in marks else 1
            planned[f"{path.stem}.{name}"] = cases * marks["fuzz"].kwargs["ci_budget"]
    return planned


def test_ci_profile_plans_at_least_ten_thousand_inputs():
    """Whichever profile runs now, the ci profile sends at least 10,000 inputs in all."""
    planned = _planned_in_ci()
    assert len(planned) >= 6, planned
    total = sum(planned.values())
    assert total >= MINIMUM_IN_CI, f"the ci profile plans only {total:,} inputs: {planned}"


def test_inputs_actually_run(request):
    """Every fuzz test that ran sent inputs; in CI the total reaches the minimum."""
    items = _fuzz_items(request.session)
    ran = {item.nodeid for item in items} & set(support.EXAMPLES)
    for nodeid in ran:
        assert support.EXAMPLES[nodeid] > 0, nodeid
    total = sum(support.EXAMPLES[n] for n in ran)
    print(f"\\nfuzz: {total:,} generated inputs in {len(ran)} fuzz tests")
    if support.PROFILE == "ci" and len(ran) == len(items):
        assert total >= MINIMUM_IN_CI, f"only {total:,} generated inputs ran in CI"
