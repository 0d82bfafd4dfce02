"""`membership_for` finds the business in the URL in the same read that lists the user's
memberships for the header: one query for both, and the objects it builds are what the ORM
would have built (every field, its database converters applied)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outsourcing.models import Business, Membership
from outsourcing.tenancy import business_for, membership_for, user_memberships
from tests.conftest import make_member
from tests.factories import BusinessFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _request(rf, user):
    request = rf.get("/")
    request.user = user
    return request


def test_the_membership_and_its_business_match_the_orm(rf, owner):
    business = owner.business
    business.hourly_value = Decimal("87.35")
    business.timezone = "Asia/Kathmandu"
    business.currency = "EUR"
    business.save()
    expected = Membership.objects.select_related("business").get(pk=owner.membership.pk)
    got = membership_for(_request(rf, owner.user), business.pk)
    fields = [f.attname for f in Membership._meta.concrete_fields]
    assert {f: getattr(got, f) for f in fields} == {f: getattr(expected, f) for f in fields}
    business_fields = [f.attname for f in Business._meta.concrete_fields]
    assert {f: getattr(got.business, f) for f in business_fields} == {
        f: getattr(expected.business, f) for f in business_fields
    }
    assert isinstance(got.business.hourly_value, Decimal)
    assert isinstance(got.business.pk, uuid.UUID)
    assert got.business.created_at.tzinfo is not None
    assert got.business_id == business.pk
    assert not got._state.adding  # loaded, as the ORM's: save() updates, never inserts
    assert got._state.db == "default"


def test_one_query_serves_the_business_and_the_header(rf, owner):
    for _ in range(5):
        MembershipFactory(business=BusinessFactory(), user=owner.user, role="coach")
    request = _request(rf, owner.user)
    with CaptureQueriesContext(connection) as ctx:
        business = business_for(request, owner.business.pk)
        entries = user_memberships(request)
        again = business_for(request, str(owner.business.pk))
    assert len(ctx.captured_queries) == 1
    assert business == owner.business and again is business
    assert len(entries) == 6


def test_a_business_of_someone_else_is_not_found(rf, owner, outsider):
    request = _request(rf, owner.user)
    with pytest.raises(Http404):
        membership_for(request, outsider.business.pk)
    with pytest.raises(Http404):
        membership_for(request, uuid.uuid4())
    with pytest.raises(Http404):
        membership_for(request, "not-a-uuid")
    # The request's own business still resolves after the refusals.
    assert membership_for(request, owner.business.pk).business == owner.business


def test_signed_out_is_not_found_and_reads_nothing(rf, owner):
    request = _request(rf, AnonymousUser())
    with CaptureQueriesContext(connection) as ctx, pytest.raises(Http404):
        membership_for(request, owner.business.pk)
    assert ctx.captured_queries == []


def test_a_coach_finds_each_client_among_many(rf):
    coach = make_member(role=Membership.Role.COACH)
    others = [
        make_member(user=coach.user, role=Membership.Role.COACH, access="view") for _ in range(30)
    ]
    request = _request(rf, coach.user)
    picked = others[17]
    membership = membership_for(request, picked.business.pk)
    assert membership.business == picked.business
    assert membership.access == "view" and not membership.can_edit


def test_a_saved_business_from_the_shared_read_updates_its_row(client, owner):
    """A view that changes the business it resolved (settings) writes to the same row."""
    client.force_login(owner.user)
    url = reverse("outsourcing:business-settings", kwargs={"business_id": owner.business.pk})
    page = client.get(url)
    assert page.status_code == 200
    before = Business.objects.count()
    response = client.post(
        url,
        {
            "name": "Renamed Bakery",
            "currency": owner.business.currency,
            "timezone": "Europe/Paris",
            "hourly_value": "95.00",
        },
    )
    assert response.status_code == 302
    owner.business.refresh_from_db()
    assert owner.business.name == "Renamed Bakery"
    assert owner.business.hourly_value == Decimal("95.00")
    assert Business.objects.count() == before


def test_the_header_asking_first_or_a_second_business_still_resolves(rf, owner):
    """The shared read carries one business in full: any other order falls back to a read of
    its own, with the same answer (and the same 404 for a business of someone else)."""
    second = make_member(user=owner.user, role=Membership.Role.COACH, access="view")
    request = _request(rf, owner.user)
    entries = user_memberships(request)  # the header first: no business named
    assert len(entries) == 2
    membership = membership_for(request, owner.business.pk)
    assert membership.business == owner.business and membership.role == "owner"
    other = membership_for(request, second.business.pk)  # a second business, same request
    assert other.business == second.business and other.access == "view"
    stranger = make_member(role=Membership.Role.OWNER)
    with pytest.raises(Http404):
        membership_for(_request(rf, owner.user), stranger.business.pk)
    fresh = _request(rf, owner.user)
    membership_for(fresh, owner.business.pk)
    with pytest.raises(Http404):
        membership_for(fresh, stranger.business.pk)
