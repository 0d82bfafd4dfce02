"""URL samples for the reviews app (protocol: tests/test_url_tenancy.py's docstring)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from outsourcing.models import Business
from reviews.models import ReplacementFlag, Review

from .factories import engagement_for

PUBLIC: dict[str, dict[str, Any]] = {
    "reviews:calendar-feed": {"token": "bogus-token-that-matches-nobody-000000"},
}

GLOBAL: set[str] = {
    "reviews:notification-list",
    "reviews:notification-read",
    "reviews:notification-read-all",
    "reviews:notification-settings",
    "reviews:calendar",
}


def samples(business: Business) -> dict[str, dict[str, Any]]:
    engagement = engagement_for(business)
    review = Review.objects.create(engagement=engagement, due_date=dt.date(2025, 4, 15))
    flag = ReplacementFlag.objects.create(engagement=engagement, reason="owner_decision")
    return {
        "reviews:review-list": {},
        "reviews:review-detail": {"pk": review.pk},
        "reviews:review-second-opinion": {"pk": review.pk},
        "reviews:scorecard": {"provider_pk": engagement.provider_id},
        "reviews:flag-list": {},
        "reviews:flag-detail": {"pk": flag.pk},
        "reviews:schedule-edit": {"pk": engagement.pk},
    }
