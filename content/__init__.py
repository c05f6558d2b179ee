"""Content: the Wagtail side of the product.

Owns the home page, the course catalogue (``CourseIndexPage``), ``CoursePage`` and
``ModulePage``, ``StandardPage``, the StreamField lesson blocks, the framework taxonomy
(``Tier``, ``CompetencyArea``) as snippets, moderation (``moderation``: groups and the "Course
review" workflow), site search (``/search/``) and the curriculum loader (``loader``,
``manage.py load_curriculum``). Knows nothing about learners: learner state on a page comes from
``courses`` through the panels its templates include; "required for my role" comes from the
``lms_required_tier_for_user`` hook, and the "Local pathways" block's contacts from the
``lms_local_pathways_for_user`` hook (``lms.pathways``). The glossary is its sub-app
``content.glossary``. Must not import ``lms.workforce`` or ``courses``.
"""
