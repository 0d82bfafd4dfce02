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
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.utils import timezone

from .models import Business, Invitation, Membership
from .tenancy import MembershipEntry

if TYPE_CHECKING:
    from reviews.selectors import BusinessReviewSummary

    from .selectors import Summary

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
    """A client before it is on the page: its figures once they are read (for every client only
    when a sort or the filter needs them; otherwise for the page's clients)."""

    membership: MembershipEntry
    reviews: BusinessReviewSummary | None = None
    outsource: Summary | None = None
    needs_attention: bool = False


def _business(m: MembershipEntry) -> Business:
    """The business as the membership read has it: the page shows only these fields, so it is
    not read again."""
    return Business(
        id=m.business_id,
        name=m.business_name,
        timezone=m.business_timezone,
        currency=m.business_currency,
    )


@dataclass
class Portfolio:
    page: Page[PortfolioRow]
    total_clients: int
    sort: str
    attention_count: int = 0


def _none_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def _reviews(c: _Client) -> BusinessReviewSummary:
    assert c.reviews is not None  # noqa: S101 — read before any sort that uses them
    return c.reviews


def _outsource(c: _Client) -> Summary:
    assert c.outsource is not None  # noqa: S101 — read before the sort that uses them
    return c.outsource


PORTFOLIO_SORTS: dict[str, tuple[str, Callable[[_Client], Any], bool]] = {
    "name": ("Name", lambda c: c.membership.business_name.lower(), False),
    "value": ("Value to outsource", lambda c: _outsource(c).value, True),
    "overdue": ("Overdue reviews", lambda c: _reviews(c).overdue, True),
    "flags": ("Open flags", lambda c: _reviews(c).open_flags, True),
    "due": ("Reviews due in 30 days", lambda c: _reviews(c).due_next_30, True),
    "notice": (
        "Next notice deadline",
        lambda c: _none_last(_reviews(c).next_notice_deadline),
        False,
    ),
}
# The sorts that need every client's review figures (not only the page's).
REVIEW_SORTS = {"overdue", "flags", "due", "notice"}


def local_todays(zones: Iterable[str], now: datetime) -> dict[str, date]:
    """Today in each of these time zones."""
    return {zone: timezone.localdate(now, zoneinfo.ZoneInfo(zone)) for zone in set(zones)}


def _needs_attention(figures: BusinessReviewSummary, today: date) -> bool:
    """An overdue review, an open flag or a notice deadline within ATTENTION_DAYS (the rule
    `portfolio_attention_count` counts in SQL)."""
    deadline = figures.next_notice_deadline
    soon = today + timedelta(days=ATTENTION_DAYS)
    return bool(figures.overdue or figures.open_flags or (deadline and deadline <= soon))


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
    `tenancy.user_memberships` read them (once a request, shared with the header); the page's
    businesses are built from them.

    The review figures (which decide "needs attention" and most sorts) are read for every
    client when the sort or the filter needs them; otherwise for the page's clients only, and
    the database counts how many clients need attention. The outsourcing figures likewise, for
    every client only when sorting by value. Dates are each business's own: "overdue" and "due
    soon" count from today in its time zone. A constant number of queries, whatever the number
    of clients.
    """
    # The other apps are read through their selectors only (imported here, not at module
    # level: outsourcing's models and services never depend on providers or reviews).
    from reviews.selectors import portfolio_summary, portfolio_summary_and_attention

    from .selectors import outsource_summary_for_businesses

    if sort not in PORTFOLIO_SORTS:
        sort = "name"
    clients = [_Client(m) for m in memberships if m.role == Membership.Role.COACH]
    total = len(clients)
    todays = local_todays((c.membership.business_timezone for c in clients), now or timezone.now())

    def add_reviews(chosen: list[_Client], figures: dict[UUID, BusinessReviewSummary]) -> None:
        for c in chosen:
            c.reviews = figures[c.membership.business_id]
            c.needs_attention = _needs_attention(c.reviews, todays[c.membership.business_timezone])

    every_client_reviews = sort in REVIEW_SORTS or show == "attention"
    attention = 0  # counted below, with the page's figures, unless every client's are read
    if clients and every_client_reviews:
        add_reviews(clients, portfolio_summary(coach=user, today=todays))
        attention = sum(1 for c in clients if c.needs_attention)

    if q:
        clients = [c for c in clients if q.lower() in c.membership.business_name.lower()]
    if show == "attention":
        clients = [c for c in clients if c.needs_attention]
    if sort == "value":  # the one sort that needs every client's tasks summed
        summaries = outsource_summary_for_businesses(_business(c.membership) for c in clients)
        for c in clients:
            c.outsource = summaries[c.membership.business_id]
    _label, key, descending = PORTFOLIO_SORTS[sort]
    clients.sort(key=lambda c: c.membership.business_name.lower())
    clients.sort(key=key, reverse=descending)

    shown: Page[Any] = Paginator(clients, PORTFOLIO_PAGE_SIZE).get_page(page)
    on_page: list[_Client] = list(shown.object_list)
    businesses = [_business(c.membership) for c in on_page]
    if total and not every_client_reviews:
        # The page's figures and the count over every client, in one statement.
        figures, attention = portfolio_summary_and_attention(
            businesses=businesses, coach=user, today=todays, days=ATTENTION_DAYS
        )
        add_reviews(on_page, figures)
    if on_page and sort != "value":
        summaries = outsource_summary_for_businesses(businesses)
        for c in on_page:
            c.outsource = summaries[c.membership.business_id]
    shown.object_list = [_row(c, business) for c, business in zip(on_page, businesses, strict=True)]
    return Portfolio(page=shown, total_clients=total, sort=sort, attention_count=attention)


def _row(c: _Client, business: Business) -> PortfolioRow:
    reviews, outsource = _reviews(c), _outsource(c)
    return PortfolioRow(
        business=business,
        membership=c.membership,
        outsource_hours=outsource.hours,
        outsource_value=outsource.value,
        outsource_tasks=outsource.tasks,
        active_engagements=reviews.active_engagements,
        reviews_due_soon=reviews.due_next_30,
        reviews_overdue=reviews.overdue,
        open_flags=reviews.open_flags,
        next_notice_deadline=reviews.next_notice_deadline,
        needs_attention=c.needs_attention,
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
