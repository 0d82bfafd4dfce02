from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from .coach_services import COACHES_GROUP
from .models import Membership


def navigation(request: HttpRequest) -> dict[str, object]:
    """The header's business switcher and the current business (set by the tenancy helpers)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def memberships() -> list[Membership]:
        # One query per page, and only on pages that render the header.
        return list(Membership.objects.filter(user=user).select_related("business"))

    def is_coach() -> bool:
        if memberships():
            return any(m.role == Membership.Role.COACH for m in memberships())
        # A coach who signed up as one but has no client yet (one query, only then).
        return user.groups.filter(name=COACHES_GROUP).exists()

    return {
        "current_business": getattr(request, "business", None),
        "current_membership": getattr(request, "membership", None),
        "my_memberships": memberships,
        "user_is_coach": is_coach,
    }
