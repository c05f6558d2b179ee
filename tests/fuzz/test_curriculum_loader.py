"""The curriculum loader given generated structures and malformed files: it loads them or
answers with a ``CurriculumError`` listing problems by file and key; never another exception.

Structures start from real source files (the tiers, the competency areas and one course) and
have a few generated mutations: a value replaced by something of another type, a key dropped
or added, a list emptied or an item repeated. Malformed files are real files with characters
changed, or random text or bytes.
"""

from pathlib import Path

import pytest
import yaml
from hypothesis import strategies as st

from content.loader import CurriculumError, load_curriculum, read_curriculum
from content.loader.source import DEFAULT_SOURCE

from .support import characters, dates, fuzz, junk, long_text, nasty, numbers, rolled_back, text

COURSE_FILE = "01-the-first-1001-days.yaml"
PAGE_FILE = "accessibility-statement.yaml"


def _read(relative: str):
    return yaml.safe_load((DEFAULT_SOURCE / relative).read_text(encoding="utf-8"))


BASE = {
    "tiers.yaml": _read("tiers.yaml"),
    "competency_areas.yaml": _read("competency_areas.yaml"),
    f"courses/{COURSE_FILE}": _read(f"courses/{COURSE_FILE}"),
    f"pages/{PAGE_FILE}": _read(f"pages/{PAGE_FILE}"),
}
RAW = {name: (DEFAULT_SOURCE / name).read_text(encoding="utf-8") for name in BASE}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    nasty,
    numbers,
    dates,
    long_text,
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(text, st.integers(), st.booleans()), children, max_size=4),
    ),
    max_leaves=8,
)


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@st.composite
def mutated(draw):
    """The base files with up to four generated mutations."""
    files = _copy(BASE)
    for _ in range(draw(st.integers(0, 4), label="mutations")):
        name = draw(st.sampled_from(sorted(files)), label="file")
        parent, key = None, name
        node = files
        # Walk down a random path, stopping at random.
        while True:
            value = node[key]
            if not isinstance(value, dict | list) or not value or draw(st.integers(0, 3)) == 0:
                break
            parent, node = node, value
            key = draw(
                st.sampled_from(list(value) if isinstance(value, dict) else range(len(value)))
            )
        action = draw(st.sampled_from(["replace", "drop", "add", "repeat", "empty"]), label="do")
        container = node
        if action == "replace" or parent is None:
            container[key] = draw(yaml_values, label="value")
        elif action == "drop":
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[draw(text, label="new key")] = draw(yaml_values, label="value")
        elif action == "repeat" and isinstance(container, list):
            container.append(_copy(container[key]))
        elif action == "empty":
            container[key] = (
                type(container[key])() if isinstance(container[key], dict | list) else ""
            )
    return files


def _write(root: Path, files: dict) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        elif isinstance(data, str):
            path.write_text(data, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _clean_report(exc: CurriculumError) -> None:
    assert exc.problems, "a CurriculumError without problems"
    for problem in exc.problems:
        assert isinstance(problem, str) and problem.strip()
        assert ": " in problem, problem  # "<file>: <where>: <message>"
    assert "nothing was loaded" in str(exc)


@pytest.mark.django_db
@fuzz(files=mutated(), weight=0.25)  # a load that succeeds writes pages: ~0.5 s
def test_generated_structures_load_or_report_problems(world, tmp_path_factory, files):
    root = tmp_path_factory.mktemp("curriculum")
    _write(root, files)
    with rolled_back():
        try:
            load_curriculum(source_dir=root, dry_run=True)
        except CurriculumError as exc:
            _clean_report(exc)


def _edit(text_: str, position: int, cut: int, insert: str) -> str:
    position %= len(text_) + 1
    return text_[:position] + insert + text_[position + cut :]


INSERTS = st.one_of(
    st.sampled_from(
        [
            "\t",
            ":",
            ": ",
            "- ",
            "\n- ",
            '"',
            "'",
            "&a ",
            "*a",
            "*nowhere",
            "!!python/object/apply:os.system ['true']",
            "!!binary",
            "%YAML 9.9\n",
            "---\n",
            "...\n",
            "{",
            "[",
            "? ",
            "|",
            ">",
            "@",
            "`",
            "\x00",
            "\x1b",
            "\ufeff",
            "\n  slug: again\n",
        ]
    ),
    st.text(characters, max_size=20),
)


@st.composite
def malformed(draw):
    """One of the files broken: characters changed, replaced by random text, or raw bytes."""
    name = draw(st.sampled_from(sorted(RAW)), label="file")
    kind = draw(st.sampled_from(["edit", "edit", "edit", "text", "bytes", "aliases"]))
    if kind == "edit":
        content = RAW[name]
        for _ in range(draw(st.integers(1, 4))):
            content = _edit(
                content,
                draw(st.integers(0, len(content))),
                draw(st.integers(0, 40)),
                draw(INSERTS, label="insert"),
            )
    elif kind == "text":
        content = draw(st.one_of(st.text(characters, max_size=400), junk), label="text")
    elif kind == "bytes":
        content = draw(
            st.one_of(
                st.binary(max_size=400),
                st.builds(lambda t: t.encode("utf-16"), st.just(RAW[name])),
                st.builds(lambda t: t.encode("cp1252", errors="replace"), st.just(RAW[name])),
            ),
            label="bytes",
        )
    else:  # nested aliases: a small "billion laughs"
        depth = draw(st.integers(1, 6))
        lines = ['a: &a ["lol", "lol", "lol"]']
        for i in range(1, depth):
            prev = "a" if i == 1 else f"a{i - 1}"
            lines.append(f"a{i}: &a{i} [*{prev}, *{prev}, *{prev}]")
        content = "\n".join(lines) + "\n"
    return {**RAW, name: content}


@pytest.mark.django_db
@fuzz(files=malformed())
def test_malformed_files_are_reported_not_raised(world, tmp_path_factory, files):
    root = tmp_path_factory.mktemp("curriculum")
    _write(root, files)
    try:
        read_curriculum(root)
    except CurriculumError as exc:
        _clean_report(exc)
