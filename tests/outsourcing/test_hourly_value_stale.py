"""A task written while the owner changes the hourly value is scored with the value that wins.

A request reads its business when it starts; another request may change the hourly value (and
rescore every task) before the first one saves. The task writes take the business row's lock and
read the hourly value again, so they never store figures for a value the business no longer has.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outsourcing import services
from outsourcing.models import Business, OwnerTask
from outsourcing.starter import STARTER_TASKS
from providers import services as providers_services
from tests.factories import OwnerTaskFactory
from tests.providers.factories import CandidateFactory, JobFactory

pytestmark = pytest.mark.django_db


def change_hourly_value(business_id, hourly: D, actor) -> None:
    """What another request (the business settings page) does meanwhile."""
    business = Business.objects.get(pk=business_id)
    services.business_update(
        business=business,
        actor=actor,
        name=business.name,
        currency=business.currency,
        timezone=business.timezone,
        hourly_value=hourly,
    )


def test_task_update_with_a_stale_business_scores_with_the_new_hourly_value(owner):
    task = OwnerTaskFactory(business=owner.business, hours_per_month=D("10"))
    stale = OwnerTask.objects.select_related("business").get(pk=task.pk)  # this request's copy
    assert stale.business.hourly_value == D("120")
    change_hourly_value(owner.business.pk, D("50"), owner.user)
    services.task_update(task=stale, actor=owner.user, hours_per_month=D("12"))
    stored = OwnerTask.objects.get(pk=task.pk)
    assert stored.opportunity_cost == D("600.00")  # 12 h x 50, not x 120


def test_task_create_with_a_stale_business_scores_with_the_new_hourly_value(owner):
    stale = Business.objects.get(pk=owner.business.pk)
    change_hourly_value(owner.business.pk, D("50"), owner.user)
    task = services.task_create(
        business=stale, actor=owner.user, name="Bookkeeping", hours_per_month=D("4")
    )
    assert OwnerTask.objects.get(pk=task.pk).opportunity_cost == D("200.00")


def test_import_and_starter_tasks_with_a_stale_business_use_the_new_hourly_value(owner):
    stale = Business.objects.get(pk=owner.business.pk)
    change_hourly_value(owner.business.pk, D("50"), owner.user)
    services.tasks_import(
        business=stale, actor=owner.user, rows=[{"name": "Filing", "hours_per_month": D("2")}]
    )
    assert OwnerTask.objects.get(name="Filing").opportunity_cost == D("100.00")
    starter = STARTER_TASKS[0]
    services.tasks_create_from_starter(
        business=stale, actor=owner.user, picks={starter.key: D("3")}
    )
    assert OwnerTask.objects.get(name=starter.name).opportunity_cost == D("150.00")


def test_the_task_writes_lock_the_business_row(owner):
    """The lock is what serialises a task write with a change of hourly value on PostgreSQL."""
    with CaptureQueriesContext(connection) as ctx:
        services.task_create(
            business=owner.business, actor=owner.user, name="Payroll", hours_per_month=D("1")
        )
    reads = [q["sql"] for q in ctx.captured_queries if '"hourly_value"' in q["sql"]]
    assert len(reads) == 1 and reads[0].startswith("SELECT")
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in reads[0]


def test_hire_locks_the_business_and_scores_with_the_new_hourly_value(owner):
    """The providers' hire re-scores the tasks it outsources (their provider cost changes)."""
    job = JobFactory(business=owner.business)
    task = OwnerTaskFactory(business=owner.business, hours_per_month=D("10"))
    job.tasks.set([task])
    candidate = CandidateFactory(job=job)
    change_hourly_value(owner.business.pk, D("50"), owner.user)
    with CaptureQueriesContext(connection) as ctx:
        providers_services.engagement_hire(
            candidate=candidate,
            actor=owner.user,
            start_date=date(2026, 1, 1),
            agreed_price=D("300"),
            billing_period="monthly",
        )
    stored = OwnerTask.objects.get(pk=task.pk)
    assert stored.opportunity_cost == D("500.00") and stored.net_benefit == D("200.00")
    reads = [q["sql"] for q in ctx.captured_queries if '"hourly_value"' in q["sql"]]
    assert reads and reads[0].startswith("SELECT")
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in reads[0]
