"""A workshop course for ``seed_demo``: "Video Feedback Practice Day" (T2, optional), with a
face-to-face session and a live online one led by the demo trainer. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from content.models import CourseIndexPage, CoursePage, Tier

from .models import WorkshopSession

SLUG = "video-feedback-practice-day"


@transaction.atomic
def ensure_demo_workshop(trainer) -> CoursePage | None:
    course = CoursePage.objects.filter(slug=SLUG).first()
    catalogue = CourseIndexPage.objects.first()
    tier = Tier.objects.filter(code="T2").first()
    if course is None:
        if catalogue is None or tier is None:
            return None
        course = CoursePage(
            title="Video Feedback Practice Day",
            slug=SLUG,
            tier=tier,
            required_for_tier=False,
            delivery=CoursePage.Delivery.WORKSHOP,
            summary="A face-to-face practice day: filming a short everyday interaction, choosing "
            "moments of attunement to show back to the parent, and giving feedback that "
            "builds their confidence.",
            estimated_minutes=360,
            cpd_hours=6,
            knowledge_check=[],
        )
        catalogue.add_child(instance=course)
        course.save_revision(user=trainer).publish()
    if not WorkshopSession.objects.filter(course=course).exists():
        start = (timezone.now() + timedelta(days=21)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
        venue = WorkshopSession.objects.create(
            course=course,
            starts_at=start,
            ends_at=start + timedelta(hours=6),
            venue_name="Riverside Family Hub, training room 2",
            venue_address="1 River Lane\nNorthtown NT1 1AA",
            accessibility_notes="Step-free access, hearing loop, accessible toilet; quiet room "
            "for feeding or expressing.",
            capacity=12,
            booking_deadline=start - timedelta(days=3),
        )
        online = WorkshopSession.objects.create(
            course=course,
            starts_at=start + timedelta(days=14),
            ends_at=start + timedelta(days=14, hours=3),
            online_link="https://meet.example.org/video-feedback-practice",
            capacity=16,
            booking_deadline=start + timedelta(days=12),
        )
        for session in (venue, online):
            session.trainers.set([trainer])
    return course
