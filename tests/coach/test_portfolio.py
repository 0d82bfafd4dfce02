"""The coach portfolio: one row per client with its figures; constant queries; sort, filter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from outsourcing.models import Membership, OwnerTask
from reviews.models import ReplacementFlag, Review
from tests.factories import BusinessFactory, MembershipFactory, OwnerTaskFactory, UserFactory
from tests.reviews.factories import engagement_for

pytestmark = pytest.mark.django_db

URL = reverse("coach:portfolio")


def client_business(coach_user, name, *, busy=False, access="edit"):
    business = BusinessFactory(name=name, hourly_value=Decimal("100"))
    MembershipFactory(business=business, role=Membership.Role.OWNER)
    MembershipFactory(business=business, user=coach_user, role="coach", access=access)
    # Payroll: high compliance risk, skill 2 → called Outsource; Sales: primary focus → Keep
    OwnerTaskFactory(
        business=business,
        name="Payroll",
        hours_per_month=Decimal("6"),
        owner_skill=2,
        compliance_risk=OwnerTask.ComplianceRisk.HIGH,
    )
    OwnerTaskFactory(business=business, name="Sales", primary_focus=True)
    if busy:
        today = timezone.localdate()
        engagement = engagement_for(business, renewal=today + dt.timedelta(days=40))
        later = engagement_for(business, renewal=today + dt.timedelta(days=90))
        Review.objects.create(engagement=engagement, due_date=today - dt.timedelta(days=3))
        Review.objects.create(engagement=later, due_date=today + dt.timedelta(days=10))
        ReplacementFlag.objects.create(
            engagement=engagement, reason=ReplacementFlag.Reason.OWNER_DECISION
        )
    return business


def rows(response):
    return response.context["page"].object_list


def test_portfolio_shows_each_client_with_its_figures(client):
    coach = UserFactory()
    busy = client_business(coach, "Busy Bakery", busy=True)
    client_business(coach, "Calm Cafe", access="view")
    BusinessFactory(name="Not Mine Ltd")  # no membership: never listed
    client.force_login(coach)
    response = client.get(URL)
    assert response.status_code == 200
    listed = rows(response)
    assert [r.business.name for r in listed] == ["Busy Bakery", "Calm Cafe"]
    row = listed[0]
    assert (row.outsource_hours, row.outsource_value) == (Decimal("6"), Decimal("600.00"))
    assert row.active_engagements == 2
    assert (row.reviews_due_soon, row.reviews_overdue, row.open_flags) == (1, 1, 1)
    assert row.next_notice_deadline == timezone.localdate() + dt.timedelta(days=10)
    assert row.needs_attention
    assert not listed[1].needs_attention
    body = response.content.decode()
    assert "Not Mine Ltd" not in body
    assert busy.get_absolute_url() in body  # each row leads into the client
    assert "600.00 USD" in body
    assert "view only" in body


def test_portfolio_filters_and_sorts(client):
    coach = UserFactory()
    client_business(coach, "Alpha", busy=False)
    client_business(coach, "Zulu", busy=True)
    client.force_login(coach)
    assert [r.business.name for r in rows(client.get(URL + "?show=attention"))] == ["Zulu"]
    assert [r.business.name for r in rows(client.get(URL + "?sort=flags"))] == ["Zulu", "Alpha"]
    assert [r.business.name for r in rows(client.get(URL + "?q=alp"))] == ["Alpha"]
    assert [r.business.name for r in rows(client.get(URL + "?sort=bogus"))] == ["Alpha", "Zulu"]
    body = client.get(URL + "?q=nothing-matches").content.decode()
    assert "No client matches" in body


def test_portfolio_queries_do_not_grow_with_clients(client, count_queries):
    coach = UserFactory()
    client_business(coach, "First", busy=True)
    client.force_login(coach)
    one = count_queries(lambda: client.get(URL))
    for n in range(29):
        client_business(coach, f"Client {n}", busy=n % 3 == 0)
    thirty = count_queries(lambda: client.get(URL))
    page = client.get(URL).context["page"]
    assert page.paginator.count == 30
    assert len(page.object_list) == 25  # a page of 25 rows; the other 5 on page 2
    assert len(rows(client.get(URL + "?page=2"))) == 5
    assert thirty == one


def test_owner_only_user_gets_an_empty_portfolio_and_no_header_link(client, owner):
    client.force_login(owner.user)
    body = client.get(URL).content.decode()
    assert "No clients yet" in body
    dashboard = client.get(reverse("outsourcing:dashboard", args=[owner.business.pk]))
    assert ">Portfolio</a>" not in dashboard.content.decode()


def test_inside_a_client_the_name_shows_and_the_switcher_lists_all_clients(client):
    coach = UserFactory()
    first = client_business(coach, "First Client")
    client_business(coach, "Second Client")
    client.force_login(coach)
    body = client.get(reverse("coach:people", args=[first.pk])).content.decode()
    assert 'data-testid="current-business">First Client<' in body
    assert "Second Client" in body  # one click away in the switcher
    assert ">Portfolio</a>" in body


def test_switching_client_keeps_the_section(client):
    coach = UserFactory()
    first = client_business(coach, "First Client")
    second = client_business(coach, "Second Client")
    client.force_login(coach)
    body = client.get(reverse("coach:activity", args=[first.pk])).content.decode()
    assert f'href="{reverse("coach:activity", args=[second.pk])}">Second Client' in body
    body = client.get(reverse("coach:people", args=[first.pk])).content.decode()
    assert f'href="{reverse("coach:people", args=[second.pk])}">Second Client' in body
    # no such section elsewhere (or outside a business): the dashboard
    body = client.get(reverse("coach:portfolio")).content.decode()
    assert f'href="{second.get_absolute_url()}">Second Client' in body
