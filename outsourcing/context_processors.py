from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from uuid import UUID

from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse

from .coach_services import COACHES_GROUP
from .models import Business, Membership
from .tenancy import MembershipEntry, user_memberships

# The header lists this many businesses at most (a coach may have hundreds): the portfolio
# lists them all.
SWITCHER_SIZE = 12
ROLE_LABELS = dict(Membership.Role.choices)

_URL_SENTINEL = UUID(int=0)


def business_url_maker(name: str) -> Callable[[UUID], str]:
    """reverse(name, business_id=pk) for many pks at the cost of one reverse()."""
    template = reverse(name, kwargs={"business_id": _URL_SENTINEL})
    sentinel = str(_URL_SENTINEL)
    return lambda pk: template.replace(sentinel, str(pk))


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
    """The header's business switcher and the current business (set by the tenancy helpers).

    Everything is worked out only if the page renders it; the memberships are one query per
    request, shared with the portfolio (`tenancy.user_memberships`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(request, "business", None)

    @cache
    def switcher() -> Switcher:
        return business_switcher(request, current, user_memberships(request))

    @cache
    def is_coach() -> bool:
        memberships = user_memberships(request)
        if memberships:
            return any(m.role == Membership.Role.COACH for m in memberships)
        # A coach who signed up as one but has no client yet (one query, only then).
        return user.groups.filter(name=COACHES_GROUP).exists()

    return {
        "current_business": current,
        "current_membership": getattr(request, "membership", None),
        "business_switcher": switcher,
        "user_is_coach": is_coach,
    }
