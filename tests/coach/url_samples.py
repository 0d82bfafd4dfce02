"""URL samples for coaches and people (protocol: tests/test_url_tenancy.py's docstring)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from outsourcing.models import Business, Invitation, Membership
from tests.factories import MembershipFactory, UserFactory

PUBLIC: dict[str, dict[str, Any]] = {
    "coach:invitation-accept": {"token": "not-a-real-token"},
}

GLOBAL: set[str] = {
    "coach:portfolio",
    "coach:client-create",
}


def samples(business: Business) -> dict[str, dict[str, Any]]:
    coach = MembershipFactory(
        business=business, role=Membership.Role.COACH, access=Membership.Access.EDIT
    )
    invitation = Invitation.objects.create(
        business=business,
        email="invited-coach@example.com",
        role=Membership.Role.COACH,
        token_hash=secrets.token_hex(32),
        invited_by=UserFactory(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {
        "coach:people": {},
        "coach:invite": {},
        "coach:membership-access": {"pk": coach.pk},
        "coach:membership-revoke": {"pk": coach.pk},
        "coach:invitation-revoke": {"pk": invitation.pk},
        "coach:activity": {},
    }


READ_ONLY: set[str] = {"coach:people", "coach:activity"}
