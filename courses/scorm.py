"""SCORM run-time data as a learning record: saving what a learner's browser commits, the
state a launch resumes from, and the figures trainers see per package.

Writes follow ``record_quiz_attempt``'s shape: validate first (outside any transaction), lock
the learner's record for the SCO, drop a commit that is not newer than the last one applied
(browsers retry, and an old tab may wake up), apply, and complete the module through the same
path as the "Mark as complete" button when every SCO of the package is done.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from content.models import ModulePage
from content.scorm.models import ScormPackage

from . import scorm_cmi
from .models import Completion, Enrolment, ModuleProgress, ScoRecord
from .scorm_cmi import SCORM_12, CMIError
from .xapi import services as xapi

MAX_SEQUENCE = 2**62


@dataclass
class CommitResult:
    record: ScoRecord
    applied: bool
    module_complete: bool
    completion: Completion | None = None


def _statuses(clean: scorm_cmi.CleanCMI, record: ScoRecord) -> tuple[str, str]:
    """(completion, success) in SCORM 2004's words, for both versions."""
    if clean.version == SCORM_12:
        status = clean.values.get(
            "cmi.core.lesson_status", record.cmi.get("cmi.core.lesson_status")
        )
        if status is None:
            return record.completion_status, record.success_status
        completion = (
            "completed"
            if status in ("completed", "passed")
            else "not attempted"
            if status == "not attempted"
            else "incomplete"
        )
        success = {"passed": "passed", "failed": "failed"}.get(status, "unknown")
        return completion, success
    return (
        clean.values.get("cmi.completion_status", record.completion_status),
        clean.values.get("cmi.success_status", record.success_status),
    )


def is_done(record: ScoRecord) -> bool:
    """Completed, and not failed: a SCO that reports a result must report a pass. (A SCORM 2004
    SCO may report only that it was passed.)"""
    if record.success_status == "failed":
        return False
    return record.completion_status == "completed" or record.success_status == "passed"


def _number(value):
    return None if value in ("", None) else float(value)


def _apply(record: ScoRecord, clean: scorm_cmi.CleanCMI, *, session: str) -> None:
    values = clean.values
    record.cmi = {**record.cmi, **values}
    record.location = clean.get("cmi.core.lesson_location", "cmi.location", record.location)
    record.suspend_data = clean.get("cmi.suspend_data", "cmi.suspend_data", record.suspend_data)
    record.exit = clean.get("cmi.core.exit", "cmi.exit", record.exit)
    record.completion_status, record.success_status = _statuses(clean, record)
    prefix = "cmi.core.score." if clean.version == SCORM_12 else "cmi.score."
    for part in ("raw", "min", "max"):
        if prefix + part in values:
            setattr(record, f"score_{part}", _number(values[prefix + part]))
    if "cmi.score.scaled" in values:
        record.score_scaled = _number(values["cmi.score.scaled"])
    record.score_percent = score_percent(record)
    session_time = clean.get("cmi.core.session_time", "cmi.session_time")
    if session_time:
        record.session_seconds = scorm_cmi.seconds(clean.version, session_time)
    total_time = clean.get("cmi.core.total_time", "cmi.total_time")
    if total_time:
        # The runtime reports the time carried in plus this session's; never less than before.
        record.total_seconds = max(
            record.total_seconds, scorm_cmi.seconds(clean.version, total_time)
        )
    if session and session != record.session_key:
        record.session_key = session[:64]
        record.sessions += 1
    record.updated_at = timezone.now()


def score_percent(record: ScoRecord) -> float | None:
    """The score as a percentage: scaled when given, otherwise raw within min and max."""
    if record.score_scaled is not None:
        return round(record.score_scaled * 100, 1)
    if record.score_raw is None:
        return None
    low = record.score_min if record.score_min is not None else 0
    high = record.score_max if record.score_max is not None else 100
    if high <= low:
        return None
    return round((record.score_raw - low) / (high - low) * 100, 1)


def package_done(*, enrolment: Enrolment, module: ModulePage) -> bool:
    """Whether the learner has completed (and, where reported, passed) every SCO of the
    module's package. True for a module without a package."""
    package = module.scorm_package
    if package is None:
        return True
    records = ScoRecord.objects.filter(enrolment=enrolment, module=module, package=package)
    done = {r.sco for r in records.only("sco", "completion_status", "success_status") if is_done(r)}
    return set(package.sco_identifiers) <= done


def commit_cmi(
    *,
    enrolment: Enrolment,
    module: ModulePage,
    sco: str,
    sequence: int,
    session: str,
    data: dict,
) -> CommitResult:
    """Save one commit of a SCO's run-time data for the learner's enrolment.

    ``sequence`` numbers the learner's commits for this SCO (the browser counts up from the
    number it was given at launch); a commit numbered no higher than the last one applied
    changes nothing and is answered as a success, so retries and replays are safe. Raises
    ``CMIError`` (nothing saved) when a value breaks the data model. When this commit finishes
    the last SCO, the module is marked complete and the course completes if nothing else is
    left (``completion`` is then set).
    """
    package: ScormPackage = module.scorm_package
    general = 101 if package.version == SCORM_12 else 351
    if package.sco(sco) is None or not sco:
        raise CMIError(general, "sco", "is not an item of this module's package")
    if (
        not isinstance(sequence, int)
        or isinstance(sequence, bool)
        or not 0 < sequence < MAX_SEQUENCE
    ):
        raise CMIError(general, "sequence", "must be a positive whole number")
    clean = scorm_cmi.validate(package.version, data)

    with transaction.atomic():
        # The lock serialises commits of one SCO by one learner (two tabs, a retry racing the
        # original); the unique key on (enrolment, module, sco) is the last guard.
        key = {"enrolment": enrolment, "module": module, "sco": sco}
        record = ScoRecord.objects.select_for_update().filter(**key).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = ScoRecord.objects.create(**key, package=package)
            except IntegrityError:  # created by a concurrent first commit: wait for its lock
                record = ScoRecord.objects.select_for_update().get(**key)
        if record.package_id != package.pk:
            # The module now plays a new version of the package: the old state does not fit it.
            record = _restart(record, package)
        if sequence <= record.sequence:
            return CommitResult(record=record, applied=False, module_complete=False)
        was_done = record.completed_at is not None
        _apply(record, clean, session=session)
        record.sequence = sequence
        if is_done(record) and record.completed_at is None:
            record.completed_at = record.updated_at
        record.save()
        if record.completed_at is not None and not was_done:
            xapi.record_sco_completed(sco_record=record, module=module, enrolment=enrolment)
        completion = None
        module_complete = False
        if record.completed_at is not None and not was_done:
            module_complete, completion = _complete_module_if_done(enrolment, module)
    return CommitResult(
        record=record, applied=True, module_complete=module_complete, completion=completion
    )


def _restart(record: ScoRecord, package: ScormPackage) -> ScoRecord:
    fresh = ScoRecord(
        pk=record.pk,
        enrolment_id=record.enrolment_id,
        module_id=record.module_id,
        sco=record.sco,
        package=package,
        sequence=0,  # the launch of the new package counted from 0
    )
    fresh.save()
    return fresh


def _complete_module_if_done(enrolment: Enrolment, module: ModulePage):
    from .services import ModuleIncomplete, complete_module

    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    if enrolment.status != Enrolment.Status.ACTIVE or not package_done(
        enrolment=enrolment, module=module
    ):
        return False, None
    try:
        outcome = complete_module(enrolment=enrolment, module=module)
    except ModuleIncomplete:  # reflection prompts are still to answer: the learner finishes
        return False, None
    return True, outcome.completion


# --- Reads ----------------------------------------------------------------------------------


def learner_name(user) -> str:
    """ "Surname, Forename" as SCORM asks, or the email address when no name is held."""
    if user.last_name or user.first_name:
        return ", ".join(p for p in (user.last_name, user.first_name) if p)[:250]
    return user.get_username()[:250]


def launch_state(*, enrolment: Enrolment | None, module: ModulePage, sco: dict, user) -> dict:
    """What the runtime starts from (flattened elements) and the commit number to count on
    from: the learner's saved location, suspend data, statuses, score and time, so that the
    package resumes where they stopped."""
    package = module.scorm_package
    record = None
    if enrolment is not None:
        record = ScoRecord.objects.filter(
            enrolment=enrolment, module=module, sco=sco["identifier"], package=package
        ).first()
    credit = "credit" if enrolment and enrolment.status == Enrolment.Status.ACTIVE else "no-credit"
    resume = record is not None and record.exit == "suspend"
    if package.version == SCORM_12:
        data = {
            "cmi.core.student_id": str(user.pk),
            "cmi.core.student_name": learner_name(user),
            "cmi.core.credit": credit,
            "cmi.core.entry": "resume" if resume else ("" if record else "ab-initio"),
            "cmi.core.lesson_mode": "normal",
        }
        if sco.get("mastery_score"):
            data["cmi.student_data.mastery_score"] = sco["mastery_score"]
        if record is not None:
            keep = ("cmi.core.lesson_location", "cmi.core.lesson_status", "cmi.suspend_data")
            keep += ("cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max")
            data |= {k: record.cmi[k] for k in keep if record.cmi.get(k) not in (None, "")}
            data["cmi.core.total_time"] = scorm_cmi.timespan_12(record.total_seconds)
    else:
        data = {
            "cmi.learner_id": str(user.pk),
            "cmi.learner_name": learner_name(user),
            "cmi.credit": credit,
            "cmi.entry": "resume" if resume else ("" if record else "ab-initio"),
            "cmi.mode": "normal",
        }
        if record is not None:
            keep = ("cmi.location", "cmi.completion_status", "cmi.success_status")
            keep += ("cmi.suspend_data", "cmi.progress_measure")
            keep += ("cmi.score.scaled", "cmi.score.raw", "cmi.score.min", "cmi.score.max")
            data |= {k: record.cmi[k] for k in keep if record.cmi.get(k) not in (None, "")}
            data["cmi.total_time"] = scorm_cmi.duration_2004(record.total_seconds)
    return {"data": data, "sequence": record.sequence if record else 0}


def module_sco_records(*, enrolment: Enrolment, module: ModulePage) -> dict[str, ScoRecord]:
    return {
        r.sco: r
        for r in ScoRecord.objects.filter(
            enrolment=enrolment, module=module, package_id=module.scorm_package_id
        )
    }


@dataclass
class ScoResult:
    identifier: str
    title: str
    learners: int = 0
    launches: int = 0
    completed: int = 0
    passed: int = 0
    failed: int = 0
    mean_score: float | None = None
    mean_minutes: float | None = None


@dataclass
class PackageResult:
    package: ScormPackage
    modules: list
    scos: list[ScoResult]
    learners: int
    completed_modules: int


def package_results() -> list[PackageResult]:
    """Per package, per SCO: learners who launched it, launches, how many completed, passed and
    failed, the mean score and the mean time spent. Figures for groups, never individuals.
    Five queries whatever the number of packages."""
    packages = list(ScormPackage.objects.order_by("title", "pk"))
    rows = (
        ScoRecord.objects.filter(package__in=packages)
        .values("package_id", "sco")
        .annotate(
            learners=Count("enrolment__user_id", distinct=True),
            launches=Sum("sessions"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            passed=Count("pk", filter=Q(success_status="passed")),
            failed=Count("pk", filter=Q(success_status="failed")),
            mean_score=Avg("score_percent"),
            mean_seconds=Avg("total_seconds"),
        )
    )
    figures = {(r["package_id"], r["sco"]): r for r in rows}
    modules: dict[int, list] = {}
    for module in ModulePage.objects.filter(scorm_package__in=packages).order_by("path"):
        modules.setdefault(module.scorm_package_id, []).append(module)
    module_ids = [m.pk for ms in modules.values() for m in ms]
    completed = dict(
        ModuleProgress.objects.filter(module_id__in=module_ids, completed_at__isnull=False)
        .values_list("module__scorm_package")
        .annotate(n=Count("pk"))
        .values_list(F("module__scorm_package"), "n")
    )
    learners = dict(
        ScoRecord.objects.filter(package__in=packages)
        .values_list("package_id")
        .annotate(n=Count("enrolment__user_id", distinct=True))
        .values_list("package_id", "n")
    )
    results = []
    for package in packages:
        scos = []
        for sco in package.scos:
            row = figures.get((package.pk, sco["identifier"]), {})
            scos.append(
                ScoResult(
                    identifier=sco["identifier"],
                    title=sco["title"],
                    learners=row.get("learners", 0),
                    launches=row.get("launches") or 0,
                    completed=row.get("completed", 0),
                    passed=row.get("passed", 0),
                    failed=row.get("failed", 0),
                    mean_score=_round(row.get("mean_score")),
                    mean_minutes=_round((row.get("mean_seconds") or 0) / 60)
                    if row.get("mean_seconds") is not None
                    else None,
                )
            )
        results.append(
            PackageResult(
                package=package,
                modules=modules.get(package.pk, []),
                scos=scos,
                learners=learners.get(package.pk, 0),
                completed_modules=completed.get(package.pk, 0),
            )
        )
    return results


def _round(value):
    return None if value is None else round(value, 1)
