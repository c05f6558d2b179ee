"""Template tags that put the learner's state on content pages (``{% load learning %}``).

Content templates include the panels in ``courses/panels/``; the panels ask these tags for the
state they show. Results are kept on the request (``lms.request_memo``), so a page with several
reflection prompts reads the learner's answers and enrolment once.
"""

from dataclasses import dataclass

from django import template

from content.models import CoursePage, ModulePage
from lms.request_memo import per_request

from .. import selectors
from ..forms import MISSING_REFLECTIONS_KEY
from ..models import Enrolment, Reflection

register = template.Library()


def _request_and_user(context):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return request, user


@register.simple_tag(takes_context=True)
def course_state(context, page=None):
    """``{% course_state page as state %}``: the learner's enrolment, progress, knowledge check
    and completion for a course page."""
    request, user = _request_and_user(context)
    page = page or context.get("page")
    if not isinstance(page, CoursePage):
        return None
    return per_request(
        request, ("course_state", page.pk), lambda: selectors.course_state(user, page)
    )


@register.simple_tag(takes_context=True)
def module_state(context, page=None):
    """``{% module_state page as state %}``: position, enrolment and progress for a module."""
    request, user = _request_and_user(context)
    page = page or context.get("page")
    if not isinstance(page, ModulePage):
        return None
    return per_request(
        request, ("module_state", page.pk), lambda: selectors.module_state(user, page, request)
    )


@dataclass
class ReflectionField:
    block_id: str
    signed_in: bool
    enrolled: bool
    reflection: Reflection | None
    missing: bool
    form_id: str

    @property
    def text(self) -> str:
        return self.reflection.text if self.reflection else ""


@register.simple_tag(takes_context=True)
def reflection_state(context, page, block_id):
    """``{% reflection_state page block_id as r %}``: the learner's saved answer to one
    reflection prompt, and whether it was missing when they tried to complete the module."""
    request, user = _request_and_user(context)
    signed_in = bool(user and user.is_authenticated)
    block_id = str(block_id or "")
    if not signed_in or not isinstance(page, ModulePage):
        return ReflectionField(block_id, signed_in, False, None, False, "")
    enrolment = selectors.module_enrolment_on_request(request, user, page)
    answers = per_request(
        request, ("reflections", page.pk), lambda: selectors.reflections_on(user, page)
    )
    missing = False
    session = getattr(request, "session", None)
    if session is not None and block_id in session.get(MISSING_REFLECTIONS_KEY, []):
        remaining = [b for b in session[MISSING_REFLECTIONS_KEY] if b != block_id]
        if remaining:
            session[MISSING_REFLECTIONS_KEY] = remaining
        else:
            del session[MISSING_REFLECTIONS_KEY]
        missing = True
    return ReflectionField(
        block_id=block_id,
        signed_in=True,
        enrolled=enrolment is not None and enrolment.status == Enrolment.Status.ACTIVE,
        reflection=answers.get(block_id),
        missing=missing,
        form_id=module_form_id(page),
    )


@register.simple_tag
def module_form_id(page) -> str:
    """The id of the module's "Mark as complete" form, which reflection answers belong to."""
    return f"module-form-{page.pk}"


@register.filter
def percent_of(done, total) -> int:
    try:
        return selectors.percent(int(done), int(total))
    except (TypeError, ValueError):
        return 0


@register.simple_tag(takes_context=True)
def scorm_player(context, page):
    """``{% scorm_player page as player %}``: what the module's SCORM player needs: the SCO to
    play (``?sco=``), each SCO with the learner's state, and the runtime's starting data and
    commit address. ``None`` for a module without a package."""
    import uuid

    from django.middleware.csrf import get_token
    from django.urls import reverse

    from .. import scorm

    request, user = _request_and_user(context)
    if not isinstance(page, ModulePage) or not page.scorm_package_id:
        return None
    package = page.scorm_package
    signed_in = bool(user and user.is_authenticated)
    enrolment = selectors.module_enrolment_on_request(request, user, page) if signed_in else None
    player = {"package": package, "enrolment": enrolment, "signed_in": signed_in}
    if enrolment is None:
        return player
    chosen = package.sco(request.GET.get("sco", "") if request else "") or package.sco("")
    records = scorm.module_sco_records(enrolment=enrolment, module=page)
    player["scos"] = [
        {
            **sco,
            "current": sco["identifier"] == chosen["identifier"],
            "done": sco["identifier"] in records and scorm.is_done(records[sco["identifier"]]),
            "started": sco["identifier"] in records,
        }
        for sco in package.scos
    ]
    launch = scorm.launch_state(enrolment=enrolment, module=page, sco=chosen, user=user)
    launch_path, mark, launch_query = chosen["href"].partition("?")
    launch_query = mark + launch_query
    player["sco"] = chosen
    player["config"] = {
        "version": package.version,
        "sco": chosen["identifier"],
        "commitUrl": reverse("courses:scorm_commit", args=[page.pk]),
        "launchUrl": reverse("scorm:serve", args=[package.pk, launch_path]) + launch_query,
        "csrfToken": get_token(request),
        "session": uuid.uuid4().hex,
        "sequence": launch["sequence"],
        "data": launch["data"],
        "storageKey": f"scorm:{user.pk}:{page.pk}:{package.pk}:{chosen['identifier']}",
    }
    return player
