"""Journey 9 in Chromium: a due review shows up in the notification list → the owner fills it
in → the scorecard shows the new point."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from outsourcing.celery import app as celery_app
from reviews import services
from reviews.models import Review
from tests.conftest import make_member
from tests.factories import PASSWORD
from tests.reviews.factories import engagement_for, ratings_all

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager():
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_due_review_notification_form_and_scorecard(page: Page, live_server, e2e_settings, eager):
    e2e_settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = make_member()
    business = owner.business
    today = dt.datetime.now(business.tzinfo).date()
    engagement = engagement_for(
        business, start=today - dt.timedelta(days=175), provider_name="Acme Bookkeeping"
    )
    # One review already done a quarter in; the next one is due in a few days.
    services.review_next_create(engagement=engagement)
    first = Review.objects.get(engagement=engagement)
    services.review_complete(
        review=first,
        actor=owner.user,
        ratings=ratings_all(engagement, 3),
        notes="",
        decision="keep",
    )
    services.sweep_run()
    due = Review.objects.get(engagement=engagement, status="due")
    days = (due.due_date - today).days
    assert 0 < days <= 14

    base = live_server.url
    page.set_default_timeout(10_000)
    page.goto(base + reverse("login"))
    page.get_by_label("E-mail").fill(owner.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The bell shows the unread reminder; the list has it.
    page.goto(base + reverse("reviews:review-list", args=[business.pk]))
    expect(page.get_by_test_id("unread-count")).to_contain_text("1")
    page.get_by_test_id("notifications-bell").click()
    reminder = page.get_by_test_id("notification").filter(
        has_text=f"Review of Acme Bookkeeping ({engagement.job.title}) due in {days} days"
    )
    expect(reminder).to_be_visible()
    reminder.get_by_role("button", name="Open").click()

    # The review form: each duty 1-5 with a comment, notes, decision.
    expect(page.get_by_role("heading", name="Review Acme Bookkeeping")).to_be_visible()
    for duty in engagement.job.duties.all():
        block = page.get_by_test_id(f"duty-{duty.pk}")
        block.get_by_label("5 — excellent").check()
        block.get_by_label("Comment (optional)").fill("Books closed on day 3")
    page.get_by_label("Overall notes").fill("Best quarter so far")
    page.get_by_label("Keep", exact=True).check()
    page.get_by_role("button", name="Save review").click()

    # The scorecard shows the new point.
    expect(page.get_by_role("status").filter(has_text="Review saved")).to_be_visible()
    expect(page.get_by_role("heading", name="Acme Bookkeeping: scorecard")).to_be_visible()
    chart = page.get_by_test_id("score-chart")
    expect(chart).to_have_attribute("data-points", "2")
    expect(page.get_by_test_id("score-point")).to_have_count(2)
    expect(page.get_by_test_id("latest-score")).to_have_text("5.00")

    # The reminder was read; the bell has nothing unread any more.
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
