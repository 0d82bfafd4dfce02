from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from outsourcing.celery import app as celery_app
from reviews import tasks
from reviews.models import Review

from .factories import engagement_for


@pytest.mark.django_db
def test_manage_py_sweep_runs_once_and_prints_what_it_did(owner):
    today = dt.datetime.now(owner.business.tzinfo).date()
    engagement_for(owner.business, start=today - dt.timedelta(days=80))
    out = StringIO()
    call_command("sweep", stdout=out)
    assert "reviews created: 1" in out.getvalue()
    assert "reminders claimed: 1" in out.getvalue()
    out = StringIO()
    call_command("sweep", stdout=out)
    assert "reviews created: 0" in out.getvalue() and "reminders claimed: 0" in out.getvalue()
    assert Review.objects.count() == 1


def test_beat_runs_the_sweep_every_interval():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert "reviews-sweep" in schedule
    assert schedule["reviews-sweep"]["task"] == "reviews.tasks.sweep"
    assert schedule["reviews-sweep"]["schedule"] == float(settings.SWEEP_INTERVAL_SECONDS)
    assert "reviews.tasks.sweep" in celery_app.tasks


def test_tasks_ack_late_and_retry_sends():
    assert tasks.sweep.acks_late and tasks.sweep.reject_on_worker_lost
    assert tasks.reminder_send.acks_late and tasks.reminder_send.reject_on_worker_lost
    assert tasks.reminder_send.max_retries == 4
    assert tasks.reminder_send.autoretry_for == (Exception,)
    assert celery_app.conf.worker_prefetch_multiplier == 1
    assert celery_app.conf.task_time_limit and celery_app.conf.task_soft_time_limit
