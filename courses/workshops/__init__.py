"""Workshops and live sessions of workshop and blended courses, and training evaluation.

Owns the sessions trainers schedule (in the Wagtail admin), bookings and the waiting list,
calendar invitations and reminders, the register (attendance completes a course's workshop
part), and learners' evaluations of their training (with the results trainers and regional
leads see, for groups of five or more). Writes go through ``services``, reads through
``selectors``.
"""
