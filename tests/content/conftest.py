"""Fixtures for the content app: a small curriculum written to a temporary folder (fast, and
free to edit in a test), the full starter curriculum, and authoring users."""

import shutil
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import Group

from content.groups import REVIEWERS, TRAINERS
from content.loader import DEFAULT_SOURCE, load_curriculum


def question(key, text, options, kind="single"):
    return {
        "key": key,
        "type": kind,
        "question": text,
        "options": [
            {"text": t, "correct": correct, "feedback": f"Feedback on {t.lower()}."}
            for t, correct in options
        ],
    }


def course_data(slug, *, title=None, tier="T1", areas=("states-cues",), prerequisites=()):
    """A valid course in the source format: three modules and five questions."""
    return {
        "slug": slug,
        "title": title or slug.replace("-", " ").capitalize(),
        "tier": tier,
        "required_for_tier": True,
        "competency_areas": list(areas),
        "summary": f"A short course called {slug} about babies and their carers.",
        "audience": "Everyone who meets families with babies.",
        "learning_outcomes": ["describe what a baby is telling you", "respond warmly"],
        "estimated_minutes": 60,
        "cpd_hours": 1.25,
        "validity_months": 36,
        "pass_mark": 80,
        "prerequisites": list(prerequisites),
        "issues_certificate": True,
        "introduction": "### Why this matters\n\nBabies communicate **all the time**.",
        "modules": [
            {
                "slug": "first-module",
                "title": f"First module of {slug}",
                "estimated_minutes": 20,
                "summary": "The first module.",
                "body": [
                    {"text": f"### Looking closely\n\nWatch the baby's face ({slug} lesson one)."},
                    {"reflection": {"key": "r1", "prompt": "What did you notice?"}},
                ],
            },
            {
                "slug": "second-module",
                "title": f"Second module of {slug}",
                "estimated_minutes": 20,
                "summary": "The second module.",
                "body": [
                    {"text": "Cues come in clusters: a yawn, a look away, a hand to the ear."},
                    {
                        "question": question(
                            "m2q1",
                            "What does looking away often mean?",
                            [("A short break", True), ("Boredom", False)],
                        )
                    },
                    {"key_points": {"points": ["Cues come in clusters."]}},
                ],
            },
            {
                "slug": "third-module",
                "title": f"Third module of {slug}",
                "estimated_minutes": 20,
                "summary": "The third module.",
                "body": [{"text": "Talking with parents: start with what they have noticed."}],
            },
        ],
        "knowledge_check": [
            question(f"q{i}", f"Question {i}?", [("Right", True), ("Wrong", False)])
            for i in range(1, 5)
        ]
        + [
            question(
                "q5",
                "Which are subtle cues?",
                [("Yawning", True), ("Hand to ear", True), ("Crying", False)],
                kind="multiple",
            )
        ],
    }


class MiniCurriculum:
    """The real tiers and competency areas with two small courses, in a temporary folder."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEFAULT_SOURCE / "tiers.yaml", path / "tiers.yaml")
        shutil.copy(DEFAULT_SOURCE / "competency_areas.yaml", path / "competency_areas.yaml")
        (path / "courses").mkdir(exist_ok=True)
        self.write_course(course_data("alpha"))
        self.write_course(
            course_data("beta", tier="T2", areas=("observation",), prerequisites=["alpha"])
        )

    def course_file(self, slug: str) -> Path:
        return self.path / "courses" / f"{slug}.yaml"

    def write_course(self, data: dict) -> None:
        self.course_file(data["slug"]).write_text(yaml.safe_dump(data, sort_keys=False))

    def read_course(self, slug: str) -> dict:
        return yaml.safe_load(self.course_file(slug).read_text())

    def edit_course(self, slug: str, change) -> None:
        data = self.read_course(slug)
        change(data)
        self.write_course(data)

    def load(self, **kwargs):
        return load_curriculum(source_dir=self.path, **kwargs)


@pytest.fixture
def mini(tmp_path):
    return MiniCurriculum(tmp_path / "curriculum")


@pytest.fixture
def loaded_mini(db, mini):
    mini.load()
    return mini


@pytest.fixture
def full_curriculum(db):
    """The real starter curriculum, loaded."""
    return load_curriculum()


@pytest.fixture
def superuser(user_factory):
    return user_factory(is_superuser=True, is_staff=True, display_name="Ada Admin")


@pytest.fixture
def trainer(user_factory):
    user = user_factory(display_name="Tara Trainer")
    user.groups.add(Group.objects.get(name=TRAINERS))
    return user


@pytest.fixture
def reviewer(user_factory):
    user = user_factory(display_name="Rev Reviewer")
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user
