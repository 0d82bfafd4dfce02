"""Resolving "the business in this URL, for this user". Every business view goes through here.

A business the user is not a member of is simply not found (404), exactly like one that
does not exist, so URLs reveal nothing about other tenants.
"""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest

from .models import Business, Membership


def membership_for(request: HttpRequest, business_id: UUID | str) -> Membership:
    """The current user's membership of the business in the URL, or 404."""
    cached = getattr(request, "membership", None)
    if cached is not None and str(cached.business_id) == str(business_id):
        return cached
    user = request.user
    if not user.is_authenticated:
        raise Http404
    try:
        membership = Membership.objects.select_related("business").get(
            user=user, business_id=business_id
        )
    except (Membership.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    request.membership = membership  # type: ignore[attr-defined]
    request.business = membership.business  # type: ignore[attr-defined]
    return membership


def business_for(request: HttpRequest, business_id: UUID | str, *, write: bool = False) -> Business:
    """The business in the URL if the user is a member (404 otherwise).

    With write=True a view-only member is refused with 403: they may see the business,
    so "not found" would be a lie, but they may not change it.
    """
    membership = membership_for(request, business_id)
    if write and not membership.can_edit:
        raise PermissionDenied("You have view-only access to this business.")
    return membership.business


def owner_business_for(request: HttpRequest, business_id: UUID | str) -> Business:
    """The business if the user is its owner: for settings only an owner may change."""
    membership = membership_for(request, business_id)
    if membership.role != Membership.Role.OWNER:
        raise PermissionDenied("Only the owner can do this.")
    return membership.business


class MembershipEntry(NamedTuple):
    """One of the signed-in user's memberships, as the header and the portfolio list them (a
    named tuple: a coach's page makes hundreds)."""

    business_id: UUID
    business_name: str
    business_timezone: str
    business_currency: str
    role: str
    access: str


# Read on every signed-in page that shows the header: written out, it costs a fraction of what
# Django spends building and compiling the same statement.
_USER_MEMBERSHIPS = f"""SELECT m.business_id, b.name, b.timezone, b.currency, m.role, m.access
    FROM {Membership._meta.db_table} m INNER JOIN {Business._meta.db_table} b
        ON b.id = m.business_id
    WHERE m.user_id = %s
    ORDER BY b.name, m.business_id"""  # noqa: S608 — no user input in the text


def user_memberships(request: HttpRequest) -> list[MembershipEntry]:
    """Every membership of the signed-in user (none when signed out), by business name.

    One query per request, shared by whoever asks (the header's switcher, the portfolio).
    It grants nothing: a view still resolves its business with `business_for`.
    """
    cached: list[MembershipEntry] | None = getattr(request, "_user_memberships", None)
    if cached is not None:
        return cached
    user = request.user
    entries = []
    if user.is_authenticated:
        with connection.cursor() as cursor:
            cursor.execute(_USER_MEMBERSHIPS, [user.pk])
            # PostgreSQL returns UUIDs, SQLite their hex text: UUID() directly, not through the
            # field's to_python (a coach's page makes one per client).
            entries = [
                MembershipEntry(
                    business_id if isinstance(business_id, UUID) else UUID(business_id), *rest
                )
                for business_id, *rest in cursor.fetchall()
            ]
    request._user_memberships = entries  # type: ignore[attr-defined]
    return entries
