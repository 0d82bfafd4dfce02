"""Writes for the core app. Each names its actor and runs in one transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction

from .models import Business, Membership, OwnerTask
from .starter import STARTER_TASKS


@transaction.atomic
def business_create(
    *, owner: User, name: str, currency: str, timezone: str, hourly_value: Decimal
) -> Business:
    """Create a business with `owner` as its owner member."""
    business = Business.objects.create(
        name=name, currency=currency, timezone=timezone, hourly_value=hourly_value
    )
    Membership.objects.create(user=owner, business=business, role=Membership.Role.OWNER)
    return business


@transaction.atomic
def business_update(
    *,
    business: Business,
    actor: User,
    name: str,
    currency: str,
    timezone: str,
    hourly_value: Decimal,
) -> Business:
    """Change the business's name, currency, time zone or hourly value (history keeps the old).

    A new hourly value rescores every task of the business in the same transaction: each
    task's cached call and figures (OwnerTask.suggested_call...) depend on it."""
    old_hourly = _hourly_value_locked(business.pk)
    business.name = name
    business.currency = currency
    business.timezone = timezone
    business.hourly_value = hourly_value
    business.full_clean()
    business.save()
    if business.hourly_value != old_hourly:
        tasks_rescore(business=business)
    return business


def _hourly_value_locked(business_id: UUID) -> Decimal:
    """The business's hourly value as the database has it, with its row locked until this
    transaction ends. Every write that scores tasks takes this lock first, so a task saved while
    the owner changes the hourly value is scored with the value that wins, not a copy the request
    read earlier (on SQLite, whose writes are serialised anyway, the read is simply fresh)."""
    hourly: Decimal = (
        Business.objects.select_for_update()
        .values_list("hourly_value", flat=True)
        .get(pk=business_id)
    )
    return hourly


def business_lock_for_scoring(business: Business) -> None:
    """Lock the business row for this transaction and refresh `business.hourly_value`: call it
    before scoring tasks (other apps' writes that change a task's figures too)."""
    business.hourly_value = _hourly_value_locked(business.pk)


def tasks_rescore(*, business: Business) -> int:
    """Recompute the cached call and figures of every task of `business` from the rules, in
    batches, without history rows (the owner changed nothing on the tasks). Idempotent.
    Returns the number of tasks."""
    tasks = list(OwnerTask.objects.for_business(business).only("pk", *OwnerTask.SCORING_FIELDS))
    for task in tasks:
        task.score(business.hourly_value)
    OwnerTask.objects.bulk_update(tasks, OwnerTask.SCORED_FIELDS, batch_size=500)
    return len(tasks)


# --- The task inventory ---------------------------------------------------------------------

TASK_FIELDS = (
    "name",
    "category",
    "notes",
    "hours_per_month",
    "customer_contact",
    "owner_skill",
    "compliance_risk",
    "primary_focus",
    "energy",
    "provider_monthly_cost",
    "status",
)


@transaction.atomic
def task_create(*, business: Business, actor: User, **fields: Any) -> OwnerTask:
    """Add a task to the business's inventory."""
    business_lock_for_scoring(business)
    task = OwnerTask(business=business, **_task_fields(fields))
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_update(*, task: OwnerTask, actor: User, **fields: Any) -> OwnerTask:
    """Change a task's figures. The override (if any) stays until the owner clears it."""
    business_lock_for_scoring(task.business)
    for name, value in _task_fields(fields).items():
        setattr(task, name, value)
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_delete(*, task: OwnerTask, actor: User) -> None:
    task.delete()


@transaction.atomic
def task_override(*, task: OwnerTask, actor: User, call: str, reason: str) -> OwnerTask:
    """Set the owner's own call with a reason, or clear it (call="") to use the rules' call."""
    task.override_call = call
    task.override_reason = reason.strip() if call else ""
    task.full_clean()
    task.save(update_fields=["override_call", "override_reason", "updated_at"])
    return task


@transaction.atomic
def tasks_create_from_starter(
    *, business: Business, actor: User, picks: dict[str, Decimal]
) -> list[OwnerTask]:
    """Create one task per picked starter (key → hours a month) with the starter's defaults.

    A starter whose name the business already has is skipped, so submitting the checklist
    twice does not double the inventory.
    """
    business_lock_for_scoring(business)
    existing = {
        name.lower()
        for name in OwnerTask.objects.for_business(business).values_list("name", flat=True)
    }
    created = []
    for starter in STARTER_TASKS:
        if starter.key not in picks or starter.name.lower() in existing:
            continue
        task = OwnerTask(
            business=business,
            name=starter.name,
            category=starter.category,
            hours_per_month=picks[starter.key],
            customer_contact=starter.customer_contact,
            compliance_risk=starter.compliance_risk,
            owner_skill=starter.owner_skill,
            notes=starter.hint,
        )
        task.full_clean()
        task.score(business.hourly_value)  # bulk_create does not call save()
        created.append(task)
    return OwnerTask.objects.bulk_create(created)


@transaction.atomic
def tasks_import(*, business: Business, actor: User, rows: list[dict[str, Any]]) -> list[OwnerTask]:
    """Create every row (already validated) in one transaction: all or nothing."""
    business_lock_for_scoring(business)
    tasks = [OwnerTask(business=business, **_task_fields(row)) for row in rows]
    for task in tasks:
        task.full_clean()
        task.score(business.hourly_value)  # bulk_create does not call save()
    return OwnerTask.objects.bulk_create(tasks)


def _task_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"not task fields: {sorted(unknown)}")
    return fields
