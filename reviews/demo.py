"""Demo data for this app, called by `manage.py seed_demo` (idempotent).

For every active engagement that providers/demo.py created: a review history walked through
the real services (so cadence, scores and flags follow the rules), one review due soon, and a
replacement flag where the ratings call for one. Then one sweep, so the bell has reminders.
An engagement that already has a completed review is left alone: running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import User
from django.utils import timezone

from outsourcing.models import Business, Membership
from providers.models import Engagement

from . import cadence, services
from .models import Review

logger = logging.getLogger(__name__)

# Ratings per completed round for the owner's engagements: a good start, then two weak
# reviews in a row (watch: a "two in a row" flag and back to quarterly), then better again.
OWNER_PATTERN = (4, 3, 2, 2, 4, 4, 4, 4)
CLIENT_PATTERN = (4, 3, 4, 4)
NOTES = {
    5: "Excellent: ahead of every deadline.",
    4: "Good work, on time.",
    3: "Does what was agreed.",
    2: "Late twice this quarter; had to chase.",
    1: "Missed the deadline; penalty risk.",
}


def _reviewer(business: Business) -> User | None:
    m = (
        Membership.objects.filter(business=business, role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("created_at")
        .first()
    )
    return m.user if m else None


def _walk(engagement: Engagement, pattern: tuple[int, ...], stop_before: dt.date) -> None:
    """Complete the engagement's rounds due before `stop_before`, rating by `pattern`."""
    reviewer = _reviewer(engagement.business)
    if reviewer is None:
        return
    services.review_next_create(engagement=engagement)
    for i in range(40):  # bounded: a few years of history at most
        review = Review.objects.filter(
            engagement=engagement, second_opinion=False, status=Review.Status.DUE
        ).first()
        if review is None or review.due_date >= stop_before:
            return
        value = pattern[i % len(pattern)]
        duties = list(engagement.job.duties.all())
        ratings = {}
        for j, duty in enumerate(duties):
            # vary the nice-to-have duties a little so the per-duty trends are not flat
            r = value if duty.is_must else max(1, min(5, value + (1 if (i + j) % 3 == 0 else 0)))
            ratings[duty.pk] = (r, NOTES[r] if j == 0 else "")
        if not ratings:
            return
        done = services.review_complete(
            review=review,
            actor=reviewer,
            ratings=ratings,
            notes=NOTES[value],
            decision=Review.Decision.WATCH if value <= 2 else Review.Decision.KEEP,
        )
        completed_at = timezone.make_aware(
            dt.datetime.combine(done.due_date + dt.timedelta(days=2), dt.time(10)),
            engagement.business.tzinfo,
        )
        Review.objects.filter(pk=done.pk).update(completed_at=completed_at)


def seed(*, owner_business: Business, client_businesses: list[Business]) -> None:
    """Add this app's demo rows to the demo businesses. Safe to run again."""
    now = timezone.now()
    for business, pattern, is_owner in [(owner_business, OWNER_PATTERN, True)] + [
        (b, CLIENT_PATTERN, False) for b in client_businesses
    ]:
        engagements = list(
            Engagement.objects.for_business(business).active().select_related("business", "job")
        )
        if not engagements:
            logger.info("reviews demo: %s has no engagements yet; nothing to seed", business)
            continue
        today = cadence.local_today(now, business.tzinfo)
        for engagement in engagements:
            if Review.objects.filter(
                engagement=engagement, status=Review.Status.COMPLETED
            ).exists():
                continue
            # Clients keep one review overdue for the coach's portfolio; the owner is up to date.
            stop = today if is_owner else today - dt.timedelta(days=40)
            _walk(engagement, pattern, stop)
            if is_owner:
                _bring_due_soon(engagement, today)
    services.sweep_run(now=now)


def _bring_due_soon(engagement: Engagement, today: dt.date) -> None:
    """Put the owner's open review inside the 14-day reminder window, so the demo shows the
    reminder, the form and the new point on the scorecard straight away."""
    review = Review.objects.filter(
        engagement=engagement, second_opinion=False, status=Review.Status.DUE
    ).first()
    if review is None:
        return
    soon = today + dt.timedelta(days=10)
    if (
        review.due_date > soon
        and not Review.objects.filter(engagement=engagement, due_date=soon).exists()
    ):
        Review.objects.filter(pk=review.pk).update(due_date=soon)
