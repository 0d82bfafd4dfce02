"""The sweep against real services: a broker that is down, two sweeps at once on PostgreSQL,
and a real Celery worker on the real Redis sending a reminder e-mail."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse
from kombu import pools as kombu_pools

from outsourcing.celery import app as celery_app
from outsourcing.models import Membership
from reviews import services
from reviews.models import Notification, ReminderDelivery, Review
from tests.conftest import IN_CI, make_member, require_service

from .factories import engagement_for

UTC = dt.UTC
REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: nothing listens there


@contextmanager
def broker(url: str, *, eager: bool = False):
    """Point the Celery app at another broker for the duration (fresh connection pools)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.broker_transport_options)
    conf.broker_url = url
    conf.broker_transport_options = {"visibility_timeout": 3600}
    conf.task_always_eager = eager

    def reset() -> None:
        kombu_pools.reset()  # close and forget every cached connection/producer pool
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset()
    try:
        yield celery_app
    finally:
        reset()
        conf.broker_url, conf.task_always_eager, conf.broker_transport_options = saved


@pytest.mark.django_db
def test_redis_down_pages_work_nothing_is_lost_and_the_next_sweep_catches_up(
    owner_client, owner, monkeypatch, django_capture_on_commit_callbacks
):
    today = dt.datetime.now(owner.business.tzinfo).date()
    engagement = engagement_for(owner.business, start=today - dt.timedelta(days=80))
    with broker(f"redis://127.0.0.1:{closed_port()}/0"):
        with django_capture_on_commit_callbacks(execute=True):
            first = services.sweep_run()
        assert first.reviews_created == 1 and first.reminders_claimed == 1
        delivery = ReminderDelivery.objects.get()
        assert delivery.status == "claimed"  # enqueue failed quietly; the claim is kept
        assert Notification.objects.filter(user=owner.user, delivery=delivery).exists()
        assert mail.outbox == []
        # every page still answers, and a review can be completed
        review = Review.objects.get(engagement=engagement)
        for url in (
            reverse("reviews:review-list", args=[owner.business.pk]),
            reverse("reviews:notification-list"),
            review.get_absolute_url(),
            reverse("reviews:scorecard", args=[owner.business.pk, engagement.provider_id]),
        ):
            assert owner_client.get(url).status_code == 200, url
        # a second sweep while still down: nothing claimed twice, nothing sent
        monkeypatch.setattr(services, "REENQUEUE_AFTER", dt.timedelta(0))
        with django_capture_on_commit_callbacks(execute=True):
            again = services.sweep_run()
        assert again.reminders_claimed == 0 and again.emails_requeued == 0
        assert ReminderDelivery.objects.get().status == "claimed"

    # Redis is back (tasks run in-process here): the next sweep enqueues the lost e-mail
    with broker("memory://", eager=True):
        later = services.sweep_run()
    assert later.emails_requeued == 1 and later.reminders_claimed == 0
    assert [m.subject for m in mail.outbox] == [ReminderDelivery.objects.get().subject]
    assert ReminderDelivery.objects.get().status == "sent"


def _business_with_due_reviews(n: int):
    owner = make_member(role=Membership.Role.OWNER)
    coach = make_member(role=Membership.Role.COACH)
    Membership.objects.create(user=coach.user, business=owner.business, role="coach")
    for _ in range(n):
        engagement_for(owner.business, start=dt.date(2025, 1, 1), renewal=dt.date(2025, 5, 1))
    return owner


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_on_postgresql_send_each_reminder_once():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://...)")
    _business_with_due_reviews(15)
    now = dt.datetime(2025, 3, 20, 9, tzinfo=UTC)  # reviews due 1 Apr, notice deadline 1 Apr
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(services.sweep_run(now=now))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    with broker("memory://", eager=True):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert errors == []
    # 15 engagements x (review soon + notice 30) x 2 members
    assert ReminderDelivery.objects.count() == 60
    assert sum(r.reminders_claimed for r in reports) == 60
    assert sum(r.reviews_created for r in reports) == 15
    assert Review.objects.count() == 15
    assert len(mail.outbox) == 60
    assert len({(m.to[0], m.subject) for m in mail.outbox}) == 60
    assert Notification.objects.count() == 60
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_on_real_redis_runs_the_sweep_and_mails_a_reminder(settings):
    """With CI=true this must run (CI starts Redis); elsewhere it skips without Redis."""
    require_service("127.0.0.1", 6379, "Redis")
    from celery.contrib.testing.worker import start_worker

    from reviews.tasks import sweep

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = make_member(role=Membership.Role.OWNER)
    today = dt.datetime.now(owner.business.tzinfo).date()
    engagement = engagement_for(owner.business, start=today - dt.timedelta(days=80))
    with broker(REDIS_TEST_URL):
        with celery_app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()  # our own Redis db: no stale tasks
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="warning"):
            sweep.delay()
            deadline = time.monotonic() + (60 if IN_CI else 30)
            while time.monotonic() < deadline and not mail.outbox:
                time.sleep(0.2)
    assert mail.outbox, "the worker did not send the reminder e-mail"
    message = mail.outbox[0]
    assert message.to == [owner.user.email]
    assert engagement.provider.name in message.subject
    assert "due in" in message.subject
    delivery = ReminderDelivery.objects.get(recipient=owner.user)
    assert delivery.status == "sent" and delivery.attempts == 1
