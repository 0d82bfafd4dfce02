"""Settings → People: the owner invites, changes and revokes coaches; effects are immediate."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.core import mail
from django.urls import reverse

from outsourcing.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def people_url(member, name="coach:people", **kwargs):
    return reverse(name, kwargs={"business_id": member.business.pk, **kwargs})


def test_owner_sees_coaches_and_invites_one(client, owner, coach):
    client.force_login(owner.user)
    page = client.get(people_url(owner))
    body = page.content.decode()
    assert coach.user.email in body
    assert "Invite a coach" in body
    response = client.post(
        people_url(owner, "coach:invite"),
        {"role": "coach", "email": "new@example.com", "access": "view"},
    )
    assert response.status_code == 302
    assert Invitation.objects.get().access == "view"
    assert len(mail.outbox) == 1
    page = client.get(people_url(owner)).content.decode()
    assert "new@example.com" in page  # pending
    assert 'data-testid="invitation-link"' in page  # shown once, to the sender
    assert 'data-testid="invitation-link"' not in client.get(people_url(owner)).content.decode()


def test_bad_invitation_input_gets_a_message(client, owner, coach):
    client.force_login(owner.user)
    for data, words in [
        ({"role": "coach", "email": "nope", "access": "edit"}, "valid email"),
        ({"role": "coach", "email": "x@example.com", "access": "admin"}, "valid choice"),
        ({"role": "coach", "email": coach.user.email, "access": "edit"}, "already a member"),
    ]:
        response = client.post(people_url(owner, "coach:invite"), data)
        assert response.status_code == 400
        assert words in response.content.decode()
    assert not Invitation.objects.exists()


def test_owner_changes_access_and_it_applies_on_the_next_request(client, owner, coach):
    client.force_login(coach.user)
    invite = people_url(owner, "coach:invite")
    client.force_login(owner.user)
    client.post(
        people_url(owner, "coach:membership-access", pk=coach.membership.pk), {"access": "view"}
    )
    coach.membership.refresh_from_db()
    assert coach.membership.access == "view"
    client.force_login(coach.user)
    # view-only: the owner-invitation form is not offered and a write is refused
    assert client.post(invite, {"role": "owner", "email": "z@example.com"}).status_code == 403
    assert client.get(people_url(owner)).status_code == 200


def test_owner_revokes_a_coach_and_the_next_click_is_404(client, owner, coach):
    dashboard = reverse("outsourcing:dashboard", args=[owner.business.pk])
    client.force_login(coach.user)
    assert client.get(dashboard).status_code == 200
    owner_client = client.__class__()
    owner_client.force_login(owner.user)
    response = owner_client.post(
        people_url(owner, "coach:membership-revoke", pk=coach.membership.pk)
    )
    assert response.status_code == 302
    assert client.get(dashboard).status_code == 404
    assert client.get(people_url(owner)).status_code == 404
    portfolio = client.get(reverse("coach:portfolio")).content.decode()
    assert owner.business.name not in portfolio


def test_nobody_removes_the_owner(client, owner, coach):
    client.force_login(owner.user)
    response = client.post(
        people_url(owner, "coach:membership-revoke", pk=owner.membership.pk), follow=True
    )
    assert "owner cannot be removed" in response.content.decode()
    client.force_login(coach.user)
    for name in ("coach:membership-revoke", "coach:membership-access"):
        response = client.post(people_url(owner, name, pk=owner.membership.pk), {"access": "view"})
        assert response.status_code == 403
    assert Membership.objects.filter(pk=owner.membership.pk, role="owner").exists()


def test_an_edit_coach_cannot_invite_coaches_or_manage_access(client, owner, coach, viewer):
    client.force_login(coach.user)
    page = client.get(people_url(owner)).content.decode()
    assert "Invite a coach" not in page and "Revoke access" not in page
    response = client.post(
        people_url(owner, "coach:invite"), {"role": "coach", "email": "q@example.com"}
    )
    assert response.status_code == 403
    response = client.post(people_url(owner, "coach:membership-revoke", pk=viewer.membership.pk))
    assert response.status_code == 403
    assert Membership.objects.filter(pk=viewer.membership.pk).exists()
    assert not Invitation.objects.exists()


def test_owner_withdraws_a_pending_invitation(client, owner):
    client.force_login(owner.user)
    client.post(
        people_url(owner, "coach:invite"),
        {"role": "coach", "email": "w@example.com", "access": "edit"},
    )
    invitation = Invitation.objects.get()
    client.post(people_url(owner, "coach:invitation-revoke", pk=invitation.pk))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert 'data-testid="pending-invitations"' not in client.get(people_url(owner)).content.decode()


def test_people_page_queries_do_not_grow(client, owner, count_queries):
    from tests.factories import MembershipFactory

    client.force_login(owner.user)
    url = people_url(owner)
    MembershipFactory(business=owner.business, role="coach")
    few = count_queries(lambda: client.get(url))
    MembershipFactory.create_batch(15, business=owner.business, role="coach")
    assert count_queries(lambda: client.get(url)) == few


def _coach_made_business(client):
    from tests.factories import UserFactory

    coach = UserFactory()
    client.force_login(coach)
    client.post(
        reverse("coach:client-create"),
        {"name": "New Client", "currency": "USD", "timezone": "UTC", "hourly_value": "50"},
    )
    return coach, Membership.objects.get(user=coach).business


def test_coach_invites_the_owner_of_a_business_without_one(client):
    _coach, business = _coach_made_business(client)
    assert not Invitation.objects.exists()  # no e-mail given at set-up: invite later
    url = reverse("coach:people", args=[business.pk])
    page = client.get(url).content.decode()
    assert "Invite the owner" in page and "Invite a coach" not in page
    response = client.post(
        reverse("coach:invite", args=[business.pk]), {"role": "owner", "email": "o@example.com"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.email) == ("owner", "o@example.com")
    assert len(mail.outbox) == 1
    # the coach may withdraw the owner invitation they sent
    client.post(reverse("coach:invitation-revoke", args=[business.pk, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_view_only_coach_cannot_invite_the_owner(client):
    coach, business = _coach_made_business(client)
    Membership.objects.filter(user=coach).update(access="view")
    assert (
        "Invite the owner"
        not in client.get(reverse("coach:people", args=[business.pk])).content.decode()
    )
    response = client.post(
        reverse("coach:invite", args=[business.pk]), {"role": "owner", "email": "o@example.com"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_second_owner_invitation_cannot_be_accepted(client):
    from outsourcing import coach_services
    from tests.factories import UserFactory

    coach, business = _coach_made_business(client)
    first = coach_services.invitation_create(
        business=business, actor=coach, email="a@example.com", role="owner"
    )
    second = coach_services.invitation_create(
        business=business, actor=coach, email="b@example.com", role="owner"
    )
    client.force_login(UserFactory(username="a@example.com"))
    client.post(urlparse(first.url).path)
    client.force_login(UserFactory(username="b@example.com"))
    response = client.post(urlparse(second.url).path)
    assert response.status_code == 409
    assert "already has an owner" in response.content.decode()
    assert business.memberships.filter(role="owner").count() == 1


def test_home_sends_a_coach_to_the_portfolio(client, owner, coach):
    client.force_login(coach.user)
    assert client.get(reverse("outsourcing:home"))["Location"] == reverse("coach:portfolio")
    client.force_login(owner.user)
    assert client.get(reverse("outsourcing:home"))["Location"] == owner.business.get_absolute_url()


def test_a_coach_cannot_delete_the_business(client, owner, coach):
    client.force_login(coach.user)
    url = reverse("outsourcing:business-delete", args=[owner.business.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": owner.business.name}).status_code == 403
    assert type(owner.business).objects.filter(pk=owner.business.pk).exists()


def test_an_existing_account_logs_in_through_the_link_and_comes_back(client, owner):
    from outsourcing import coach_services
    from tests.factories import PASSWORD, UserFactory

    UserFactory(username="known@example.com")
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="known@example.com", role="coach"
    )
    path = urlparse(sent.url).path
    body = client.get(path).content.decode()
    login_url = reverse("login") + "?next=" + path.replace("/", "%2F")
    assert login_url in body
    response = client.post(
        login_url, {"username": "known@example.com", "password": PASSWORD, "next": path}
    )
    assert response["Location"] == path
    assert client.post(path)["Location"] == reverse("coach:portfolio")
