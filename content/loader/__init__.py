"""The curriculum loader: the starter framework and courses from reviewable source files in
content/curriculum/ into Wagtail (snippets and published pages), idempotently.

``source`` reads and checks the files; ``load`` writes them; ``richtext`` turns Markdown into
Wagtail rich text.
"""

from .load import LoadReport, load_curriculum
from .source import DEFAULT_SOURCE, CurriculumError, block_id, read_curriculum

__all__ = [
    "DEFAULT_SOURCE",
    "CurriculumError",
    "LoadReport",
    "block_id",
    "load_curriculum",
    "read_curriculum",
]
