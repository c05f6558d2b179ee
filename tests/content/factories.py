"""Content pages for tests that need more (or different) courses than the curriculum files."""

from itertools import count

from content.models import CourseIndexPage, CoursePage, HomePage, ModulePage

_n = count(1)


def catalogue() -> CourseIndexPage:
    index = CourseIndexPage.objects.first()
    if index is None:
        index = CourseIndexPage(title="Courses", slug="courses")
        HomePage.objects.get().add_child(instance=index)
        index.save_revision().publish()
    return index


def make_course(*, tier, areas=(), required_for_tier=True, title=None, modules=1, live=True):
    n = next(_n)
    course = CoursePage(
        title=title or f"Generated course {n}",
        slug=f"generated-course-{n}",
        tier=tier,
        summary=f"Generated course number {n}.",
        required_for_tier=required_for_tier,
        estimated_minutes=45,
        live=False,
    )
    catalogue().add_child(instance=course)
    course.competency_areas.set(areas)
    revision = course.save_revision()
    if live:
        revision.publish()
    for i in range(modules):
        module = ModulePage(
            title=f"Module {i + 1}",
            slug=f"module-{i + 1}",
            live=False,
            body=[{"type": "text", "value": f"<p>Lesson {i + 1} of course {n}.</p>"}],
        )
        course.add_child(instance=module)
        module.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk)
