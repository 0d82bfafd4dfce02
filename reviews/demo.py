"""Demo data for this app, called by `manage.py seed_demo` (idempotent)."""

from __future__ import annotations

from outsourcing.models import Business


def seed(*, owner_business: Business, client_businesses: list[Business]) -> None:
    """Add this app's demo rows to the demo businesses. Safe to run again."""
