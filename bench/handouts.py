"""The states-and-cues parent handout rendered to PDF: first render in a process, then warm.

    .venv/bin/python bench/handouts.py               # 20 warm renders
    .venv/bin/python bench/handouts.py --renders 50

Renders the handout's real template and diagrams with WeasyPrint, without a database (the
glossary terms and helplines are left out, which shortens the leaflet by a few lines). A
rendered handout is kept in the cache until its content changes, so this is the cost of the
first download after a change, not of every download.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.template.loader import render_to_string

    from content.diagrams import DIAGRAMS
    from content.handouts import HANDOUTS, render_pdf

    handout = HANDOUTS["states-and-cues"]
    html = render_to_string(
        "content/handouts/handout.html",
        {
            "handout": handout,
            "diagrams": [(DIAGRAMS[k], DIAGRAMS[k].svg(f"handout-{k}")) for k in handout.diagrams],
            "terms": [],
            "help": [],
        },
    )
    start = time.perf_counter()
    pdf = render_pdf(html)
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(args.renders):
        start = time.perf_counter()
        render_pdf(html)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"handout {handout.slug}: {len(pdf) / 1024:.0f} KiB")
    print(f"first render in the process: {first:.0f} ms")
    print(
        f"warm, {args.renders} renders: p50 {statistics.median(times):.0f} ms, "
        f"max {times[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
