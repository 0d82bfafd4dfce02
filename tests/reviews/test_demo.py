from __future__ import annotations

import datetime as dt

import pytest

from outsourcing.models import Membership
from reviews import demo
from reviews.models import Notification, ReplacementFlag, Review
from tests.conftest import make_member

from .factories import engagement_for


@pytest.mark.django_db
def test_demo_seed_builds_a_history_a_due_review_and_a_flag_idempotently():
    owner = make_member(role=Membership.Role.OWNER)
    client = make_member(role=Membership.Role.OWNER)
    today = dt.datetime.now(owner.business.tzinfo).date()
    engagement = engagement_for(owner.business, start=today - dt.timedelta(days=430))
    engagement_for(client.business, start=today - dt.timedelta(days=400))

    demo.seed(owner_business=owner.business, client_businesses=[client.business])

    done = Review.objects.filter(engagement=engagement, status="completed")
    assert done.count() == 4
    due = Review.objects.get(engagement=engagement, status="due")
    assert 0 < (due.due_date - today).days <= 14
    assert ReplacementFlag.objects.filter(engagement=engagement, reason="two_watch").exists()
    assert Notification.objects.filter(user=owner.user).exists()
    counts = (Review.objects.count(), ReplacementFlag.objects.count(), Notification.objects.count())

    demo.seed(owner_business=owner.business, client_businesses=[client.business])
    assert (
        Review.objects.count(),
        ReplacementFlag.objects.count(),
        Notification.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_demo_seed_without_engagements_does_nothing():
    owner = make_member(role=Membership.Role.OWNER)
    demo.seed(owner_business=owner.business, client_businesses=[])
    assert not Review.objects.exists()
