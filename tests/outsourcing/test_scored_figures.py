"""Each task stores its suggested call and monthly figures (a cache of scoring.score): after
every write path they equal deciding the task in full, and the pages built on them (dashboard,
inventory, portfolio summary) equal deciding every task in full."""

from __future__ import annotations

import importlib
import io
import random
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outsourcing import scoring, selectors, services
from outsourcing.models import Business, OwnerTask
from outsourcing.starter import STARTER_TASKS
from tests.conftest import make_member
from tests.factories import BusinessFactory, OwnerTaskFactory

pytestmark = pytest.mark.django_db
D = Decimal

DB_EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

hours = st.decimals(min_value=0, max_value=744, places=1, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=99_999_999, places=2, allow_nan=False)
hourly_values = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
task_fields = st.fixed_dictionaries(
    {
        "hours_per_month": hours,
        "owner_skill": st.integers(1, 5),
        "customer_contact": st.sampled_from(["none", "indirect", "direct"]),
        "compliance_risk": st.sampled_from(["none", "low", "high"]),
        "primary_focus": st.booleans(),
        "provider_monthly_cost": st.none() | money,
    }
)


def stored(task: OwnerTask) -> tuple[str, Decimal, Decimal | None]:
    row = OwnerTask.objects.values_list(*OwnerTask.SCORED_FIELDS).get(pk=task.pk)
    return row[0], row[1], row[2]


def assert_scored(task: OwnerTask) -> None:
    """What the database holds for `task` equals deciding it in full, at the hourly value the
    database holds for its business."""
    task = OwnerTask.objects.get(pk=task.pk)
    business = Business.objects.get(pk=task.business_id)
    decision = scoring.decide(task.figures(), business.hourly_value, business.currency)
    assert stored(task) == (decision.call, decision.opportunity_cost, decision.net_benefit)


def new_task(business: Business, actor, fields: dict) -> OwnerTask:
    return services.task_create(
        business=business, actor=actor, name="A task", category="finance", **fields
    )


@DB_EXAMPLES
@given(first=task_fields, second=task_fields, hourly=hourly_values, new_hourly=hourly_values)
def test_every_write_path_keeps_the_stored_figures_right(first, second, hourly, new_hourly):
    owner = make_member(role="owner", business=BusinessFactory(hourly_value=hourly))
    business, actor = owner.business, owner.user

    task = new_task(business, actor, first)
    assert_scored(task)

    services.task_update(task=task, actor=actor, name="A task", category="finance", **second)
    assert_scored(task)

    services.task_override(task=task, actor=actor, call="keep", reason="I like it")
    assert_scored(task)  # the suggested call stays the rules' call
    assert OwnerTask.objects.get(pk=task.pk).override_call == "keep"

    imported = services.tasks_import(
        business=business, actor=actor, rows=[{"name": "Imported", "category": "it", **first}]
    )
    starters = services.tasks_create_from_starter(
        business=business,
        actor=actor,
        picks={s.key: first["hours_per_month"] for s in STARTER_TASKS[:3]},
    )
    for created in [*imported, *starters]:
        assert_scored(created)

    # A partial save of one scoring field (as the providers' hire does with the cost).
    task.provider_monthly_cost = first["provider_monthly_cost"]
    task.save(update_fields=["provider_monthly_cost", "updated_at"])
    assert_scored(task)

    services.business_update(
        business=business,
        actor=actor,
        name=business.name,
        currency=business.currency,
        timezone=business.timezone,
        hourly_value=new_hourly,
    )
    for each in OwnerTask.objects.for_business(business):
        assert_scored(each)


def test_a_new_hourly_value_rescores_only_that_business(owner):
    mine = OwnerTaskFactory(business=owner.business, provider_monthly_cost=D("1000"))
    other = OwnerTaskFactory(provider_monthly_cost=D("1000"))
    before_other = stored(other)
    assert stored(mine)[0] == "outsource"  # 10 h x 120 = 1,200 > 1,000
    business = Business.objects.get(pk=owner.business.pk)
    services.business_update(
        business=business,
        actor=owner.user,
        name=business.name,
        currency=business.currency,
        timezone=business.timezone,
        hourly_value=D("50"),
    )
    assert stored(mine) == ("keep", D("500.00"), D("-500.00"))
    assert_scored(mine)
    assert stored(other) == before_other


def test_a_failing_business_update_leaves_the_stored_figures(owner):
    task = OwnerTaskFactory(business=owner.business)
    before = stored(task)
    business = Business.objects.get(pk=owner.business.pk)
    with pytest.raises(ValidationError):
        services.business_update(
            business=business,
            actor=owner.user,
            name="",
            currency=business.currency,
            timezone=business.timezone,
            hourly_value=D("1"),
        )
    assert stored(task) == before


def test_the_settings_page_rescores_the_tasks(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business, provider_monthly_cost=D("1000"))
    url = reverse("outsourcing:business-settings", kwargs={"business_id": owner.business.pk})
    response = owner_client.post(
        url, {"name": "Renamed", "currency": "EUR", "timezone": "UTC", "hourly_value": "50"}
    )
    assert response.status_code == 302
    assert stored(task) == ("keep", D("500.00"), D("-500.00"))


def test_the_providers_hire_keeps_the_stored_figures_right(owner):
    from providers import services as providers_services
    from tests.providers.factories import CandidateFactory, JobFactory

    tasks = [OwnerTaskFactory(business=owner.business) for _ in range(2)]
    before = [stored(t) for t in tasks]
    job = JobFactory(business=owner.business)
    job.tasks.set(tasks)
    providers_services.engagement_hire(
        candidate=CandidateFactory(job=job),
        actor=owner.user,
        start_date=date(2026, 1, 1),
        agreed_price=D("900"),
        billing_period="monthly",
    )
    for task, old in zip(tasks, before, strict=True):
        assert stored(task) != old  # the provider cost (450 each) changed the figures
        assert_scored(task)


def test_the_demo_seed_stores_right_figures():
    call_command("seed_demo", stdout=io.StringIO())
    tasks = list(OwnerTask.objects.all())
    assert tasks
    for task in tasks:
        assert_scored(task)


def test_the_benchmark_seed_stores_right_figures():
    from bench import seed

    seed._tasks(random.Random(3), BusinessFactory(hourly_value=D("75.50")), 40)
    for task in OwnerTask.objects.all():
        assert_scored(task)


def test_the_data_migration_scores_existing_tasks(owner):
    tasks = [
        OwnerTaskFactory(business=owner.business, provider_monthly_cost=cost)
        for cost in (None, D("100"), D("5000"))
    ]
    OwnerTask.objects.update(suggested_call="consider", opportunity_cost=0, net_benefit=None)
    migration = importlib.import_module("outsourcing.migrations.0003_ownertask_scored_figures")
    migration.score_existing_tasks(apps, None)
    for task in tasks:
        assert_scored(task)


def test_the_rescore_command_repairs_every_business(owner):
    task = OwnerTaskFactory(business=owner.business, provider_monthly_cost=D("100"))
    OwnerTask.objects.update(suggested_call="keep", opportunity_cost=0, net_benefit=None)
    out = io.StringIO()
    call_command("tasks_rescore", stdout=out)
    assert_scored(task)
    assert "1 task" in out.getvalue()


# --- the pages built on the stored figures equal deciding every task in full ------------------

inventories = st.lists(
    st.tuples(
        task_fields,
        st.sampled_from(["", "", "outsource", "consider", "keep"]),  # the owner's override
        st.sampled_from(["doing", "doing", "exploring", "outsourced", "eliminated"]),
    ),
    max_size=30,
)


def build(business: Business, specs) -> None:
    for n, (fields, override, status) in enumerate(specs):
        OwnerTaskFactory(
            business=business,
            name=f"Task {n:02d}",
            category="finance" if n % 2 else "it",
            status=status,
            override_call=override,
            override_reason="My reason" if override else "",
            **fields,
        )


@DB_EXAMPLES
@given(specs=inventories, hourly=hourly_values)
def test_dashboard_equals_deciding_every_task(specs, hourly):
    business = BusinessFactory(hourly_value=hourly)
    build(business, specs)
    rows = selectors.task_rows(business=business)
    reference = sorted((r for r in rows if r.active), key=selectors._rank_key)
    dashboard = selectors.dashboard_get(business=business)
    top = reference[: selectors.DASHBOARD_TOP]
    assert [r.task.pk for r in dashboard.ranked] == [r.task.pk for r in top]
    assert [r.decision for r in dashboard.ranked] == [r.decision for r in top]
    assert dashboard.more == len(reference) - len(top)
    assert dashboard.task_count == len(rows)
    assert dashboard.summary == selectors.summarise(rows)
    portfolio = selectors.outsource_summary_for_businesses([business])[business.pk]
    assert portfolio == dashboard.summary


def reference_sort(rows, sort: str):
    column = sort.lstrip("-")
    keys = {
        "name": lambda r: (r.task.name.lower(), r.task.pk),
        "hours": lambda r: (r.task.hours_per_month, r.task.name.lower(), r.task.pk),
        "cost": lambda r: (r.decision.opportunity_cost, r.task.name.lower(), r.task.pk),
        "call": lambda r: (
            selectors.CALL_ORDER[r.call],
            -(r.decision.net_benefit or 0),
            r.task.name.lower(),
            r.task.pk,
        ),
    }
    return sorted(rows, key=keys[column], reverse=sort.startswith("-"))


@DB_EXAMPLES
@given(
    specs=inventories,
    hourly=hourly_values,
    sort=st.sampled_from(["name", "-name", "hours", "-hours", "cost", "-cost", "call", "-call"]),
    call=st.sampled_from(["", "outsource", "consider", "keep"]),
    category=st.sampled_from(["", "it"]),
)
def test_inventory_filters_and_sorts_like_deciding_every_task(specs, hourly, sort, call, category):
    business = BusinessFactory(hourly_value=hourly)
    build(business, specs)
    rows = [
        r
        for r in selectors.task_rows(business=business)
        if (not call or r.call == call) and (not category or r.task.category == category)
    ]
    expected = [r.task.pk for r in reference_sort(rows, sort)]
    got = [
        t.pk
        for t in selectors.task_list(business=business, sort=sort, call=call, category=category)
    ]
    assert got == expected
    page = selectors.task_page(
        business=business, page=1, per_page=10, sort=sort, call=call, category=category
    )
    assert [r.task.pk for r in page.object_list] == expected[:10]
    assert [r.decision for r in page.object_list] == [
        r.decision for r in reference_sort(rows, sort)[:10]
    ]


def task_list_url(business, query: str) -> str:
    return reverse("outsourcing:task-list", kwargs={"business_id": business.pk}) + query


@pytest.mark.parametrize(
    "query", ["?call=outsource&sort=-cost", "?sort=-call&status=doing", "?q=Task&sort=hours"]
)
def test_inventory_queries_do_not_grow_with_tasks(owner_client, owner, count_queries, query):
    target = task_list_url(owner.business, query)
    OwnerTaskFactory.create_batch(2, business=owner.business, provider_monthly_cost=D("10"))
    few = count_queries(lambda: owner_client.get(target))
    OwnerTaskFactory.create_batch(
        60, business=owner.business, compliance_risk="high", owner_skill=1
    )
    assert count_queries(lambda: owner_client.get(target)) == few


def test_portfolio_summary_queries_do_not_grow_with_businesses(django_assert_num_queries):
    few = [BusinessFactory() for _ in range(2)]
    many = [BusinessFactory() for _ in range(30)]
    for b in [*few, *many]:
        OwnerTaskFactory.create_batch(3, business=b, provider_monthly_cost=D("100"))
    with django_assert_num_queries(1):
        selectors.outsource_summary_for_businesses(few)
    with django_assert_num_queries(1):
        summaries = selectors.outsource_summary_for_businesses(many)
    assert all(s.tasks == 3 for s in summaries.values())


@pytest.mark.parametrize(
    ("outsource", "consider"),
    [(selectors.DASHBOARD_TOP + 3, 4), (selectors.DASHBOARD_TOP - 5, 8), (3, 2)],
)
def test_dashboard_ranks_like_deciding_every_task_whatever_the_mix(owner, outsource, consider):
    """The ranking leaves out the calls below the top's in SQL: the shown tasks, their order and
    the count of the others are still those of deciding every task."""
    b = owner.business
    for n in range(outsource):  # 10 h x 120 = 1,200 against a cheaper provider: outsource
        OwnerTaskFactory(business=b, name=f"Out {n:02d}", provider_monthly_cost=D(100 + 10 * n))
    for n in range(consider):  # no quote yet: consider
        OwnerTaskFactory(business=b, name=f"Quote {n:02d}", hours_per_month=D(n + 1))
    for n in range(5):  # customer-facing: keep, one overridden to outsource
        OwnerTaskFactory(
            business=b,
            name=f"Keep {n}",
            customer_contact="direct",
            override_call="outsource" if n == 0 else "",
            override_reason="A call centre" if n == 0 else "",
        )
    rows = selectors.task_rows(business=b)
    reference = sorted((r for r in rows if r.active), key=selectors._rank_key)
    dashboard = selectors.dashboard_get(business=b)
    top = reference[: selectors.DASHBOARD_TOP]
    assert [r.task.pk for r in dashboard.ranked] == [r.task.pk for r in top]
    assert dashboard.more == len(reference) - len(top)
    assert dashboard.summary == selectors.summarise(rows)
