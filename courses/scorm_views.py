"""The SCORM runtime's commit endpoint and the trainers' results per package.

The endpoint answers as the runtime expects (``{"result": true, "errorCode": 0}``), with the
standard's error code when a value is refused; the browser keeps a commit and retries it until
it gets an answer that is not a network failure or a server error.
"""

import json

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from content import directory
from content.models import ModulePage

from . import scorm, selectors
from .permissions import may_see_item_analysis
from .scorm_cmi import SCORM_12, CMIError


class CommitView(LoginRequiredMixin, View):
    """POST a SCO's run-time data: ``{"sco", "sequence", "session", "cmi": {element: value}}``.

    A package commits every few seconds while it plays, so the live module comes from the page
    directory (kept by the process) and the learner's enrolment from the module page's own read
    (``selectors.module_enrolment``): two short queries before the commit's own."""

    def post(self, request, module_id):
        tree = directory.on_request(request)
        if module_id not in tree.pages or tree.model_of(module_id) is not ModulePage:
            raise Http404
        module = tree.load(module_id)
        package = module.scorm_package
        if package is None:
            raise Http404
        enrolment = selectors.module_enrolment(request.user, module)
        if enrolment is None:
            raise Http404
        general = 101 if package.version == SCORM_12 else 351
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return _refused(general, "", "The commit is not a JSON object.")
        try:
            result = scorm.commit_cmi(
                enrolment=enrolment,
                module=module,
                sco=str(body.get("sco") or ""),
                sequence=body.get("sequence"),
                session=str(body.get("session") or ""),
                data=body.get("cmi"),
            )
        except CMIError as error:
            return _refused(error.code, error.element, str(error))
        return JsonResponse(
            {
                "result": True,
                "errorCode": 0,
                "sequence": result.record.sequence,
                "applied": result.applied,
                "moduleComplete": result.module_complete,
                "courseComplete": result.completion is not None,
            }
        )


def _refused(code: int, element: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"result": False, "errorCode": code, "element": element, "message": message}, status=400
    )


class ResultsView(LoginRequiredMixin, TemplateView):
    """Trainers' figures per SCORM package: launches, completion, results and scores."""

    template_name = "courses/scorm_results.html"

    def get_context_data(self, **kwargs):
        if not may_see_item_analysis(self.request.user):
            raise Http404
        return {
            **super().get_context_data(**kwargs),
            "results": scorm.package_results(),
            "as_at": timezone.now(),
        }
