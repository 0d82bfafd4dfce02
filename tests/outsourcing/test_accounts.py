from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from outsourcing.models import Business, Membership

pytestmark = pytest.mark.django_db


def test_signup_logs_in_and_leads_to_business_setup(client):
    response = client.post(
        reverse("outsourcing:signup"),
        {
            "email": "Ann@Example.com",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("outsourcing:business-create")
    user = User.objects.get()
    assert user.username == user.email == "ann@example.com"


def test_signup_rejects_a_taken_email_and_mismatched_passwords(client, owner):
    response = client.post(
        reverse("outsourcing:signup"),
        {
            "email": owner.user.email.upper(),
            "password1": "a-long-pass-phrase-9",
            "password2": "other-pass-phrase-1",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_business_create_makes_the_user_its_owner(client, django_user_model):
    user = django_user_model.objects.create_user(
        "bo@example.com", "bo@example.com", "x-pass-phrase-22"
    )
    client.force_login(user)
    response = client.post(
        reverse("outsourcing:business-create"),
        {
            "name": "Bo's Bakery",
            "currency": "EUR",
            "timezone": "Europe/Berlin",
            "hourly_value": "85.50",
        },
    )
    business = Business.objects.get()
    assert response["Location"] == reverse("outsourcing:task-starter", args=[business.pk])
    assert Membership.objects.get(user=user, business=business).role == Membership.Role.OWNER
    assert str(business.hourly_value) == "85.50"


@pytest.mark.parametrize(
    "hourly_value, message",
    [
        ("-5", "greater than or equal"),
        ("NaN", "Enter a number"),
        ("1e12", "Ensure"),
        ("abc", "Enter a number"),
    ],
)
def test_business_create_rejects_bad_hourly_values(
    client, django_user_model, hourly_value, message
):
    user = django_user_model.objects.create_user(
        "c@example.com", "c@example.com", "x-pass-phrase-22"
    )
    client.force_login(user)
    response = client.post(
        reverse("outsourcing:business-create"),
        {"name": "C", "currency": "USD", "timezone": "UTC", "hourly_value": hourly_value},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Business.objects.exists()


def test_someone_elses_dashboard_is_404(client, owner, outsider):
    client.force_login(outsider.user)
    assert client.get(owner.business.get_absolute_url()).status_code == 404


def test_logout_is_post_only(owner_client):
    assert owner_client.get(reverse("logout")).status_code == 405
    assert owner_client.post(reverse("logout")).status_code == 302


def test_login_accepts_the_email_in_any_letter_case(client, django_user_model):
    django_user_model.objects.create_user(
        "ann@example.com", "ann@example.com", "a-long-pass-phrase-9"
    )
    response = client.post(
        reverse("login"), {"username": "  Ann@Example.COM ", "password": "a-long-pass-phrase-9"}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_login_with_a_wrong_password_says_so(client, django_user_model):
    django_user_model.objects.create_user(
        "ann@example.com", "ann@example.com", "a-long-pass-phrase-9"
    )
    response = client.post(reverse("login"), {"username": "ann@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    assert not client.session.get("_auth_user_id")


def test_business_settings_change_the_hourly_value(owner_client, owner):
    url = reverse("outsourcing:business-settings", args=[owner.business.pk])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url,
        {"name": "Renamed", "currency": "EUR", "timezone": "Europe/Paris", "hourly_value": "99.90"},
    )
    assert response.status_code == 302
    owner.business.refresh_from_db()
    assert (owner.business.name, owner.business.currency) == ("Renamed", "EUR")
    assert str(owner.business.hourly_value) == "99.90"


def test_business_settings_refuse_bad_input_and_keep_the_old_values(owner_client, owner):
    url = reverse("outsourcing:business-settings", args=[owner.business.pk])
    response = owner_client.post(
        url, {"name": "", "currency": "ZZZ", "timezone": "Mars/Olympus", "hourly_value": "Infinity"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required" in body
    assert "Select a valid choice" in body
    owner.business.refresh_from_db()
    assert owner.business.name.startswith("Business")


def test_view_only_coach_sees_settings_but_cannot_change_them(client, owner):
    from tests.conftest import make_member

    coach = make_member(
        business=owner.business, role=Membership.Role.COACH, access=Membership.Access.VIEW
    )
    client.force_login(coach.user)
    url = reverse("outsourcing:business-settings", args=[owner.business.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "view-only access" in page.content.decode()
    response = client.post(
        url, {"name": "Hijack", "currency": "USD", "timezone": "UTC", "hourly_value": "1"}
    )
    assert response.status_code == 403
    owner.business.refresh_from_db()
    assert owner.business.name != "Hijack"


def test_switcher_lists_twelve_businesses_and_points_to_the_portfolio_for_more(client, owner):
    from tests.conftest import make_member

    coach = make_member(role=Membership.Role.COACH)
    for _ in range(14):
        make_member(user=coach.user, role=Membership.Role.COACH)
    client.force_login(coach.user)
    body = client.get(coach.business.get_absolute_url()).content.decode()
    switcher = body.split('data-testid="business-switcher"', 1)[1].split("</ul>", 1)[0]
    assert switcher.count("(Coach)") == 12
    assert "3 more in the portfolio" in switcher
