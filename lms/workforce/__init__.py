"""Workforce: who works where, in which role, and who manages whom.

Owns the organisation tree (region > organisation > team), job roles and the tier each requires,
memberships (a person in a unit, in a role, perhaps as its manager), invitations and staff
import. A manager manages their unit and every unit below it; a manager of a region is a regional
lead. Other apps ask ``selectors`` who is in scope and listen to ``signals`` for role changes; they
never write these tables directly.
"""
