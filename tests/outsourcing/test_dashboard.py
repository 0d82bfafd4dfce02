"""The dashboard, the portfolio summary selector and constant query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from outsourcing import selectors
from tests.factories import BusinessFactory, OwnerTaskFactory

pytestmark = pytest.mark.django_db
D = Decimal


def dashboard(business) -> str:
    return reverse("outsourcing:dashboard", kwargs={"business_id": business.pk})


def task_list(business) -> str:
    return reverse("outsourcing:task-list", kwargs={"business_id": business.pk})


@pytest.fixture
def inventory(owner):
    """At 120 USD an hour: two outsource calls, a consider, a keep and a settled task."""
    b = owner.business
    OwnerTaskFactory(
        business=b, name="Bookkeeping", hours_per_month=D("10"), provider_monthly_cost=D("500")
    )  # outsource, saves 700
    OwnerTaskFactory(
        business=b, name="Payroll", hours_per_month=D("4"), compliance_risk="high", owner_skill=2
    )  # outsource (rule 3), no quote
    OwnerTaskFactory(
        business=b, name="Marketing", hours_per_month=D("12"), customer_contact="indirect"
    )  # consider, caution
    OwnerTaskFactory(
        business=b, name="Customer calls", hours_per_month=D("15"), customer_contact="direct"
    )  # keep
    OwnerTaskFactory(
        business=b,
        name="Old filing",
        hours_per_month=D("3"),
        provider_monthly_cost=D("1"),
        status="eliminated",
    )  # settled: not counted
    return b


def test_summary_counts_active_outsource_calls(inventory):
    summary = selectors.dashboard_get(business=inventory).summary
    assert summary.tasks == 2
    assert summary.hours == D("14")
    assert summary.value == D("1680.00")
    assert summary.cost == D("500")
    assert summary.unquoted == 1
    assert summary.net == D("700.00")
    assert summary.net_per_year == D("8400.00")


def test_summary_follows_the_owners_override(inventory):
    marketing = inventory.tasks.get(name="Marketing")
    marketing.override_call, marketing.override_reason = "outsource", "An agency I trust"
    marketing.save()
    bookkeeping = inventory.tasks.get(name="Bookkeeping")
    bookkeeping.override_call, bookkeeping.override_reason = "keep", "I enjoy it"
    bookkeeping.save()
    summary = selectors.dashboard_get(business=inventory).summary
    assert (summary.tasks, summary.hours, summary.unquoted, summary.net) == (
        2,
        D("16"),
        2,
        D("0"),
    )


def test_dashboard_headline_ranked_list_and_matrix(owner_client, inventory):
    page = owner_client.get(dashboard(inventory)).content.decode()
    assert (
        "Outsourcing 2 tasks would free 14 hours a month — worth 1,680 USD — for about 500 USD."
        in page
    )
    assert "1 of them has no provider quote yet" in page
    assert "8,400 USD" in page  # net gain a year
    ranked = page[page.index('data-testid="ranked-list"') :]
    order = sorted(["Bookkeeping", "Payroll", "Marketing", "Customer calls"], key=ranked.index)
    assert order == ["Bookkeeping", "Payroll", "Marketing", "Customer calls"]
    assert "Old filing (eliminated)" in page
    assert "Keep: customer-facing" in page
    assert "keep approval of what goes out" in page  # the marketing caution
    assert '<svg viewBox="0 0 480 400" role="img"' in page
    assert '<title id="matrix-title">' in page and '<desc id="matrix-desc">' in page
    assert page.count('class="matrix-point"') == 4
    assert "<rect" in page.split('class="matrix-point"')[4]  # customer-facing: a square
    assert "The matrix as a table" in page


def test_dashboard_without_tasks_leads_to_the_starter_checklist(owner_client, owner):
    page = owner_client.get(dashboard(owner.business)).content.decode()
    assert "No tasks yet" in page
    assert reverse("outsourcing:task-starter", args=[owner.business.pk]) in page


def test_dashboard_with_nothing_to_outsource_says_so(owner_client, owner):
    OwnerTaskFactory(business=owner.business, customer_contact="direct")
    page = owner_client.get(dashboard(owner.business)).content.decode()
    assert "No task is called “Outsource” yet." in page


def test_matrix_places_higher_cost_higher_and_more_skill_further_right():
    b = BusinessFactory()
    cheap_expert = OwnerTaskFactory(business=b, hours_per_month=D("1"), owner_skill=5)
    dear_novice = OwnerTaskFactory(business=b, hours_per_month=D("30"), owner_skill=1)
    rows = [selectors.task_row(t, b) for t in (cheap_expert, dear_novice)]
    matrix = selectors.delegation_matrix(rows)
    expert, novice = matrix.points
    assert novice.y < expert.y  # SVG y grows downwards
    assert novice.x < expert.x
    assert matrix.max_cost >= D("3600")
    assert all(matrix.top <= p.y <= matrix.top + matrix.plot_height for p in matrix.points)


def test_matrix_spreads_tasks_that_share_a_skill_level():
    b = BusinessFactory()
    tasks = OwnerTaskFactory.create_batch(3, business=b, owner_skill=2)
    matrix = selectors.delegation_matrix([selectors.task_row(t, b) for t in tasks])
    assert len({p.x for p in matrix.points}) == 3


def test_outsource_summary_for_businesses_in_one_query(django_assert_num_queries):
    first, second, empty = BusinessFactory(), BusinessFactory(), BusinessFactory()
    OwnerTaskFactory(business=first, hours_per_month=D("10"), provider_monthly_cost=D("200"))
    OwnerTaskFactory(business=second, hours_per_month=D("5"), provider_monthly_cost=D("100"))
    OwnerTaskFactory.create_batch(20, business=second, customer_contact="direct")
    with django_assert_num_queries(1):
        summaries = selectors.outsource_summary_for_businesses([first, second, empty])
    assert summaries[first.pk].hours == D("10")
    assert summaries[first.pk].value == D("1200.00")
    assert summaries[first.pk].cost == D("200")
    assert summaries[second.pk].tasks == 1
    assert summaries[empty.pk] == selectors.Summary()


def test_outsource_summary_uses_each_businesss_own_hourly_value():
    cheap = BusinessFactory(hourly_value=D("10"))
    dear = BusinessFactory(hourly_value=D("200"))
    for b in (cheap, dear):
        OwnerTaskFactory(business=b, hours_per_month=D("10"), provider_monthly_cost=D("50"))
    summaries = selectors.outsource_summary_for_businesses([cheap, dear])
    assert summaries[cheap.pk].tasks == 1 and summaries[cheap.pk].net == D("50.00")
    assert summaries[dear.pk].value == D("2000.00")


def task_list_by_call(business) -> str:
    return task_list(business) + "?sort=call&category=finance"


def task_list_last_page(business) -> str:
    return task_list(business) + "?sort=-hours&page=last"


@pytest.mark.parametrize("page", [dashboard, task_list, task_list_by_call, task_list_last_page])
def test_page_queries_do_not_grow_with_tasks(owner_client, owner, count_queries, page):
    target = page(owner.business)
    OwnerTaskFactory.create_batch(2, business=owner.business)
    few = count_queries(lambda: owner_client.get(target))
    OwnerTaskFactory.create_batch(
        48,
        business=owner.business,
        customer_contact="indirect",
        provider_monthly_cost=D("100"),
    )
    many = count_queries(lambda: owner_client.get(target))
    assert many == few


def test_task_detail_queries_are_small(owner_client, owner, count_queries):
    task = OwnerTaskFactory(business=owner.business)
    assert count_queries(lambda: owner_client.get(task.get_absolute_url())) <= 8


def test_dashboard_offers_one_next_step(owner_client, inventory):
    page = owner_client.get(dashboard(inventory)).content.decode()
    step = page[page.index('data-testid="next-step"') :].split("</p>")[0]
    bookkeeping = inventory.tasks.get(name="Bookkeeping")
    assert "Next: write a job description for Bookkeeping" in step
    assert f"?task={bookkeeping.pk}" in step


def test_dashboard_next_step_without_outsource_calls_asks_for_a_quote(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business, name="Filing")
    page = owner_client.get(dashboard(owner.business)).content.decode()
    assert "Next: get a quote for Filing" in page
    assert task.get_absolute_url() in page


def test_net_gain_waits_for_a_quote_when_no_outsource_task_has_one(owner_client, owner):
    OwnerTaskFactory(business=owner.business, compliance_risk="high", owner_skill=1)
    page = owner_client.get(dashboard(owner.business)).content.decode()
    assert "Outsourcing 1 task would free 10 hours a month — worth 1,200 USD." in page
    assert page.count("needs a quote") == 2


def test_matrix_marks_never_cover_each_other():
    b = BusinessFactory()
    tasks = OwnerTaskFactory.create_batch(8, business=b, owner_skill=4, hours_per_month=D("1"))
    matrix = selectors.delegation_matrix([selectors.task_row(t, b) for t in tasks])
    spots = [(p.x, p.y) for p in matrix.points]
    for i, (x1, y1) in enumerate(spots):
        for x2, y2 in spots[i + 1 :]:
            assert (x1 - x2) ** 2 + (y1 - y2) ** 2 >= (2 * selectors.MARK_RADIUS) ** 2
    column = matrix.plot_width / 5
    assert all(abs(p.x - matrix.skill_x(4)) <= column / 2 for p in matrix.points)


def test_an_overridden_keep_drops_the_indirect_caution(owner_client, owner):
    task = OwnerTaskFactory(
        business=owner.business,
        customer_contact="indirect",
        override_call="keep",
        override_reason="I approve every post myself",
    )
    page = owner_client.get(task.get_absolute_url()).content.decode()
    assert "keep approval of what goes out" not in page


def test_portfolio_summary_matches_the_dashboard(inventory):
    marketing = inventory.tasks.get(name="Marketing")
    marketing.override_call, marketing.override_reason = "outsource", "An agency I trust"
    marketing.save()
    fast = selectors.outsource_summary_for_businesses([inventory])[inventory.pk]
    assert fast == selectors.dashboard_get(business=inventory).summary
    # ...and both equal the reference: every task decided in full, then summarised.
    assert fast == selectors.summarise(selectors.task_rows(business=inventory))
    assert fast.tasks > 0


def test_dashboard_ranks_like_deciding_every_task(owner):
    """The dashboard ranks from bare scoring fields; the order is the one that deciding every
    task in full gives."""
    for n in range(selectors.DASHBOARD_TOP + 10):
        OwnerTaskFactory(
            business=owner.business,
            name=f"Task {n:02d}",
            provider_monthly_cost=None if n % 4 == 0 else D(10 * (n % 5)),
            override_call="keep" if n % 9 == 0 else "",
            override_reason="I like doing it" if n % 9 == 0 else "",
        )
    rows = selectors.task_rows(business=owner.business)
    reference = sorted((r for r in rows if r.active), key=selectors._rank_key)
    dashboard = selectors.dashboard_get(business=owner.business)
    shown = [r.task.pk for r in dashboard.ranked]
    assert shown == [r.task.pk for r in reference[: selectors.DASHBOARD_TOP]]
    assert dashboard.more == len(reference) - len(shown)
    assert dashboard.summary == selectors.summarise(rows)
    assert [r.decision for r in dashboard.ranked] == [
        r.decision for r in reference[: selectors.DASHBOARD_TOP]
    ]


def test_dashboard_lists_the_top_tasks_and_links_to_the_rest(owner_client, owner):
    OwnerTaskFactory.create_batch(
        selectors.DASHBOARD_TOP + 5, business=owner.business, provider_monthly_cost=D("10")
    )
    OwnerTaskFactory.create_batch(
        selectors.DASHBOARD_TOP + 2, business=owner.business, status="eliminated"
    )
    page = owner_client.get(dashboard(owner.business)).content.decode()
    assert page.count('class="matrix-point"') == selectors.DASHBOARD_TOP
    assert "5 more tasks: see all tasks" in page
    assert "and 2 more." in page
    assert f"Outsourcing {selectors.DASHBOARD_TOP + 5} tasks would free" in page


def test_equal_savings_rank_the_larger_opportunity_cost_first(owner):
    """The third key of the ranking: with the same call and the same saving, the task that
    costs the owner more of their time comes first (before the name would decide)."""
    business = owner.business
    hourly = business.hourly_value
    big = OwnerTaskFactory(
        business=business,
        name="Zeta filing",
        hours_per_month=D("10"),
        provider_monthly_cost=10 * hourly - D("500"),
    )
    small = OwnerTaskFactory(
        business=business,
        name="Alpha filing",
        hours_per_month=D("6"),
        provider_monthly_cost=6 * hourly - D("500"),
    )
    rows = {r.task.pk: r for r in selectors.task_rows(business=business)}
    assert rows[big.pk].call == rows[small.pk].call == "outsource"
    assert rows[big.pk].decision.net_benefit == rows[small.pk].decision.net_benefit == D("500")
    ranked = [r.task.pk for r in selectors.dashboard_get(business=business).ranked]
    assert ranked.index(big.pk) < ranked.index(small.pk)
