"""Personal data held by certificates: the person's certificates (the holder's name is printed
on them) and their training-record requests (PDFs of their whole record).

Erasure keeps every certificate row, so that its number and verification code still answer
(issued, valid until, revoked or not), but the holder's name becomes "a person whose record has
been erased" and the PDFs are deleted (the download disappears, and the periodic sweep does not
render them again). Training-record files and requests are deleted.
"""

from __future__ import annotations

from django.db import transaction

from lms.personal_data import ERASED_HOLDER, identifying_strings, plain, redact

from .models import Certificate, TrainingRecord

SECTION = "certificates"


def export(user) -> dict:
    return plain(
        {
            "certificates": [
                {
                    "number": c.number,
                    "verification_code": c.display_code,
                    "verify_url": c.verify_url(),
                    "holder_name": c.holder_name,
                    "course": c.course_title,
                    "tier": c.tier_label,
                    "cpd_hours": c.cpd_hours,
                    "issued_at": c.issued_at,
                    "valid_until": c.valid_until,
                    "status": c.status_label,
                    "revoked_at": c.revoked_at,
                    "revoked_reason": c.revoked_reason,
                    "renews": c.previous.number if c.previous else None,
                    "pdf_sha256": c.pdf_sha256,
                }
                for c in Certificate.objects.filter(user=user)
                .select_related("previous")
                .order_by("issued_at", "pk")
            ],
            "training_record_requests": [
                {
                    "requested_at": r.requested_at,
                    "status": r.get_status_display(),
                    "finished_at": r.finished_at,
                }
                for r in TrainingRecord.objects.filter(user=user).order_by("requested_at", "pk")
            ],
        }
    )


def _delete_files_on_commit(files) -> None:
    """Delete stored files once the erasure commits (a rolled-back erasure keeps them)."""
    files = [(f.storage, f.name) for f in files if f]
    if files:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


def erase(user) -> dict:
    needles = identifying_strings(user)
    certificates = list(Certificate.objects.select_for_update().filter(user=user))
    pdfs = [c.pdf for c in certificates if c.pdf]
    for certificate in certificates:
        certificate.holder_name = ERASED_HOLDER
        certificate.pdf = ""
        certificate.pdf_sha256 = ""
        # An administrator's reason may name the person.
        certificate.revoked_reason = redact(certificate.revoked_reason, needles)
    Certificate.objects.bulk_update(
        certificates, ["holder_name", "pdf", "pdf_sha256", "revoked_reason"]
    )
    _delete_files_on_commit(pdfs)
    # Their files go with them once committed (receivers.delete_file_on_commit).
    records = TrainingRecord.objects.filter(user=user).delete()[0]
    return {
        "certificates_kept": len(certificates),
        "certificate_pdfs_deleted": len(pdfs),
        "training_records_deleted": records,
    }
