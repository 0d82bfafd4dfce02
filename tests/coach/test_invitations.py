"""Invitations: creation, e-mail, single use, expiry, revocation, wrong account, sign-up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from outsourcing import coach_services
from outsourcing.coach_services import CoachError, token_hash
from outsourcing.models import Invitation, Membership
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _token(sent: coach_services.SentInvitation) -> str:
    return sent.url.rstrip("/").rsplit("/", 1)[-1]


def test_owner_invites_a_coach_by_email_storing_only_a_hash(owner):
    sent = coach_services.invitation_create(
        business=owner.business,
        actor=owner.user,
        email="Coach@Example.com",
        role=Membership.Role.COACH,
        access=Membership.Access.VIEW,
    )
    token = _token(sent)
    invitation = Invitation.objects.get()
    assert invitation.email == "coach@example.com"
    assert invitation.access == Membership.Access.VIEW
    assert invitation.token_hash == token_hash(token) != token
    assert token not in str(Invitation.objects.values_list()[0])
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    assert sent.emailed
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["coach@example.com"]
    assert sent.url in mail.outbox[0].body
    assert owner.business.name in mail.outbox[0].subject


def test_only_the_owner_invites_coaches(owner, coach):
    with pytest.raises(CoachError) as exc:
        coach_services.invitation_create(
            business=owner.business, actor=coach.user, email="x@example.com", role="coach"
        )
    assert exc.value.code == "forbidden"
    assert not Invitation.objects.exists()


def test_inviting_a_member_or_yourself_is_refused(owner, coach):
    for email, code in [(coach.user.email, "member"), (owner.user.email, "self")]:
        with pytest.raises(CoachError) as exc:
            coach_services.invitation_create(
                business=owner.business, actor=owner.user, email=email, role="coach"
            )
        assert exc.value.code == code


def test_a_new_invitation_replaces_the_pending_one(owner):
    first = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="c@example.com", role="coach"
    )
    coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="c@example.com", role="coach"
    )
    first.invitation.refresh_from_db()
    assert first.invitation.revoked_at is not None
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1


def test_accepting_makes_a_coach_member_once(owner):
    sent = coach_services.invitation_create(
        business=owner.business,
        actor=owner.user,
        email="c@example.com",
        role="coach",
        access="view",
    )
    user = UserFactory(username="c@example.com")
    membership = coach_services.invitation_accept(token=_token(sent), user=user)
    assert (membership.role, membership.access) == ("coach", "view")
    assert membership.business == owner.business
    with pytest.raises(CoachError) as exc:
        coach_services.invitation_accept(token=_token(sent), user=user)
    assert exc.value.code == "used"
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda i: setattr(i, "expires_at", timezone.now() - timedelta(seconds=1)), "expired"),
        (lambda i: setattr(i, "revoked_at", timezone.now()), "revoked"),
        (lambda i: setattr(i, "accepted_at", timezone.now()), "used"),
    ],
)
def test_expired_revoked_or_used_invitations_are_refused(owner, mutate, code):
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="c@example.com", role="coach"
    )
    mutate(sent.invitation)
    sent.invitation.save()
    user = UserFactory(username="c@example.com")
    with pytest.raises(CoachError) as exc:
        coach_services.invitation_accept(token=_token(sent), user=user)
    assert exc.value.code == code
    assert not Membership.objects.filter(user=user).exists()


def test_only_the_invited_address_can_accept(owner):
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="c@example.com", role="coach"
    )
    other = UserFactory(username="someone-else@example.com")
    with pytest.raises(CoachError) as exc:
        coach_services.invitation_accept(token=_token(sent), user=other)
    assert exc.value.code == "wrong_account"
    sent.invitation.refresh_from_db()
    assert sent.invitation.accepted_at is None


def test_coach_creates_a_client_and_the_invited_owner_becomes_owner(client):
    coach = UserFactory(username="coach@example.com")
    client.force_login(coach)
    response = client.post(
        reverse("coach:client-create"),
        {
            "name": "Bo's Bakery",
            "currency": "EUR",
            "timezone": "Europe/Berlin",
            "hourly_value": "60",
            "owner_email": "bo@example.com",
        },
    )
    membership = Membership.objects.get(user=coach)
    assert (membership.role, membership.access) == ("coach", "edit")
    assert response["Location"] == reverse("coach:people", args=[membership.business_id])
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[0].body)
    assert link is not None
    owner = UserFactory(username="bo@example.com")
    client.force_login(owner)
    response = client.post(reverse("coach:invitation-accept", args=[link.group(1)]))
    assert response.status_code == 302
    owned = Membership.objects.get(user=owner)
    assert owned.role == Membership.Role.OWNER
    assert owned.business_id == membership.business_id
    # the owner, not the coach, now manages people: the coach cannot invite another owner
    with pytest.raises(CoachError):
        coach_services.invitation_create(
            business=owned.business, actor=coach, email="x@example.com", role="owner"
        )


def test_client_create_rejects_bad_input_without_saving(client):
    coach = UserFactory()
    client.force_login(coach)
    response = client.post(
        reverse("coach:client-create"),
        {
            "name": "",
            "currency": "USD",
            "timezone": "UTC",
            "hourly_value": "-3",
            "owner_email": "not-an-email",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "valid email" in body
    assert not Membership.objects.exists()


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00"])
def test_bogus_links_get_a_clear_page_not_a_500(client, token):
    response = client.get(reverse("coach:invitation-accept", args=[token]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


@pytest.mark.parametrize(
    "field, status, words",
    [
        ("expires_at", 410, "expired"),
        ("revoked_at", 410, "withdrawn"),
        ("accepted_at", 410, "used"),
    ],
)
def test_dead_links_get_a_clear_page(client, owner, field, status, words):
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="c@example.com", role="coach"
    )
    value = timezone.now() - timedelta(minutes=1)
    Invitation.objects.filter(pk=sent.invitation.pk).update(**{field: value})
    for method in ("get", "post"):
        response = getattr(client, method)(reverse("coach:invitation-accept", args=[_token(sent)]))
        assert response.status_code == status
        assert words in response.content.decode()


def test_wrong_account_page_offers_to_log_out(client, owner):
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="c@example.com", role="coach"
    )
    client.force_login(UserFactory(username="other@example.com"))
    response = client.post(reverse("coach:invitation-accept", args=[_token(sent)]))
    assert response.status_code == 403
    assert "is for c@example.com" in response.content.decode()
    assert not Membership.objects.filter(business=owner.business, role="coach").exists()


def test_signup_through_the_link_comes_back_and_accepts(client, owner):
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="new@example.com", role="coach"
    )
    url = reverse("coach:invitation-accept", args=[_token(sent)])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)"', body)
    assert signup is not None
    signup_url = signup.group(1).replace("&amp;", "&")
    form = client.get(signup_url)
    assert 'value="new@example.com"' in form.content.decode()
    response = client.post(
        signup_url,
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == url
    response = client.post(url)
    assert response["Location"] == reverse("coach:portfolio")
    assert Membership.objects.get(user__email="new@example.com").business == owner.business


def test_signup_ignores_an_offsite_next(client):
    response = client.post(
        reverse("outsourcing:signup") + "?next=https://evil.example.com/",
        {"email": "n@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == reverse("outsourcing:business-create")


def test_signup_as_coach_leads_to_the_empty_portfolio(client):
    response = client.post(
        reverse("outsourcing:signup") + "?as=coach",
        {"email": "k@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == reverse("coach:portfolio")
    page = client.get(reverse("coach:portfolio"))
    body = page.content.decode()
    assert "No clients yet" in body
    assert "Add a client" in body
    assert ">Portfolio</a>" in body  # the header link, before any client
    assert client.get(reverse("outsourcing:home"))["Location"] == reverse("coach:portfolio")


def test_log_out_and_continue_returns_to_the_invitation(client, owner):
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="c@example.com", role="coach"
    )
    url = reverse("coach:invitation-accept", args=[_token(sent)])
    client.force_login(owner.user)
    assert client.get(url).status_code == 403
    response = client.post(reverse("logout"), {"next": url})
    assert response["Location"] == url
    assert client.get(url).status_code == 200  # now anonymous: sign up or log in


def test_a_failing_mail_server_keeps_the_invitation_and_shows_the_link(client, owner, monkeypatch):
    from smtplib import SMTPException

    def refuse(*args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr(coach_services, "send_mail", refuse)
    client.force_login(owner.user)
    response = client.post(
        reverse("coach:invite", args=[owner.business.pk]),
        {"role": "coach", "email": "c@example.com", "access": "edit"},
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "could not be e-mailed" in body
    assert 'data-testid="invitation-link"' in body
    assert Invitation.objects.filter(email="c@example.com", revoked_at__isnull=True).exists()
