"""The portfolio's figures in SQL: the same answers as the rules in Python, each business's own
today, one read of the memberships, and a constant number of queries however it is sorted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outsourcing import coach_selectors
from outsourcing.models import Business, Membership, OwnerTask
from outsourcing.selectors import outsource_summary_for_businesses
from outsourcing.tenancy import MembershipEntry
from providers.models import Engagement
from reviews import cadence
from reviews.models import ReplacementFlag, Review
from reviews.selectors import (
    portfolio_attention_count,
    portfolio_summary,
    portfolio_summary_and_attention,
)
from tests.factories import BusinessFactory, MembershipFactory, OwnerTaskFactory, UserFactory
from tests.reviews.factories import engagement_for

pytestmark = pytest.mark.django_db

URL = reverse("coach:portfolio")
TODAY = dt.date(2026, 3, 10)


def python_notice_deadlines(ids: list, today: dt.date) -> dict:
    """The rule as it was written in Python before it became one SQL aggregate."""
    out: dict = {}
    for e in Engagement.objects.filter(
        business_id__in=ids,
        status=Engagement.Status.ACTIVE,
        renewal_date__isnull=False,
        renewal_date__gte=today,
    ):
        deadline = cadence.notice_deadline(e.renewal_date, e.notice_period_days)
        if deadline is None or deadline < today:
            continue
        if e.business_id not in out or deadline < out[e.business_id]:
            out[e.business_id] = deadline
    return out


def test_notice_deadline_in_sql_equals_the_rule_in_python_on_mixed_data():
    days = dt.timedelta
    first, second, third, quiet = (BusinessFactory() for _ in range(4))
    other = BusinessFactory()  # not asked about: its earlier deadline must not leak in
    # first: the nearest deadline belongs to the later renewal (longer notice period)
    engagement_for(first, renewal=TODAY + days(40), notice_days=10)  # deadline +30
    engagement_for(first, renewal=TODAY + days(60), notice_days=45)  # deadline +15
    engagement_for(first, renewal=None)  # no renewal date
    ended = engagement_for(first, renewal=TODAY + days(5), notice_days=0)  # would be +5
    Engagement.objects.filter(pk=ended.pk).update(status=Engagement.Status.ENDED)
    # second: deadline today counts; a passed deadline (renewal still ahead) and a passed
    # renewal do not; a notice period across a month end
    engagement_for(second, renewal=TODAY + days(7), notice_days=7)  # deadline today
    engagement_for(second, renewal=TODAY + days(3), notice_days=30)  # deadline passed
    engagement_for(second, renewal=TODAY - days(1), notice_days=0)  # renewal passed
    # third: only passed deadlines → none; zero notice on a far renewal across a year end
    engagement_for(third, renewal=TODAY + days(2), notice_days=90)
    engagement_for(third, renewal=dt.date(2027, 1, 1), notice_days=0)
    engagement_for(other, renewal=TODAY + days(1), notice_days=1)
    asked = [first, second, third, quiet]
    ids = [b.pk for b in asked]
    expected = python_notice_deadlines(ids, TODAY)
    assert expected == {
        first.pk: TODAY + days(15),
        second.pk: TODAY,
        third.pk: dt.date(2027, 1, 1),
    }
    coach = UserFactory()  # coaches the four; owns `other`, which is not a client
    for business in asked:
        MembershipFactory(business=business, user=coach, role=Membership.Role.COACH)
    MembershipFactory(business=other, user=coach, role=Membership.Role.OWNER)
    for summary in (
        portfolio_summary(businesses=asked, today=TODAY),
        portfolio_summary(coach=coach, today=TODAY),
    ):
        assert {b.pk: summary[b.pk].next_notice_deadline for b in asked} == {
            b.pk: expected.get(b.pk) for b in asked
        }
        assert other.pk not in summary
        # ended engagements are not counted; those without a renewal date are
        assert [summary[b.pk].active_engagements for b in asked] == [3, 3, 2, 0]


def test_counts_use_each_business_own_today():
    # 10:30 UTC on 1 January 2026: already 2 January at UTC+14, still 31 December at UTC-11.
    now = dt.datetime(2026, 1, 1, 10, 30, tzinfo=dt.UTC)
    ahead = BusinessFactory(timezone="Pacific/Kiritimati")
    behind = BusinessFactory(timezone="Pacific/Pago_Pago")
    for business in (ahead, behind):
        due = engagement_for(business, renewal=dt.date(2026, 1, 31), notice_days=30)
        Review.objects.create(engagement=due, due_date=dt.date(2026, 1, 1))
    coach = UserFactory()
    for business in (ahead, behind):
        MembershipFactory(business=business, user=coach, role=Membership.Role.COACH)
    todays = coach_selectors.local_todays(["Pacific/Kiritimati", "Pacific/Pago_Pago"], now)
    assert todays == {
        "Pacific/Kiritimati": dt.date(2026, 1, 2),
        "Pacific/Pago_Pago": dt.date(2025, 12, 31),
    }
    summary = portfolio_summary(businesses=[ahead, behind], today=todays)
    # due 1 January: overdue where it is the 2nd; due soon where it is 31 December
    assert (summary[ahead.pk].overdue, summary[ahead.pk].due_next_30) == (1, 0)
    assert (summary[behind.pk].overdue, summary[behind.pk].due_next_30) == (0, 1)
    # notice deadline 1 January: passed where it is the 2nd, ahead where it is 31 December
    assert summary[ahead.pk].next_notice_deadline is None
    assert summary[behind.pk].next_notice_deadline == dt.date(2026, 1, 1)
    # two more zones where it is 1 January (a date shared by two zones): due today, not late
    level = [BusinessFactory(timezone=zone) for zone in ("UTC", "Pacific/Tongatapu")]
    for business in level:
        due = engagement_for(business, renewal=dt.date(2026, 1, 1), notice_days=0)
        Review.objects.create(engagement=due, due_date=dt.date(2026, 1, 1))
    zones = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC", "Pacific/Tongatapu"]
    summary = portfolio_summary(
        businesses=[ahead, behind, *level], today=coach_selectors.local_todays(zones, now)
    )
    assert (summary[ahead.pk].overdue, summary[behind.pk].due_next_30) == (1, 1)
    for business in level:
        figures = summary[business.pk]
        assert (figures.overdue, figures.due_next_30) == (0, 1)
        assert figures.next_notice_deadline == dt.date(2026, 1, 1)
    memberships = [
        MembershipEntry(b.pk, b.name, b.timezone, b.currency, Membership.Role.COACH, "edit")
        for b in sorted((ahead, behind), key=lambda b: b.name.lower())
    ]
    rows = {
        r.business.pk: r
        for r in coach_selectors.portfolio(
            user=coach, memberships=memberships, now=now
        ).page.object_list
    }
    assert rows[ahead.pk].reviews_overdue == 1 and rows[ahead.pk].needs_attention
    assert rows[behind.pk].reviews_overdue == 0 and rows[behind.pk].reviews_due_soon == 1
    assert rows[behind.pk].needs_attention  # the notice deadline is within 30 days


def coach_with_clients(n: int, coach=None):
    coach = coach or UserFactory()
    for i in range(n):
        business = BusinessFactory(name=f"Client {i:03d}", hourly_value=Decimal("100"))
        MembershipFactory(business=business, user=coach, role=Membership.Role.COACH)
        OwnerTaskFactory(
            business=business,
            name="Payroll",
            hours_per_month=Decimal(1 + i % 7),
            owner_skill=2,
            compliance_risk=OwnerTask.ComplianceRisk.HIGH,
        )
        if i % 4 == 0:
            engagement = engagement_for(business, renewal=dt.date.today() + dt.timedelta(days=90))
            ReplacementFlag.objects.create(
                engagement=engagement, reason=ReplacementFlag.Reason.OWNER_DECISION
            )
    return coach


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?page=2",
        "?q=client",
        "?sort=value",
        "?sort=value&page=2",
        "?sort=overdue",
        "?sort=due&page=2",
        "?sort=flags&show=attention",
        "?sort=notice&show=attention",
        "?show=attention&page=2",
    ],
)
def test_portfolio_queries_do_not_grow_however_sorted(client, count_queries, query):
    coach = coach_with_clients(3)
    client.force_login(coach)
    few = count_queries(lambda: client.get(URL + query))
    coach_with_clients(40, coach)
    assert count_queries(lambda: client.get(URL + query)) == few


def test_sorted_by_value_every_client_is_summed_and_the_page_has_its_figures(client):
    coach = coach_with_clients(30)
    client.force_login(coach)
    first = client.get(URL + "?sort=value").context["page"]
    second = client.get(URL + "?sort=value&page=2").context["page"]
    values = [r.outsource_value for r in [*first.object_list, *second.object_list]]
    assert len(values) == 30
    assert values == sorted(values, reverse=True)
    # hours 1..7 at 100 an hour, so the top page starts at 700
    assert values[0] == Decimal("700.00") and values[-1] == Decimal("100.00")
    for row in second.object_list:  # the second page is summarised too
        assert row.outsource_value == row.outsource_hours * 100 and row.outsource_tasks == 1


def test_the_memberships_are_read_once_for_the_page_and_its_header(client):
    coach = coach_with_clients(15)
    client.force_login(coach)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(URL).content.decode()
    statements = [q["sql"] for q in ctx.captured_queries]
    # tenancy.user_memberships, once; no other query lists memberships
    memberships_read = "SELECT CAST(m.business_id AS text), b.name"
    assert sum(sql.startswith(memberships_read) for sql in statements) == 1
    assert not [sql for sql in statements if sql.startswith('SELECT "outsourcing_membership"')]
    switcher = body.split('data-testid="business-switcher"', 1)[1].split("</ul>", 1)[0]
    assert switcher.count("(Coach)") == 12
    assert "Client 000" in switcher and "Client 011" in switcher and "Client 012" not in switcher
    assert "3 more in the portfolio" in switcher


def test_header_queries_do_not_grow_with_clients_inside_a_client(client, count_queries):
    coach = coach_with_clients(2)
    client.force_login(coach)
    business = Membership.objects.filter(user=coach).first().business
    url = reverse("coach:people", args=[business.pk])
    few = count_queries(lambda: client.get(url))
    coach_with_clients(30, coach)
    assert count_queries(lambda: client.get(url)) == few
    body = client.get(url).content.decode()
    assert f'class="dropdown-item active" href="{business.get_absolute_url()}"' in body


def test_each_row_is_escaped_and_shows_its_badges(client):
    coach = UserFactory()
    risky = BusinessFactory(name='<b>Tom & "Jerry\'s"</b>', hourly_value=Decimal("100"))
    MembershipFactory(business=risky, user=coach, role=Membership.Role.COACH, access="view")
    engagement = engagement_for(risky, renewal=dt.date.today() + dt.timedelta(days=400))
    Review.objects.create(engagement=engagement, due_date=dt.date.today() - dt.timedelta(days=2))
    client.force_login(coach)
    body = client.get(URL).content.decode()
    row = body.split('<tr data-testid="portfolio-row" class="table-warning">', 1)[1].split("</tr>")[
        0
    ]
    assert "&lt;b&gt;Tom &amp; &quot;Jerry&#x27;s&quot;&lt;/b&gt;</a>" in row
    assert "<b>" not in row
    assert "view only" in row and "needs attention" in row
    assert '<span class="badge text-bg-danger">1</span>' in row  # one overdue review
    assert f'href="{reverse("coach:people", args=[risky.pk])}">People</a>' in row
    assert '<span class="text-body-secondary">—</span>' in row  # nothing called Outsource


# --- every path of the page: the figures for all clients, or only for the page's ----------

NOW = dt.datetime(2026, 1, 1, 10, 30, tzinfo=dt.UTC)
# At NOW: 2 January at UTC+14, 1 January at UTC, 31 December at UTC-11.
ZONE_TODAYS = {
    "Pacific/Kiritimati": dt.date(2026, 1, 2),
    "UTC": dt.date(2026, 1, 1),
    "Pacific/Pago_Pago": dt.date(2025, 12, 31),
}
KINDS = 6  # see mixed_clients


def mixed_clients(n: int):
    """`n` clients over three time zones, each with one of six situations; returns the coach
    and, per business id, whether it needs attention by the rule written out here."""
    coach = UserFactory()
    attention = {}
    for i in range(n):
        zone = list(ZONE_TODAYS)[i // KINDS % 3]  # each situation in each zone
        today = ZONE_TODAYS[zone]
        business = BusinessFactory(
            name=f"Client {i:02d}", timezone=zone, hourly_value=Decimal("100")
        )
        MembershipFactory(business=business, user=coach, role=Membership.Role.COACH)
        OwnerTaskFactory(
            business=business,
            name="Payroll",
            hours_per_month=Decimal(1 + (i * 7) % 11),
            owner_skill=2,
            compliance_risk=OwnerTask.ComplianceRisk.HIGH,
        )
        kind = i % KINDS
        engagement = engagement_for(business, renewal=None)
        if kind == 0:  # an open flag
            ReplacementFlag.objects.create(
                engagement=engagement, reason=ReplacementFlag.Reason.OWNER_DECISION
            )
            needs = True
        elif kind == 1:  # due 1 January: overdue only where it is already the 2nd
            Review.objects.create(engagement=engagement, due_date=dt.date(2026, 1, 1))
            needs = today > dt.date(2026, 1, 1)
        elif kind == 2:  # due 31 December: overdue except where it is still that day
            Review.objects.create(engagement=engagement, due_date=dt.date(2025, 12, 31))
            needs = today > dt.date(2025, 12, 31)
        elif kind == 3:  # notice deadline 31 January: within 30 days except at UTC-11
            engagement_for(business, renewal=dt.date(2026, 1, 31), notice_days=0)
            Review.objects.create(engagement=engagement, due_date=dt.date(2026, 1, 10))
            needs = dt.date(2026, 1, 31) <= today + dt.timedelta(days=30)
        elif kind == 4:  # notice deadline passed (26 December), renewal still ahead
            engagement_for(business, renewal=dt.date(2026, 1, 5), notice_days=10)
            Review.objects.create(engagement=engagement, due_date=dt.date(2026, 1, 20))
            needs = False
        else:  # a review due later, a far notice deadline
            Review.objects.create(engagement=engagement, due_date=dt.date(2026, 3, 1))
            engagement_for(business, renewal=dt.date(2026, 6, 1), notice_days=30)
            needs = False
        attention[business.pk] = needs
    return coach, attention


def memberships_of(rf, user):
    from outsourcing.tenancy import user_memberships

    request = rf.get("/")
    request.user = user
    return user_memberships(request)


def every_row(rf, coach, **kwargs):
    """All the rows of every page, in order."""
    memberships = memberships_of(rf, coach)
    first = coach_selectors.portfolio(user=coach, memberships=memberships, now=NOW, **kwargs)
    rows = list(first.page.object_list)
    for number in range(2, first.page.paginator.num_pages + 1):
        later = coach_selectors.portfolio(
            user=coach, memberships=memberships, now=NOW, page=number, **kwargs
        )
        assert later.attention_count == first.attention_count
        rows += later.page.object_list
    return first, rows


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 5 clients: several pages, the filtered ones too, from a few dozen clients."""
    monkeypatch.setattr(coach_selectors, "PORTFOLIO_PAGE_SIZE", 5)


def test_attention_is_counted_in_sql_as_the_rule_marks_each_row(rf, small_pages):
    coach, attention = mixed_clients(30)
    expected = {pk for pk, needs in attention.items() if needs}
    assert 10 < len(expected) < 20  # the data mixes both answers, in every zone
    todays = coach_selectors.local_todays(ZONE_TODAYS, NOW)
    assert todays == ZONE_TODAYS
    counted = portfolio_attention_count(coach=coach, today=todays, days=30)
    assert counted == len(expected)
    for sort in ["", *coach_selectors.PORTFOLIO_SORTS]:  # SQL count or rows counted
        first, rows = every_row(rf, coach, sort=sort)
        assert first.attention_count == len(expected)
        assert {r.business.pk for r in rows if r.needs_attention} == expected
    # the filter, beyond the first page too
    _first, rows = every_row(rf, coach, show="attention")
    assert {r.business.pk for r in rows} == expected
    assert len(rows) == len(expected) > 2 * coach_selectors.PORTFOLIO_PAGE_SIZE
    assert all(r.needs_attention for r in rows)


@pytest.mark.parametrize("show", ["", "attention"])
@pytest.mark.parametrize("sort", list(coach_selectors.PORTFOLIO_SORTS))
def test_every_sort_and_filter_is_right_across_pages(rf, small_pages, sort, show):
    coach, attention = mixed_clients(18)
    businesses = list(Business.objects.filter(pk__in=attention))
    todays = coach_selectors.local_todays(ZONE_TODAYS, NOW)
    reviews = portfolio_summary(businesses=businesses, today=todays)
    outsource = outsource_summary_for_businesses(businesses)
    _first, rows = every_row(rf, coach, sort=sort, show=show)
    wanted = [b for b in businesses if attention[b.pk] or not show]
    assert sorted(r.business.pk for r in rows) == sorted(b.pk for b in wanted)
    for row in rows:  # every page's figures, whichever path read them
        pk = row.business.pk
        figures = reviews[pk]
        assert (
            row.active_engagements,
            row.reviews_due_soon,
            row.reviews_overdue,
            row.open_flags,
            row.next_notice_deadline,
            row.needs_attention,
        ) == (
            figures.active_engagements,
            figures.due_next_30,
            figures.overdue,
            figures.open_flags,
            figures.next_notice_deadline,
            attention[pk],
        )
        assert (row.outsource_hours, row.outsource_value, row.outsource_tasks) == (
            outsource[pk].hours,
            outsource[pk].value,
            outsource[pk].tasks,
        )
        assert row.business.name == Business.objects.get(pk=pk).name
    key = {
        "name": lambda r: r.business.name.lower(),
        "value": lambda r: -r.outsource_value,
        "overdue": lambda r: -r.reviews_overdue,
        "flags": lambda r: -r.open_flags,
        "due": lambda r: -r.reviews_due_soon,
        "notice": lambda r: (r.next_notice_deadline is None, r.next_notice_deadline or TODAY),
    }[sort]
    assert rows == sorted(rows, key=lambda r: (key(r), r.business.name.lower()))
    assert len({key(r) for r in rows}) > 1  # the order is tested


def test_an_empty_portfolio_reads_no_figures(rf, django_assert_num_queries):
    coach = UserFactory()
    memberships = memberships_of(rf, coach)
    for sort in ["", "overdue", "value"]:
        with django_assert_num_queries(0):
            result = coach_selectors.portfolio(user=coach, memberships=memberships, sort=sort)
        assert (result.total_clients, result.attention_count, result.page.object_list) == (
            0,
            0,
            [],
        )


def test_the_rows_dates_read_as_date_format_has_them():
    from django.utils.dateformat import format as date_format

    from outsourcing.coach_views import _day_formatter

    day_format = _day_formatter()
    days = [dt.date(2026, month, day) for month in range(1, 13) for day in (1, 9, 28)]
    days += [dt.date(1999, 12, 31), dt.date(2026, 2, 1)]  # a month seen again
    assert [day_format(d) for d in days] == [date_format(d, "j M Y") for d in days]


def test_page_figures_and_attention_in_one_statement_agree_with_each_alone():
    coach, attention = mixed_clients(18)
    todays = coach_selectors.local_todays(ZONE_TODAYS, NOW)
    businesses = list(Business.objects.filter(pk__in=attention).order_by("name")[:7])
    with CaptureQueriesContext(connection) as ctx:
        figures, count = portfolio_summary_and_attention(
            businesses=businesses, coach=coach, today=todays, days=30
        )
    assert len(ctx.captured_queries) == 1
    assert count == portfolio_attention_count(coach=coach, today=todays, days=30)
    assert count == sum(attention.values())
    alone = portfolio_summary(businesses=businesses, today=todays)
    assert {b.pk: figures[b.pk] for b in businesses} == {b.pk: alone[b.pk] for b in businesses}
    # no business on the page (a search that matches none): the count alone
    figures, count = portfolio_summary_and_attention(
        businesses=[], coach=coach, today=todays, days=30
    )
    assert (dict(figures), count) == ({}, sum(attention.values()))


def test_a_search_that_matches_no_client_still_counts_who_needs_attention(rf):
    coach, attention = mixed_clients(12)
    memberships = memberships_of(rf, coach)
    found = coach_selectors.portfolio(user=coach, memberships=memberships, now=NOW, q="zzz")
    assert list(found.page.object_list) == []
    assert found.attention_count == sum(attention.values()) > 0


def test_the_outsource_sums_can_read_their_partial_index_on_postgresql():
    """`ownertask_outsource_idx`'s condition must stay implied by `_OUTSOURCE_SUMS`' WHERE:
    when either changes alone, PostgreSQL can no longer use the index (and scans every task
    of every client again)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads the covering ownertask_summary_idx; the plan is PostgreSQL's")
    businesses = [BusinessFactory() for _ in range(3)]
    for business in businesses:
        OwnerTaskFactory(business=business, override_call="outsource", override_reason="Yes")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: ask if it *can*
        with CaptureQueriesContext(connection) as ctx:
            summaries = outsource_summary_for_businesses(businesses)
        (sql,) = [q["sql"] for q in ctx.captured_queries]
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ownertask_outsource_idx" in plan
    assert [summaries[b.pk].tasks for b in businesses] == [1, 1, 1]
