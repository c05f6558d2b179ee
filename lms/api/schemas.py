"""The shapes of the API's answers (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class Figures(Schema):
    """The headline figures of the coverage dashboard, under the same names (defined once, in
    ``lms.reports.selectors.HEADLINES``): people counted against the tier their role requires.
    Percentages are of ``staff``, rounded half up to one decimal, each on its own."""

    staff: int = Field(description="People with a job role in these figures.")
    holding: int = Field(description="Hold the required tier today (meets + expiring).")
    holding_percent: float
    meets: int = Field(description="Hold the required tier beyond 90 days.")
    meets_percent: float
    expiring: int = Field(description="Hold it today, but it lapses within 90 days.")
    expiring_percent: float
    overdue: int = Field(description="Do not hold it, and a required course is past due.")
    overdue_percent: float
    not_started: int = Field(description="Do not hold it, and have never started a course.")
    not_started_percent: float
    in_progress: int = Field(description="Do not hold it, have started, nothing past due.")
    in_progress_percent: float
    recent: int = Field(description="Trained in the last 12 months (completed any course).")
    recent_percent: float


class UnitRow(Schema):
    id: int
    name: str
    kind: str
    direct: bool = Field(description="People attached to this unit itself, not to one below.")
    figures: Figures


class RoleRow(Schema):
    id: int
    name: str
    required_tier: str
    figures: Figures


class TierRow(Schema):
    id: int
    code: str
    name: str
    figures: Figures


class Filters(Schema):
    unit: int | None = None
    role: int | None = None
    tier: int | None = None
    course: int | None = None


class Coverage(Schema):
    as_at: datetime = Field(description="When the figures were computed.")
    on: date
    filters: Filters
    total: Figures = Field(description="Everyone in these figures, each person once.")
    units: list[UnitRow]
    roles: list[RoleRow] = Field(description="By job role: someone with two roles counts twice.")
    tiers: list[TierRow] = Field(description="By the tier their roles require.")


class CourseRow(Schema):
    id: int
    title: str
    tier: str
    required: int = Field(description="People whose roles require the course (once each).")
    current: int = Field(description="Of those, people with a current completion.")
    current_percent: float
    expiring: int = Field(description="Current, but expiring within 90 days.")
    expired: int = Field(description="Only an expired completion.")
    never: int = Field(description="Never completed.")


class CourseCoverage(Schema):
    as_at: datetime
    filters: Filters
    courses: list[CourseRow]


class Membership(Schema):
    unit: str
    job_role: str
    tier: str


class Person(Schema):
    id: int
    name: str
    email: str
    status: str = Field(description="meets, expiring, overdue, not_started or in_progress.")
    status_label: str
    holds_required_tier_until: date | None
    next_due_on: date | None
    last_completed_at: datetime | None
    last_activity_at: datetime | None
    memberships: list[Membership]


class People(Schema):
    as_at: datetime
    results: list[Person]
    next_cursor: str | None = Field(description="Send as cursor= for the next page.")
    has_more: bool


class Completion(Schema):
    id: int
    recorded_at: datetime = Field(description="When this system recorded it (the feed's order).")
    person_id: int
    person_email: str
    course_id: int
    course_title: str
    tier: str
    completed_at: datetime
    valid_until: date = Field(description="The last day it counts.")
    expires_at: datetime
    source: str = Field(description="course, imported or prior_learning.")


class Completions(Schema):
    as_at: datetime
    results: list[Completion]
    next_cursor: str = Field(
        description="Where this page ended: send it as cursor= for the next page now, or keep "
        "it and send it later to get what was recorded since."
    )
    has_more: bool


class Error(Schema):
    detail: str
