"""A realistic SCORM 1.2 run-time snapshot, as scorm-again commits it for a SCO part-way through
(about 3 KB: 40 elements, four interactions, suspend data); shared by the SCORM and load
benchmarks."""


def snapshot(location: int) -> dict:
    data = {
        "cmi.suspend_data": ",".join(str(n) for n in range(1, location + 1)) + "|" + "x" * 1500,
        "cmi.launch_data": "",
        "cmi.comments": "",
        "cmi.comments_from_lms": "",
        "cmi.core.student_id": "1",
        "cmi.core.student_name": "Learner, Bench",
        "cmi.core.lesson_location": str(location),
        "cmi.core.credit": "credit",
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.entry": "resume",
        "cmi.core.lesson_mode": "normal",
        "cmi.core.exit": "",
        "cmi.core.session_time": "0000:04:12.50",
        "cmi.core.score.raw": "",
        "cmi.core.score.min": "",
        "cmi.core.score.max": "100",
        "cmi.core.total_time": "0000:10:40.00",
        "cmi.objectives": {},
        "cmi.student_data.mastery_score": "80",
        "cmi.student_preference.audio": "",
        "cmi.student_preference.language": "",
        "cmi.student_preference.speed": "",
        "cmi.student_preference.text": "",
    }
    for n in range(4):
        data |= {
            f"cmi.interactions.{n}.id": f"question-{n}",
            f"cmi.interactions.{n}.type": "choice",
            f"cmi.interactions.{n}.student_response": "b",
            f"cmi.interactions.{n}.result": "wrong" if n % 2 else "correct",
            f"cmi.interactions.{n}.time": "10:15:00",
            f"cmi.interactions.{n}.latency": "0000:00:12.00",
        }
    return data
