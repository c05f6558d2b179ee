"""Courses: the learning record.

Owns enrolments (and the rules that assign them), module progress, knowledge-check attempts,
completions, competency assessments and the tier each practitioner holds; the learner's dashboard
and lesson flow. Reads course structure from ``content``; tells ``certificates`` about completions
through ``transaction.on_commit``.
"""
