"""Stored packages and courses whose module plays one, for the SCORM tests."""

import io

from content.models import ModulePage
from content.scorm.services import store_package
from tests.courses.factories import make_course

from .packages import scorm12_package, scorm2004_package


class Upload(io.BytesIO):
    """An uploaded file as the form hands it to the service."""

    def __init__(self, data: bytes, name: str = "package.zip"):
        super().__init__(data)
        self.name = name
        self.size = len(data)


def stored(version: str = "1.2", *, title: str | None = None):
    data = scorm12_package() if version == "1.2" else scorm2004_package()
    return store_package(title=title or f"Package {version}", upload=Upload(data))


def scorm_course(package, *, tier, title="E-learning course", questions=(), reflections=None):
    """A published course whose only module plays ``package`` (no knowledge check unless
    ``questions``)."""
    course = make_course(
        title=title,
        tier=tier,
        modules=1,
        reflections=reflections or {},
        questions=list(questions),
    )
    module = ModulePage.objects.child_of(course).get()
    module.scorm_package = package
    module.save_revision().publish()
    module.refresh_from_db()
    return course, module
