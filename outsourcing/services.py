"""Writes for the core app. Each names its actor and runs in one transaction."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from .models import Business, Membership


@transaction.atomic
def business_create(
    *, owner: User, name: str, currency: str, timezone: str, hourly_value: Decimal
) -> Business:
    """Create a business with `owner` as its owner member."""
    business = Business.objects.create(
        name=name, currency=currency, timezone=timezone, hourly_value=hourly_value
    )
    Membership.objects.create(user=owner, business=business, role=Membership.Role.OWNER)
    return business
