from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from .models import Notification


def notifications(request: HttpRequest) -> dict[str, object]:
    """`unread_notifications` for the header bell: one COUNT query, only when rendered."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_notifications": unread}
