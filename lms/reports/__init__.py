"""Reports: the read side for managers, regional leads and trainers.

Owns the coverage dashboard (/reports/), the drill-downs to named people and their training
record, CSV/XLSX exports (audited), course analytics for trainers, reminder emails (Celery beat)
and the page where people see what they were sent; and the read models that keep the figures
fast and exact (``models``, ``facts``, ``receivers``). Also ``manage.py generate_population``
and ``manage.py rebuild_coverage``.

Reads every other app and listens to their signals and saves; no other app imports it. Writes
nothing in other apps.
"""
