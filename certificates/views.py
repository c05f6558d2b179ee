"""The learner's certificate pages (list, downloads, training record) and the public
verification pages. Rules live in ``services``, ``selectors`` and ``permissions``; anything a
person may not see answers 404."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from . import ratelimit, selectors, services
from .codes import format_code
from .forms import VerifyForm
from .models import TrainingRecord


def _private_pdf(file, filename: str) -> FileResponse:
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _public(response):
    """Headers for the public verification pages: not indexed, not cached (a certificate can
    be revoked at any time) and the code in the URL is not sent to other sites."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


# --- The learner's pages --------------------------------------------------------------------


class MyCertificatesView(LoginRequiredMixin, TemplateView):
    template_name = "certificates/mine.html"

    def get_context_data(self, **kwargs):
        records = selectors.training_records_of(self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "certificates": list(selectors.certificates_of(self.request.user)),
            "latest_record": records[0] if records else None,
        }


class CertificateDownloadView(LoginRequiredMixin, View):
    def get(self, request, ref):
        certificate = selectors.certificate_for_download(request.user, ref)
        if certificate is None:
            raise Http404("No certificate found.")
        return _private_pdf(certificate.pdf, certificate.pdf_filename())


class CompletionCertificateView(LoginRequiredMixin, View):
    """The PDF of the certificate of one of the person's own completions; while it is being
    prepared (or if it was revoked), their certificates page, which says so."""

    def get(self, request, completion_id):
        certificate = selectors.certificate_of_completion(request.user, completion_id)
        if certificate is None:
            raise Http404("No certificate found.")
        if certificate.is_revoked or not certificate.pdf:
            return redirect("certificates:mine")
        return _private_pdf(certificate.pdf, certificate.pdf_filename())


class TrainingRecordRequestView(LoginRequiredMixin, View):
    def post(self, request):
        record, _ = services.request_training_record(user=request.user)
        return redirect("certificates:training_record", record.pk)


def _record_or_404(request, pk) -> TrainingRecord:
    record = selectors.training_record_for(request.user, pk)
    if record is None:
        raise Http404("No training record found.")
    return record


class TrainingRecordView(LoginRequiredMixin, TemplateView):
    template_name = "certificates/training_record.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "record": _record_or_404(self.request, self.kwargs["pk"]),
        }


class TrainingRecordStatusView(LoginRequiredMixin, View):
    """What the progress page polls (from a static script)."""

    def get(self, request, pk):
        record = _record_or_404(request, pk)
        response = JsonResponse(
            {
                "status": record.status,
                "label": record.get_status_display(),
                "progress": record.progress,
                "done": not record.in_progress,
            }
        )
        response["Cache-Control"] = "no-store"
        return response


class TrainingRecordDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        record = _record_or_404(request, pk)
        if record.status != TrainingRecord.Status.READY or not record.file:
            raise Http404("This training record is not ready.")
        return _private_pdf(record.file, record.pdf_filename())


# --- Public verification --------------------------------------------------------------------


class VerifyLookupView(View):
    """A form to type a code; a valid-looking code goes to its verification page."""

    def get(self, request):
        form = VerifyForm(request.GET) if "code" in request.GET else VerifyForm()
        if form.is_bound and form.is_valid():
            return redirect("certificates:verify", format_code(form.cleaned_data["code"]))
        return _public(render(request, "certificates/verify_lookup.html", {"form": form}))


class VerifyView(View):
    def get(self, request, code):
        wait = ratelimit.retry_after(request)
        if wait is not None:
            response = render(
                request,
                "certificates/verify_limited.html",
                {"minutes": max(1, round(wait / 60))},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return _public(response)
        ratelimit.consume(request)
        certificate = selectors.by_code(code)
        if certificate is None:
            ratelimit.consume(request, ratelimit.unknown_cost())
            form = VerifyForm(initial={"code": code})
            return _public(
                render(
                    request,
                    "certificates/verify_not_found.html",
                    {"form": form, "typed": code},
                    status=404,
                )
            )
        return _public(
            render(
                request,
                "certificates/verify.html",
                {"certificate": certificate, "status": certificate.status},
            )
        )
