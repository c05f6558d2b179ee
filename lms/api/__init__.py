"""The read-only reporting API (``/api/v1/``) for other systems (business intelligence, HR):
coverage by unit, job role, tier and course, people with their status, and a changed-since feed
of completions, with an OpenAPI document at ``/api/v1/openapi.json``.

Owns API tokens (created by organisation, regional and site administrators at ``/api/tokens/``,
scoped to units they administer, shown once, stored as a SHA-256 hash, with an expiry,
revocable, rate limited, every use in the audit log) and the cursors of its lists.

Reads figures only through ``lms.reports`` selectors (the dashboard's and the exports'), so the
numbers cannot drift apart, and never writes a learning record. A token sees what a manager of
its units sees on screen: aggregates for every unit, people by name only in organisations and
teams, never supervision content.
"""
