from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from django.http import HttpRequest
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse

from .coach_services import COACHES_GROUP
from .models import Business, Membership
from .tenancy import MembershipEntry, user_memberships

# The header lists this many businesses at most (a coach may have hundreds): the portfolio
# lists them all.
SWITCHER_SIZE = 12
ROLE_LABELS = dict(Membership.Role.choices)

_URL_SENTINEL = UUID(int=0)

# The header's links: the same on every page, so each is reversed once per process (and
# script prefix), not on every page (about 20 reverse() calls a page otherwise).
HEADER_URLS = {
    "home": "outsourcing:home",
    "portfolio": "coach:portfolio",
    "notifications": "reviews:notification-list",
    "account": "outsourcing:account-settings",
    "password_change": "password_change",
    "business_create": "outsourcing:business-create",
    "logout": "logout",
}
# The current business's links (name → URL name taking business_id).
BUSINESS_URLS = {
    "dashboard": "outsourcing:dashboard",
    "tasks": "outsourcing:task-list",
    "jobs": "providers:job-list",
    "providers": "providers:provider-list",
    "engagements": "providers:engagement-list",
    "reviews": "reviews:review-list",
    "settings": "outsourcing:business-settings",
    "people": "coach:people",
    "activity": "coach:activity",
    "export": "outsourcing:business-export",
    "delete": "outsourcing:business-delete",
}


@functools.cache
def _url_template(name: str, business: bool, script_prefix: str) -> str:
    """reverse(name), with the sentinel business id when `business`; "" when there is no such
    URL (as `{% url ... as var %}` gives), so a page never fails for a missing link."""
    try:
        return reverse(name, kwargs={"business_id": _URL_SENTINEL} if business else None)
    except NoReverseMatch:
        return ""


def business_url_maker(name: str) -> Callable[[UUID], str]:
    """reverse(name, business_id=pk) for many pks, by substitution into one reversed URL."""
    template = _url_template(name, True, get_script_prefix())
    sentinel = str(_URL_SENTINEL)
    return lambda pk: template.replace(sentinel, str(pk))


def header_urls(current: Business | None) -> dict[str, str]:
    prefix = get_script_prefix()
    urls = {key: _url_template(name, False, prefix) for key, name in HEADER_URLS.items()}
    if current is not None:
        for key, name in BUSINESS_URLS.items():
            urls[key] = business_url_maker(name)(current.pk)
    return urls


@dataclass(frozen=True)
class SwitcherItem:
    name: str
    role: str
    url: str
    current: bool


@dataclass(frozen=True)
class Switcher:
    items: list[SwitcherItem] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _section_url(request: HttpRequest, current: Business | None) -> Callable[[UUID], str] | None:
    """Inside business A's section (/b/A/reviews/...), the same section of another business,
    when that is a page: switching from client A's reviews leads to client B's reviews."""
    if current is None:
        return None
    prefix = f"/b/{current.pk}/"
    if not request.path.startswith(prefix):
        return None
    section = request.path[len(prefix) :].split("/", 1)[0]
    if not section:
        return None
    # Business ids are matched by a converter, never one by one: one resolve() tells for all.
    try:
        resolve(f"/b/{_URL_SENTINEL}/{section}/")
    except Resolver404:
        return None
    return lambda pk: f"/b/{pk}/{section}/"


def business_switcher(
    request: HttpRequest, current: Business | None, memberships: list[MembershipEntry]
) -> Switcher:
    """The header's "Switch business" menu: the first SWITCHER_SIZE businesses by name, each
    leading to the same section of that business when there is one, else to its dashboard."""
    dashboard = business_url_maker("outsourcing:dashboard")
    section = _section_url(request, current)
    items = []
    for m in memberships[:SWITCHER_SIZE]:
        is_current = current is not None and m.business_id == current.pk
        url = section(m.business_id) if section and not is_current else dashboard(m.business_id)
        items.append(SwitcherItem(m.business_name, str(ROLE_LABELS[m.role]), url, is_current))
    return Switcher(items=items, total=len(memberships))


def navigation(request: HttpRequest) -> dict[str, object]:
    """The header's links, business switcher and current business (set by the tenancy helpers).

    Everything is worked out only if the page renders it; the memberships are one query per
    request, shared with the portfolio (`tenancy.user_memberships`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(request, "business", None)

    @functools.cache
    def urls() -> dict[str, str]:
        return header_urls(current)

    @functools.cache
    def switcher() -> Switcher:
        return business_switcher(request, current, user_memberships(request))

    @functools.cache
    def is_coach() -> bool:
        memberships = user_memberships(request)
        if memberships:
            return any(m.role == Membership.Role.COACH for m in memberships)
        # A coach who signed up as one but has no client yet (one query, only then).
        return user.groups.filter(name=COACHES_GROUP).exists()

    return {
        "current_business": current,
        "current_membership": getattr(request, "membership", None),
        "header_urls": urls,
        "business_switcher": switcher,
        "user_is_coach": is_coach,
    }
