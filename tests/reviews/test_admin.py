from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from providers.models import Engagement
from reviews import services
from reviews.models import ReminderDelivery, Review

from .factories import engagement_for

UTC = dt.UTC


def stuck_claim(owner) -> ReminderDelivery:
    engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=dt.datetime(2025, 1, 2, tzinfo=UTC))
    services.sweep_run(now=dt.datetime(2025, 3, 20, tzinfo=UTC))
    ReminderDelivery.objects.update(
        status="sending", attempts=1, last_attempt_at=timezone.now() - dt.timedelta(hours=2)
    )
    return ReminderDelivery.objects.get()


@pytest.mark.django_db
def test_staff_see_claims_that_never_completed_without_the_wording(client, owner):
    delivery = stuck_claim(owner)
    staff = get_user_model().objects.create_user("staff", "staff@example.com", "pw", is_staff=True)
    client.force_login(staff)
    url = reverse("admin:reviews_reminderdelivery_changelist") + "?stuck=yes"
    page = client.get(url).content.decode()
    assert "Claims that never completed" in page
    assert "result_list" in page and "1 reminder delivery" in page
    detail = client.get(reverse("admin:reviews_reminderdelivery_change", args=[delivery.pk]))
    assert detail.status_code == 200
    assert delivery.subject not in detail.content.decode()
    # tenant data (reviews themselves) stay for superusers only
    assert client.get(reverse("admin:reviews_review_changelist")).status_code == 403


@pytest.mark.django_db
def test_superuser_sees_the_reminder_wording(client, owner):
    delivery = stuck_claim(owner)
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    detail = client.get(reverse("admin:reviews_reminderdelivery_change", args=[delivery.pk]))
    assert delivery.subject in detail.content.decode()


@pytest.mark.django_db
def test_one_off_review_stays_listed_and_reminded_after_the_engagement_ended(owner_client, owner):
    engagement = engagement_for(
        owner.business,
        kind=Engagement.Kind.ONE_OFF,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 2, 1),
    )
    services.review_next_create(engagement=engagement)
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.ENDED)
    review = Review.objects.get(engagement=engagement)
    page = owner_client.get(
        reverse("reviews:review-list", args=[owner.business.pk]) + "?show=overdue"
    ).content.decode()
    assert review.get_absolute_url() in page
    assert services.sweep_run(now=dt.datetime(2025, 2, 1, 12, tzinfo=UTC)).reminders_claimed == 1


@pytest.mark.django_db
def test_ended_ongoing_engagement_drops_out_of_the_due_lists(owner_client, owner):
    engagement = engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.review_next_create(engagement=engagement)
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.ENDED)
    response = owner_client.get(
        reverse("reviews:review-list", args=[owner.business.pk]) + "?show=overdue"
    )
    assert response.context["counts"]["overdue"] == 0
    assert services.sweep_run(now=dt.datetime(2025, 4, 1, 12, tzinfo=UTC)).reminders_claimed == 0
