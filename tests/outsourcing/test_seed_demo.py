"""`manage.py seed_demo`: the documented logins work, and a second run changes nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from outsourcing import selectors
from outsourcing.models import Business, Membership, OwnerTask

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_creates_the_logins_and_businesses(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "demo-pass-2026" in out.getvalue()
    for email in ("owner@demo.example", "coach@demo.example", "admin@demo.example"):
        assert authenticate(username=email, password="demo-pass-2026") is not None, email
    admin = authenticate(username="admin@demo.example", password="demo-pass-2026")
    assert admin.is_staff and admin.is_superuser

    owned = Membership.objects.get(user__username="owner@demo.example")
    bakery = owned.business
    assert owned.role == Membership.Role.OWNER
    assert OwnerTask.objects.filter(business=bakery).count() >= 10
    summary = selectors.dashboard_get(business=bakery).summary
    assert summary.tasks >= 3 and summary.net > 0  # the demo has something to show

    coached = Membership.objects.filter(user__username="coach@demo.example")
    assert coached.count() == 3
    assert {m.role for m in coached} == {Membership.Role.COACH}
    for membership in coached:
        client_owner = Membership.objects.get(
            business=membership.business, role=Membership.Role.OWNER
        )
        assert client_owner.user.username != "owner@demo.example"
        assert OwnerTask.objects.filter(business=membership.business).exists()

    client.login(username="owner@demo.example", password="demo-pass-2026")
    assert client.get(bakery.get_absolute_url()).status_code == 200


def test_seed_demo_twice_gives_the_same_row_counts():
    call_command("seed_demo", stdout=io.StringIO())
    first = row_counts()
    call_command("seed_demo", stdout=io.StringIO())
    second = row_counts()
    changed = {
        label: (first[label], second[label]) for label in first if first[label] != second[label]
    }
    assert not changed, f"seed_demo is not idempotent for: {changed}"
    assert first["outsourcing.Business"] == Business.objects.count() == 4
