"""The header every signed-in page shows: its links (reversed once per process, not per page),
the business switcher, and what it costs in queries."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from outsourcing import context_processors
from outsourcing.models import Membership
from outsourcing.tenancy import MembershipEntry, user_memberships
from reviews.models import Notification
from tests.conftest import make_member
from tests.factories import BusinessFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_every_header_link_of_a_business_page_is_its_reversed_url(client, owner):
    client.force_login(owner.user)
    b = owner.business.pk
    body = client.get(reverse("outsourcing:business-settings", args=[b])).content.decode()
    for name in (
        "outsourcing:dashboard",
        "outsourcing:task-list",
        "providers:job-list",
        "providers:provider-list",
        "providers:engagement-list",
        "reviews:review-list",
        "outsourcing:business-settings",
        "coach:people",
        "coach:activity",
        "outsourcing:business-export",
        "outsourcing:business-delete",
    ):
        assert f'href="{reverse(name, args=[b])}"' in body, name
    for name in (
        "outsourcing:home",
        "reviews:notification-list",
        "password_change",
        "outsourcing:business-create",
    ):
        assert f'href="{reverse(name)}"' in body, name
    assert f'action="{reverse("logout")}"' in body
    # the current section is marked
    assert f'class="nav-link" href="{reverse("outsourcing:task-list", args=[b])}"' in body
    tasks = client.get(reverse("outsourcing:task-list", args=[b])).content.decode()
    assert (
        f'active" aria-current="page" href="{reverse("outsourcing:task-list", args=[b])}"' in tasks
    )


def test_a_page_outside_any_business_has_no_business_links(client, owner):
    client.force_login(owner.user)
    body = client.get(reverse("reviews:notification-list")).content.decode()
    assert reverse("outsourcing:business-delete", args=[owner.business.pk]) not in body
    assert f'href="{reverse("password_change")}"' in body


def test_a_view_only_coach_sees_no_owner_links(client, owner, viewer):
    client.force_login(viewer.user)
    body = client.get(reverse("coach:people", args=[owner.business.pk])).content.decode()
    assert reverse("outsourcing:business-delete", args=[owner.business.pk]) not in body
    assert reverse("outsourcing:business-export", args=[owner.business.pk]) not in body
    assert f'href="{reverse("coach:portfolio")}"' in body  # a coach: the portfolio link


def test_a_missing_url_name_gives_an_empty_link_not_an_error():
    assert context_processors._url_template("no-such:url", False, "/") == ""
    assert context_processors._url_template("no-such:url", True, "/") == ""


def test_business_urls_are_substituted_for_any_business(owner):
    other = make_member(role=Membership.Role.OWNER).business
    people = context_processors.business_url_maker("coach:people")
    assert people(owner.business.pk) == reverse("coach:people", args=[owner.business.pk])
    assert people(other.pk) == reverse("coach:people", args=[other.pk])


def test_the_header_costs_the_same_queries_for_one_business_or_many(client, count_queries):
    coach = make_member(role=Membership.Role.COACH)
    client.force_login(coach.user)
    url = reverse("reviews:notification-list")
    one = count_queries(lambda: client.get(url))
    for _ in range(20):
        make_member(user=coach.user, role=Membership.Role.COACH)
    assert count_queries(lambda: client.get(url)) == one


def test_user_memberships_lists_only_the_users_own_by_business_name(rf, owner, outsider):
    later = BusinessFactory(name="Zeta Works", timezone="Europe/Paris", currency="EUR")
    MembershipFactory(business=later, user=owner.user, role=Membership.Role.COACH, access="view")
    earlier = BusinessFactory(name="Aardvark & Co", timezone="Asia/Tokyo")
    MembershipFactory(business=earlier, user=owner.user, role=Membership.Role.COACH)
    request = rf.get("/")
    request.user = owner.user
    entries = user_memberships(request)
    names = sorted([owner.business.name, later.name, earlier.name])
    assert [e.business_name for e in entries] == names
    assert outsider.business.pk not in {e.business_id for e in entries}
    mine = {e.business_id: e for e in entries}
    assert mine[later.pk] == MembershipEntry(
        later.pk, "Zeta Works", "Europe/Paris", "EUR", "coach", "view"
    )
    assert mine[owner.business.pk].role == "owner"
    assert user_memberships(request) is entries  # one read per request
    anonymous = rf.get("/")
    anonymous.user = AnonymousUser()
    assert user_memberships(anonymous) == []


def test_the_bell_counts_only_the_users_unread_notifications(client, owner, outsider):
    for read_at in (None, None, timezone.now()):
        Notification.objects.create(
            user=owner.user, business=owner.business, text="x", read_at=read_at
        )
    Notification.objects.create(user=outsider.user, business=outsider.business, text="y")
    client.force_login(owner.user)
    body = client.get(reverse("outsourcing:dashboard", args=[owner.business.pk])).content.decode()
    assert 'data-testid="unread-count">2<' in body
    client.force_login(outsider.user)
    body = client.get(reverse("reviews:notification-list")).content.decode()
    assert 'data-testid="unread-count">1<' in body


def test_a_membership_entry_makes_its_id_a_uuid_from_either_databases_text():
    pk = uuid.uuid4()
    entries = [
        MembershipEntry(raw, "Acme", "UTC", "USD", "coach", "edit")
        for raw in (str(pk), pk.hex, pk)  # PostgreSQL's text, SQLite's, a UUID
    ]
    for entry in entries:
        assert entry.business_id == pk and isinstance(entry.business_id, uuid.UUID)
    assert entries[0] == entries[1] == entries[2]
    assert len(set(entries)) == 1
    assert entries[0] != MembershipEntry(pk, "Acme", "UTC", "USD", "coach", "view")
    assert repr(entries[0]) == f"MembershipEntry({pk!r}, 'Acme', 'UTC', 'USD', 'coach', 'edit')"
