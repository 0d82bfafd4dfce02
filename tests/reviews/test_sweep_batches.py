"""The sweep works in chunks: constant queries per chunk (none per engagement), one failing
chunk does not stop the others, and a conflict with a concurrent sweep inside a chunk falls
back to one-by-one claims without doing anything twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from outsourcing.models import Membership
from reviews import services
from reviews.models import Notification, ReminderDelivery, ReplacementFlag, Review
from tests.conftest import make_member

from .factories import engagement_for

# Rounds due 1 Apr 2025 are 44 days overdue (round created, flag raised, overdue reminder),
# and the notice deadline 21 May 2025 is 6 days away (notice reminder): every step has work.
NOW = dt.datetime(2025, 5, 15, 9, tzinfo=dt.UTC)


class _Rollback(Exception):
    pass


def _engagements(business, n: int) -> None:
    for _ in range(n):
        engagement_for(business, start=dt.date(2025, 1, 1), renewal=dt.date(2025, 6, 20))


def _measure(monkeypatch, business, *, engagements: int, chunk: int):
    """Queries of one first sweep over fresh engagements (rolled back afterwards)."""
    monkeypatch.setattr(services, "SWEEP_BATCH_SIZE", chunk)
    try:
        with transaction.atomic():
            _engagements(business, engagements)
            with CaptureQueriesContext(connection) as ctx:
                report = services.sweep_run(now=NOW)
            raise _Rollback(len(ctx.captured_queries), report)
    except _Rollback as done:
        queries, report = done.args
    assert report.notes == []
    assert report.reviews_created == engagements
    assert report.flags_raised == engagements
    assert report.reminders_claimed == engagements * 2 * 2  # overdue + notice, two members
    return queries


@pytest.fixture
def business_with_two_members(owner):
    coach = make_member(role=Membership.Role.COACH)
    Membership.objects.create(user=coach.user, business=owner.business, role="coach")
    return owner.business


@pytest.mark.django_db
def test_queries_grow_by_a_fixed_amount_per_chunk_and_not_per_engagement(
    monkeypatch, business_with_two_members
):
    business = business_with_two_members
    two = _measure(monkeypatch, business, engagements=4, chunk=2)
    four = _measure(monkeypatch, business, engagements=8, chunk=2)
    six = _measure(monkeypatch, business, engagements=12, chunk=2)
    per_two_chunks = four - two
    assert per_two_chunks > 0
    assert six - four == per_two_chunks  # a fixed amount per chunk
    # the same number of chunks, three times the engagements in each: not one query more
    assert _measure(monkeypatch, business, engagements=12, chunk=6) == two
    assert _measure(monkeypatch, business, engagements=36, chunk=6) == six


@pytest.mark.django_db
def test_chunked_sweep_twice_changes_nothing_the_second_time(monkeypatch, owner):
    monkeypatch.setattr(services, "SWEEP_BATCH_SIZE", 3)
    _engagements(owner.business, 7)
    first = services.sweep_run(now=NOW)
    assert (first.reviews_created, first.flags_raised, first.reminders_claimed) == (7, 7, 14)
    counts = [m.objects.count() for m in (Review, ReplacementFlag, ReminderDelivery, Notification)]
    again = services.sweep_run(now=NOW)
    assert (again.reviews_created, again.flags_raised, again.reminders_claimed) == (0, 0, 0)
    after = [m.objects.count() for m in (Review, ReplacementFlag, ReminderDelivery, Notification)]
    assert after == counts
    # history rows were written for the bulk-created rounds and flags
    assert Review.history.filter(history_type="+").count() == 7
    assert ReplacementFlag.history.filter(history_type="+").count() == 7
    # every claim has its one in-app notification
    assert Notification.objects.filter(delivery__isnull=False).count() == 14


@pytest.mark.django_db
def test_a_failing_chunk_is_reported_and_the_others_still_run(monkeypatch, owner):
    monkeypatch.setattr(services, "SWEEP_BATCH_SIZE", 1)
    _engagements(owner.business, 3)
    real = services._schedule_chunk
    victims = []

    def broken(chunk):
        if not victims:
            victims.append(chunk[0].pk)
            raise RuntimeError("disk full")
        return real(chunk)

    monkeypatch.setattr(services, "_schedule_chunk", broken)
    report = services.sweep_run(now=NOW)
    assert report.reviews_created == 2
    assert "reviews_schedule failed for a chunk of 1: disk full" in str(report)
    assert not Review.objects.filter(engagement_id=victims[0]).exists()
    # the flags and reminders of the other chunks still went out
    assert report.flags_raised == 2 and report.reminders_claimed == 3 * 1 + 2 * 1
    monkeypatch.setattr(services, "_schedule_chunk", real)
    later = services.sweep_run(now=NOW)  # the next sweep catches up
    assert later.reviews_created == 1 and later.notes == []
    assert Review.objects.filter(engagement_id=victims[0]).exists()


@pytest.mark.django_db
def test_a_base_exception_is_not_swallowed(monkeypatch, owner):
    _engagements(owner.business, 1)

    def interrupted(chunk):
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "_schedule_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        services.sweep_run(now=NOW)


@pytest.mark.django_db
def test_a_concurrent_claim_inside_a_chunk_is_skipped_and_nothing_is_claimed_twice(
    monkeypatch, owner, django_capture_on_commit_callbacks, eager_celery
):
    """Another sweep claims one reminder between this chunk's read and its insert: the insert
    skips that row (the unique constraint decides), and this sweep adds no notification and
    sends no e-mail for it."""
    _engagements(owner.business, 3)
    services.sweep_run(now=dt.datetime(2025, 1, 2, 9, tzinfo=dt.UTC))  # rounds only
    real_absolute = services._absolute  # called while the chunk is prepared, before it inserts
    raced = []

    def racing_absolute(url):
        if not raced:
            raced.append(None)  # the other sweep's own call comes back here
            review = Review.objects.select_related("engagement__business").order_by("pk").first()
            spec = services.ReminderSpec(
                engagement_id=review.engagement_id,
                business_id=review.engagement.business_id,
                business_name=review.engagement.business.name,
                review_id=review.pk,
                due_date=review.due_date,
                kind="review_overdue",
                text="claimed by the other sweep",
                url="/",
            )
            raced[0] = services.reminder_claim(spec=spec, recipient=owner.user, email_enabled=True)
        return real_absolute(url)

    monkeypatch.setattr(services, "_absolute", racing_absolute)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.sweep_run(now=NOW)
    assert raced[0] is not None
    # 3 engagements x (overdue review + notice) x 1 member, one of them claimed by the "other"
    assert report.reminders_claimed == 5
    assert ReminderDelivery.objects.count() == 6
    assert Notification.objects.filter(delivery__isnull=False).count() == 6
    from django.core import mail

    assert len(mail.outbox) == 6
    assert len({m.subject for m in mail.outbox}) == 6


@pytest.mark.django_db
def test_a_concurrent_round_inside_a_chunk_is_created_once(monkeypatch, owner):
    engagements = [engagement_for(owner.business, start=dt.date(2025, 1, 1)) for _ in range(3)]
    real_plan = services._plan_next_due  # called while the chunk is prepared, before it inserts
    raced = []

    def racing_plan(*args, **kwargs):
        if not raced:
            raced.append(None)  # the other sweep's own call comes back here
            raced[0] = services.review_next_create(engagement=engagements[1])
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(services, "_plan_next_due", racing_plan)
    report = services.sweep_run(now=dt.datetime(2025, 1, 2, 9, tzinfo=dt.UTC))
    assert raced[0] is not None
    assert report.reviews_created == 2
    assert Review.objects.count() == 3
    assert Review.history.count() == 3
    assert set(Review.objects.values_list("engagement_id", flat=True)) == {
        e.pk for e in engagements
    }


@pytest.mark.django_db
def test_notice_reminders_are_narrowed_in_sql_to_the_window(owner):
    inside = engagement_for(owner.business, renewal=dt.date(2025, 6, 20), notice_days=30)
    engagement_for(owner.business, renewal=dt.date(2025, 9, 20), notice_days=30)  # far off
    long_notice = engagement_for(owner.business, renewal=dt.date(2025, 8, 28), notice_days=90)
    engagement_for(owner.business, renewal=dt.date(2025, 6, 20), notice_days=90)  # passed
    due = services._notice_reminders_due(NOW)
    assert {d.engagement_id for d in due} == {inside.pk, long_notice.pk}
    window = services._notice_window(NOW)
    from providers.models import Engagement

    assert set(Engagement.objects.filter(window).values_list("pk", flat=True)) == {
        inside.pk,
        long_notice.pk,
    }
