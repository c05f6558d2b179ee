"""``python manage.py demo_learning``: give a demo practitioner a realistic learning record.

Completes every T1 core course but the last ``--leave`` (default 1) for the person, through the
same services the pages use (modules, reflections, a passed knowledge check), so that finishing
the remaining course in the browser visibly moves the tier they hold. Safe to run again.
"""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from content.models import Tier
from courses import draws, selectors, services
from courses.models import Enrolment

REFLECTION = "Demo reflection: I will give the baby a moment of my attention at every contact."


def correct_answers(course, presented) -> dict[str, list[str]]:
    shown = {item["question"] for item in presented}
    return {
        block.id: [o.id for o in block.value["options"].bound_blocks if o.value["correct"]]
        for block in course.questions()
        if block.id in shown
    }


class Command(BaseCommand):
    help = "Complete all but the last T1 core course(s) for a demo practitioner."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="practitioner@example.org")
        parser.add_argument(
            "--leave",
            type=int,
            default=1,
            help="How many T1 core courses to leave for the person to do in the browser.",
        )

    def handle(self, *args, email, leave, **options):
        person = get_user_model().objects.filter(email__iexact=email).first()
        if person is None:
            raise CommandError(f"No one has the email address {email}; run seed_demo first.")
        entry = Tier.objects.order_by("order").first()
        if entry is None:
            raise CommandError("There are no tiers yet; run load_curriculum first.")
        courses = list(
            selectors.live_courses().filter(required_for_tier=True, tier=entry).order_by("path")
        )
        to_finish = courses[: max(len(courses) - leave, 0)]
        for course in to_finish:
            enrolment, _ = services.enrol(user=person, course=course, source=Enrolment.Source.RULE)
            if enrolment.status == Enrolment.Status.COMPLETED:
                self.stdout.write(f"  already done  {course.title}")
                continue
            for module in course.modules():
                services.start_module(enrolment=enrolment, module=module)
                services.complete_module(
                    enrolment=enrolment,
                    module=module,
                    answers={block.id: REFLECTION for block in module.reflection_blocks()},
                )
            if course.questions():
                presented = draws.draw(course=course, enrolment=enrolment)
                services.record_quiz_attempt(
                    enrolment=enrolment,
                    answers=correct_answers(course, presented),
                    idempotency_key=uuid.uuid4(),
                    presented=presented,
                )
            self.stdout.write(f"  completed     {course.title}")
        left = [c.title for c in courses[len(to_finish) :]]
        if left:
            self.stdout.write(
                f"{person.email} has {len(left)} {entry.code} core course(s) left: "
                + "; ".join(left)
                + f". Completing it gives them {entry.code} {entry.name}."
            )
