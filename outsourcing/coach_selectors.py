"""Reads for coaches: the portfolio across client businesses, and a business's people.

The portfolio sits on top of the other apps and reads them only through their selectors;
each figure is read for many clients in one query (never one query per client), so its query
count does not grow with the number of clients.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.utils import timezone

from .models import Business, Invitation, Membership
from .tenancy import MembershipEntry

ATTENTION_DAYS = 30
PORTFOLIO_PAGE_SIZE = 25


@dataclass
class PortfolioRow:
    business: Business
    membership: MembershipEntry
    outsource_hours: Decimal = Decimal("0")
    outsource_value: Decimal = Decimal("0")
    outsource_tasks: int = 0
    active_engagements: int = 0
    reviews_due_soon: int = 0
    reviews_overdue: int = 0
    open_flags: int = 0
    next_notice_deadline: date | None = None
    needs_attention: bool = False


@dataclass
class _Client:
    """A client before it is on the page: what filtering and sorting need, nothing more."""

    membership: MembershipEntry
    active_engagements: int
    reviews_due_soon: int
    reviews_overdue: int
    open_flags: int
    next_notice_deadline: date | None
    needs_attention: bool
    outsource_value: Decimal = Decimal("0")


@dataclass
class Portfolio:
    page: Page[PortfolioRow]
    total_clients: int
    sort: str
    attention_count: int = 0


def _none_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


PORTFOLIO_SORTS: dict[str, tuple[str, Callable[[_Client], Any], bool]] = {
    "name": ("Name", lambda c: c.membership.business_name.lower(), False),
    "value": ("Value to outsource", lambda c: c.outsource_value, True),
    "overdue": ("Overdue reviews", lambda c: c.reviews_overdue, True),
    "flags": ("Open flags", lambda c: c.open_flags, True),
    "due": ("Reviews due in 30 days", lambda c: c.reviews_due_soon, True),
    "notice": ("Next notice deadline", lambda c: _none_last(c.next_notice_deadline), False),
}


def local_todays(zones: Iterable[str], now: datetime) -> dict[str, date]:
    """Today in each of these time zones."""
    return {zone: timezone.localdate(now, zoneinfo.ZoneInfo(zone)) for zone in set(zones)}


def portfolio(
    *,
    user: User,
    memberships: Sequence[MembershipEntry],
    sort: str = "",
    show: str = "",
    q: str = "",
    page: str | int | None = None,
    now: datetime | None = None,
) -> Portfolio:
    """Every business `user` coaches, filtered by name and "needs attention", sorted, and one
    page of them with the figures a coach scans for. `memberships` are the user's, as
    `tenancy.user_memberships` read them (once a request, shared with the header).

    The review and engagement figures (which decide "needs attention" and most sorts) are SQL
    aggregates for all clients; the outsourcing figures and the business rows themselves are
    read for the page's clients only (for all of them only when sorting by value). Dates are
    each business's own: "overdue" and "due soon" count from today in its time zone. A
    constant number of queries, whatever the number of clients.
    """
    # The other apps are read through their selectors only (imported here, not at module
    # level: outsourcing's models and services never depend on providers or reviews).
    from reviews.selectors import portfolio_summary

    from .selectors import outsource_summary_for_businesses

    coached = [m for m in memberships if m.role == Membership.Role.COACH]
    todays = local_todays((m.business_timezone for m in coached), now or timezone.now())
    reviews = portfolio_summary(coach=user, today=todays) if coached else {}
    clients = []
    for m in coached:
        figures = reviews[m.business_id]
        soon = todays[m.business_timezone] + timedelta(days=ATTENTION_DAYS)
        deadline = figures.next_notice_deadline
        clients.append(
            _Client(
                membership=m,
                active_engagements=figures.active_engagements,
                reviews_due_soon=figures.due_next_30,
                reviews_overdue=figures.overdue,
                open_flags=figures.open_flags,
                next_notice_deadline=deadline,
                needs_attention=bool(
                    figures.overdue or figures.open_flags or (deadline and deadline <= soon)
                ),
            )
        )
    total = len(clients)
    attention = sum(1 for c in clients if c.needs_attention)
    if q:
        clients = [c for c in clients if q.lower() in c.membership.business_name.lower()]
    if show == "attention":
        clients = [c for c in clients if c.needs_attention]
    if sort not in PORTFOLIO_SORTS:
        sort = "name"

    businesses: dict[UUID, Business] = {}
    outsource = {}
    if sort == "value":  # the one sort that needs every client's tasks summed
        businesses = Business.objects.in_bulk([c.membership.business_id for c in clients])
        outsource = outsource_summary_for_businesses(businesses.values())
        for c in clients:
            if c.membership.business_id in outsource:
                c.outsource_value = outsource[c.membership.business_id].value
    _label, key, descending = PORTFOLIO_SORTS[sort]
    clients.sort(key=lambda c: c.membership.business_name.lower())
    clients.sort(key=key, reverse=descending)

    shown: Page[Any] = Paginator(clients, PORTFOLIO_PAGE_SIZE).get_page(page)
    ids = [c.membership.business_id for c in shown.object_list]
    if not businesses:
        businesses = Business.objects.in_bulk(ids)
        outsource = outsource_summary_for_businesses(businesses.values()) if ids else {}
    rows = []
    for c in shown.object_list:
        bid = c.membership.business_id
        if bid not in businesses:  # deleted since the memberships were read
            continue
        summary = outsource[bid]
        rows.append(
            PortfolioRow(
                business=businesses[bid],
                membership=c.membership,
                outsource_hours=summary.hours,
                outsource_value=summary.value,
                outsource_tasks=summary.tasks,
                active_engagements=c.active_engagements,
                reviews_due_soon=c.reviews_due_soon,
                reviews_overdue=c.reviews_overdue,
                open_flags=c.open_flags,
                next_notice_deadline=c.next_notice_deadline,
                needs_attention=c.needs_attention,
            )
        )
    shown.object_list = rows
    return Portfolio(page=shown, total_clients=total, sort=sort, attention_count=attention)


@dataclass
class People:
    owner: Membership | None
    coaches: list[Membership]
    pending: list[Invitation]


def people(*, business: Business) -> People:
    """The business's owner, its coaches and its pending invitations (two queries)."""
    members = list(
        Membership.objects.filter(business=business)
        .select_related("user")
        .order_by("role", "user__email")
    )
    pending = list(
        Invitation.objects.filter(
            business=business,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )
    owner = next((m for m in members if m.role == Membership.Role.OWNER), None)
    coaches = [m for m in members if m.role == Membership.Role.COACH]
    return People(owner=owner, coaches=coaches, pending=pending)
