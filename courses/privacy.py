"""Personal data held by the learning record: enrolments and progress, knowledge-check
attempts, completions, reflections, competency assessments (about the person and made by them),
SCORM records, the tiers they hold and their learning summary.

Erasure deletes reflections (private free text), what e-learning packages recorded (answers and
notes they may hold; their statuses, scores and times stay), the evidence written about the
person in competency assessments and the evidence files of training done elsewhere;
enrolments, attempts, completions, assessments' outcomes and standings stay with the
anonymised account, so coverage and course figures do not change.
"""

from __future__ import annotations

from django.db.models import Prefetch

from lms.personal_data import REMOVED_TEXT, plain

from .models import (
    CompetencyAssessment,
    Completion,
    Enrolment,
    LearnerSummary,
    ModuleProgress,
    PriorLearning,
    QuizAttempt,
    Reflection,
    ScoRecord,
    TierStanding,
)

SECTION = "learning"


def _assessment(a: CompetencyAssessment, *, person: bool) -> dict:
    row = {
        "tier": a.tier.code,
        "competency_area": a.competency_area.name if a.competency_area else "Overall",
        "status": a.get_status_display(),
        "evidence": a.evidence,
        "assessed_on": a.assessed_on,
        "recorded_at": a.created_at,
    }
    if person:
        row["person"] = str(a.user)
    else:
        row["assessor"] = str(a.assessor)
    return row


def export(user) -> dict:
    enrolments = (
        Enrolment.objects.filter(user=user)
        .select_related("course", "course__tier", "completion")
        .prefetch_related(
            Prefetch(
                "progress",
                queryset=ModuleProgress.objects.select_related("module").order_by("started_at"),
            )
        )
        .order_by("created_at", "pk")
    )
    attempts = (
        QuizAttempt.objects.filter(enrolment__user=user)
        .select_related("enrolment__course")
        .prefetch_related("responses")
        .order_by("submitted_at", "pk")
    )
    summary = LearnerSummary.objects.filter(user=user).first()
    return plain(
        {
            "enrolments": [
                {
                    "course": e.course.title,
                    "tier": e.course.tier.code,
                    "cycle": e.cycle,
                    "source": e.get_source_display(),
                    "status": e.get_status_display(),
                    "current": e.is_current,
                    "due_on": e.due_on,
                    "enrolled_at": e.created_at,
                    "started_at": e.started_at,
                    "completed_at": e.completed_at,
                    "withdrawn_at": e.withdrawn_at,
                    "modules": [
                        {
                            "module": p.module.title,
                            "started_at": p.started_at,
                            "completed_at": p.completed_at,
                        }
                        for p in e.progress.all()
                    ],
                }
                for e in enrolments
            ],
            "knowledge_check_attempts": [
                {
                    "course": a.enrolment.course.title,
                    "number": a.number,
                    "submitted_at": a.submitted_at,
                    "score_percent": a.score,
                    "pass_mark_percent": a.pass_mark,
                    "passed": a.passed,
                    "questions_correct": a.correct_count,
                    "questions": a.question_count,
                    "answers": [
                        {"question": r.question_id, "chosen": r.selected, "correct": r.correct}
                        for r in sorted(a.responses.all(), key=lambda r: r.question_id)
                    ]
                    or a.answers,
                }
                for a in attempts
            ],
            "completions": [
                {
                    "course": c.course_title,
                    "tier": c.tier_code,
                    "score_percent": c.score,
                    "completed_at": c.completed_at,
                    "valid_until": c.valid_until,
                }
                for c in Completion.objects.filter(user=user).order_by("completed_at", "pk")
            ],
            "elearning_records": [
                {
                    "module": r.module.title,
                    "package": r.package.title,
                    "part": r.sco,
                    "completion_status": r.completion_status,
                    "success_status": r.success_status,
                    "score_percent": r.score_percent,
                    "seconds_spent": r.total_seconds,
                    "launches": r.sessions,
                    "data_recorded_by_the_package": r.cmi,
                    "started_at": r.started_at,
                    "updated_at": r.updated_at,
                }
                for r in ScoRecord.objects.filter(enrolment__user=user)
                .select_related("module", "package")
                .order_by("started_at", "pk")
            ],
            "reflections": [
                {
                    "course": r.course_title,
                    "module": r.module_title,
                    "prompt": r.prompt,
                    "text": r.text,
                    "created_at": r.created_at,
                    "updated_at": r.updated_at,
                }
                for r in Reflection.objects.filter(user=user).order_by("created_at", "pk")
            ],
            "competency_assessments_of_me": [
                _assessment(a, person=False)
                for a in CompetencyAssessment.objects.filter(user=user)
                .select_related("tier", "competency_area", "assessor")
                .order_by("assessed_on", "pk")
            ],
            "competency_assessments_i_made": [
                _assessment(a, person=True)
                for a in CompetencyAssessment.objects.filter(assessor=user)
                .select_related("tier", "competency_area", "user")
                .order_by("assessed_on", "pk")
            ],
            "tiers_held": [
                {"tier": s.tier.code, "name": s.tier.name, "valid_until": s.valid_until}
                for s in TierStanding.objects.filter(user=user)
                .select_related("tier")
                .order_by("tier__order")
            ],
            "training_done_elsewhere": [
                {
                    "title": p.title,
                    "provider": p.provider,
                    "completed_on": p.completed_on,
                    "hours": p.hours,
                    "claimed_as": p.course.title if p.course else None,
                    "status": p.get_status_display(),
                    "recognised_until": p.expires_on,
                    "reason": p.reason,
                    "evidence_file": p.evidence_name or None,
                }
                for p in PriorLearning.objects.filter(user=user)
                .select_related("course")
                .order_by("completed_on", "pk")
            ],
            "learning_summary": {
                "first_started_at": summary.first_started_at,
                "last_activity_at": summary.last_activity_at,
                "last_completed_at": summary.last_completed_at,
                "next_due_on": summary.next_due_on,
            }
            if summary
            else None,
        }
    )


def erase(user) -> dict:
    reflections = Reflection.objects.filter(user=user).delete()[0]
    evidence = (
        CompetencyAssessment.objects.filter(user=user)
        .exclude(evidence=REMOVED_TEXT)
        .update(evidence=REMOVED_TEXT)
    )
    evidence_files = 0
    for claim in PriorLearning.objects.filter(user=user).exclude(evidence=""):
        claim.evidence.delete(save=False)
        evidence_files += 1
    PriorLearning.objects.filter(user=user).update(evidence="", evidence_name="")
    # What e-learning packages recorded may hold free text (answers typed, comments): removed;
    # statuses, scores and times stay, as for knowledge-check attempts.
    elearning = (
        ScoRecord.objects.filter(enrolment__user=user)
        .exclude(cmi={}, suspend_data="", location="")
        .update(cmi={}, suspend_data="", location="")
    )
    return {
        "elearning_data_removed": elearning,
        "reflections_deleted": reflections,
        "prior_learning_evidence_deleted": evidence_files,
        "assessment_evidence_removed": evidence,
        "enrolments_kept": Enrolment.objects.filter(user=user).count(),
        "completions_kept": Completion.objects.filter(user=user).count(),
    }
