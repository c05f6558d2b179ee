"""The main navigation: which sections a person sees depends on their roles.

A section appears only when its URL exists, so the navigation never links to a page that is
not there.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from lms.workforce.selectors import account_flags, roles_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


# (label, URL name, roles that see it; None = everyone, "*" = anyone signed in)
SECTIONS = [
    ("Learn", "courses:dashboard", "*"),
    ("Courses", "/courses/", None),
    ("Glossary", "glossary:index", None),
    ("Supervision", "supervision:home", "*"),
    ("Certificates", "certificates:mine", "*"),
    (
        "Reports",
        "reports:dashboard",
        {"manager", "regional_lead", "trainer", "admin", "organisation_admin", "regional_admin"},
    ),
    (
        "My teams",
        "workforce:home",
        {"manager", "regional_lead", "admin", "organisation_admin", "regional_admin"},
    ),
    ("API tokens", "api_tokens:list", {"admin", "organisation_admin", "regional_admin"}),
]


def _resolve(name: str) -> str | None:
    if name.startswith("/"):
        return name
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation_for(request) -> list[NavItem]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    roles = roles_for(user) if signed_in else frozenset()
    items = []
    for label, name, audience in SECTIONS:
        if audience == "*" and not signed_in:
            continue
        if isinstance(audience, set) and not (audience & roles):
            continue
        url = _resolve(name)
        if url is None:
            continue
        items.append(NavItem(label, url, request.path.startswith(url)))
    return items


def may_open_admin(request) -> bool:
    """Whether the navigation links to the Wagtail admin (without Django's two permission
    queries on every page)."""
    return account_flags(getattr(request, "user", None))["admin"]
