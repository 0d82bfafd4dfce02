"""Reads for coaches: the portfolio across client businesses, and a business's people.

The portfolio sits on top of the other apps and reads them only through their selectors;
every figure is fetched for all clients at once, so its query count does not grow with
the number of clients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from .models import Business, Invitation, Membership

ATTENTION_DAYS = 30


@dataclass
class PortfolioRow:
    business: Business
    membership: Membership
    outsource_hours: Decimal = Decimal("0")
    outsource_value: Decimal = Decimal("0")
    outsource_tasks: int = 0
    active_engagements: int = 0
    reviews_due_soon: int = 0
    reviews_overdue: int = 0
    open_flags: int = 0
    next_notice_deadline: date | None = None

    @property
    def needs_attention(self) -> bool:
        soon = timezone.localdate() + timedelta(days=ATTENTION_DAYS)
        return bool(
            self.reviews_overdue
            or self.open_flags
            or (self.next_notice_deadline is not None and self.next_notice_deadline <= soon)
        )


@dataclass
class Portfolio:
    rows: list[PortfolioRow]
    total_clients: int
    sort: str
    attention_count: int = 0


def _none_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


PORTFOLIO_SORTS: dict[str, tuple[str, Callable[[PortfolioRow], Any], bool]] = {
    "name": ("Name", lambda r: r.business.name.lower(), False),
    "value": ("Value to outsource", lambda r: r.outsource_value, True),
    "overdue": ("Overdue reviews", lambda r: r.reviews_overdue, True),
    "flags": ("Open flags", lambda r: r.open_flags, True),
    "due": ("Reviews due in 30 days", lambda r: r.reviews_due_soon, True),
    "notice": ("Next notice deadline", lambda r: _none_last(r.next_notice_deadline), False),
}


def portfolio(*, user: User, sort: str = "", show: str = "", q: str = "") -> Portfolio:
    """Every business `user` coaches, one row each, with the figures a coach scans for."""
    # The other apps are read through their selectors only (imported here, not at module
    # level: outsourcing's models and services never depend on providers or reviews).
    from providers.selectors import active_engagement_counts
    from reviews.selectors import portfolio_summary

    from .selectors import outsource_summary_for_businesses

    memberships = list(
        Membership.objects.filter(user=user, role=Membership.Role.COACH)
        .select_related("business")
        .order_by("business__name", "business_id")
    )
    businesses = [m.business for m in memberships]
    rows = []
    if businesses:
        ids = [b.pk for b in businesses]
        outsource = outsource_summary_for_businesses(businesses)
        engagements = active_engagement_counts(business_ids=ids)
        reviews = portfolio_summary(businesses=businesses, today=timezone.localdate())
        for m in memberships:
            summary = outsource[m.business_id]
            figures = reviews[m.business_id]
            rows.append(
                PortfolioRow(
                    business=m.business,
                    membership=m,
                    outsource_hours=summary.hours,
                    outsource_value=summary.value,
                    outsource_tasks=summary.tasks,
                    active_engagements=engagements.get(m.business_id, 0),
                    reviews_due_soon=figures.due_next_30,
                    reviews_overdue=figures.overdue,
                    open_flags=figures.open_flags,
                    next_notice_deadline=figures.next_notice_deadline,
                )
            )
    total = len(rows)
    attention = sum(1 for r in rows if r.needs_attention)
    if q:
        rows = [r for r in rows if q.lower() in r.business.name.lower()]
    if show == "attention":
        rows = [r for r in rows if r.needs_attention]
    if sort not in PORTFOLIO_SORTS:
        sort = "name"
    _label, key, descending = PORTFOLIO_SORTS[sort]
    rows.sort(key=lambda r: r.business.name.lower())
    rows.sort(key=key, reverse=descending)
    return Portfolio(
        rows=rows,
        total_clients=total,
        sort=sort,
        attention_count=attention,
    )


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
