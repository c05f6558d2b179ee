"""Names of the Wagtail groups that author and approve content (created by migrations)."""

TRAINERS = "Trainers"
REVIEWERS = "Reviewers"
AUTHORING_GROUPS = (TRAINERS, REVIEWERS)
