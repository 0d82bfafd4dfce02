"""URL samples for the core app (protocol: tests/test_url_tenancy.py's docstring)."""

from __future__ import annotations

from typing import Any

from outsourcing.models import Business
from tests.factories import OwnerTaskFactory

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
    task = OwnerTaskFactory(business=business)
    return {
        "outsourcing:dashboard": {},
        "outsourcing:task-list": {},
        "outsourcing:task-create": {},
        "outsourcing:task-starter": {},
        "outsourcing:task-export": {},
        "outsourcing:task-import": {},
        "outsourcing:task-detail": {"pk": task.pk},
        "outsourcing:task-edit": {"pk": task.pk},
        "outsourcing:task-delete": {"pk": task.pk},
        "outsourcing:task-override": {"pk": task.pk},
        "outsourcing:business-settings": {},
        "outsourcing:business-export": {},
        "outsourcing:business-delete": {},
    }
