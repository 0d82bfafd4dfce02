"""URL samples for the core app (protocol: tests/test_url_tenancy.py's docstring)."""

from __future__ import annotations

from typing import Any

from outsourcing.models import Business

PUBLIC: dict[str, dict[str, Any]] = {}

GLOBAL: set[str] = {
    "outsourcing:landing",
    "outsourcing:signup",
    "outsourcing:home",
    "outsourcing:business-create",
    # django.contrib.auth.urls
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def samples(business: Business) -> dict[str, dict[str, Any]]:
    return {
        "outsourcing:dashboard": {},
    }
