"""Glossary: the shared vocabulary of practitioners and parents.

Owns ``GlossaryTerm`` (a Wagtail snippet: the term, other forms it takes in text, a definition
for practitioners, one in plain words for parents, related terms), the glossary page at
``/glossary/`` and the linking of a term's first use in a lesson to its definition, done when
the lesson is rendered so that authors need not mark terms up. Knows nothing about learners.
"""
