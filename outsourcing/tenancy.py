"""Resolving "the business in this URL, for this user". Every business view goes through here.

A business the user is not a member of is simply not found (404), exactly like one that
does not exist, so URLs reveal nothing about other tenants.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.db.models import Field
from django.http import Http404, HttpRequest

from .models import Business, Membership

M = TypeVar("M", bound=models.Model)


def membership_for(request: HttpRequest, business_id: UUID | str) -> Membership:
    """The current user's membership of the business in the URL, or 404.

    Read from the user's memberships (`_membership_rows`: one query a request, shared with the
    header's switcher), so a business page makes no query of its own to find its business.
    """
    cached = getattr(request, "membership", None)
    if cached is not None and str(cached.business_id) == str(business_id):
        return cached
    if not request.user.is_authenticated:
        raise Http404
    try:
        wanted = business_id if isinstance(business_id, UUID) else UUID(str(business_id))
    except ValueError as exc:
        raise Http404 from exc
    membership = _membership_instance(request, wanted)
    if membership is None:
        raise Http404
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


# The memberships' columns the header lists; then, for the business asked for only (other rows
# get NULLs: a coach has hundreds), every column of the membership and of its business, so
# `membership_for` builds them from the same read.
_ENTRY_COLUMNS = "m.business_id, b.name, b.timezone, b.currency, m.role, m.access"
_MEMBERSHIP_FIELDS = tuple(Membership._meta.concrete_fields)
_BUSINESS_FIELDS = tuple(Business._meta.concrete_fields)
assert _BUSINESS_FIELDS[0].primary_key  # noqa: S101 — the id is the first, as adapted below
_WANTED = [
    *(f"m.{f.column}" for f in _MEMBERSHIP_FIELDS),
    *(f"b.{f.column}" for f in _BUSINESS_FIELDS),
]

# Read on every signed-in page: written out, it costs a fraction of what Django spends
# building and compiling the same statement.
_USER_MEMBERSHIPS = f"""SELECT {_ENTRY_COLUMNS}
    FROM {Membership._meta.db_table} m INNER JOIN {Business._meta.db_table} b
        ON b.id = m.business_id
    WHERE m.user_id = %(user)s
    ORDER BY b.name, m.business_id"""  # noqa: S608 — no user input in the text
_USER_MEMBERSHIPS_AND_ONE = _USER_MEMBERSHIPS.replace(
    f"SELECT {_ENTRY_COLUMNS}",
    f"SELECT {_ENTRY_COLUMNS}, "
    + ", ".join(f"CASE WHEN m.business_id = %(wanted)s THEN {c} END" for c in _WANTED),
)


class _MembershipRows(NamedTuple):
    entries: list[MembershipEntry]
    rows: list[tuple[Any, ...]]  # the raw rows, in the same order
    wanted: UUID | None  # the business whose columns the rows carry in full


def _membership_rows(request: HttpRequest, wanted: UUID | None = None) -> _MembershipRows:
    """The signed-in user's memberships, read once a request (none when signed out); with every
    column of `wanted`'s row when the first to ask names a business."""
    cached: _MembershipRows | None = getattr(request, "_membership_rows", None)
    if cached is not None:
        return cached
    user = request.user
    rows: list[tuple[Any, ...]] = []
    if user.is_authenticated:
        with connection.cursor() as cursor:
            if wanted is None:  # the header or the portfolio: the list only
                cursor.execute(_USER_MEMBERSHIPS, {"user": user.pk})
            else:
                wanted_value = _BUSINESS_FIELDS[0].get_db_prep_value(wanted, connection)
                cursor.execute(_USER_MEMBERSHIPS_AND_ONE, {"user": user.pk, "wanted": wanted_value})
            rows = cursor.fetchall()
    width = len(MembershipEntry._fields)
    # PostgreSQL returns UUIDs, SQLite their hex text: UUID() directly, not through the field's
    # to_python (a coach's page makes one per client).
    entries = [
        MembershipEntry(row[0] if isinstance(row[0], UUID) else UUID(row[0]), *row[1:width])
        for row in rows
    ]
    result = _MembershipRows(entries, rows, wanted)
    request._membership_rows = result  # type: ignore[attr-defined]
    return result


def user_memberships(request: HttpRequest) -> list[MembershipEntry]:
    """Every membership of the signed-in user (none when signed out), by business name.

    One query per request, shared by whoever asks (the header's switcher, the portfolio, and
    `membership_for`). It grants nothing: a view still resolves its business with
    `business_for`.
    """
    return _membership_rows(request).entries


def _membership_instance(request: HttpRequest, business_id: UUID) -> Membership | None:
    """The user's membership of `business_id` with its business, or None when they have none.

    Built from the request's membership rows, as Django would have built them (its database
    converters applied); read on its own only when those rows were read for another business
    (or for none: the header asked first)."""
    read = _membership_rows(request, business_id)
    if read.wanted != business_id:
        return (
            Membership.objects.select_related("business")
            .filter(user=request.user, business_id=business_id)  # type: ignore[misc]
            .first()
        )
    index = next((i for i, e in enumerate(read.entries) if e.business_id == business_id), None)
    if index is None:
        return None
    row = read.rows[index]
    start = len(MembershipEntry._fields)
    middle = start + len(_MEMBERSHIP_FIELDS)
    membership = _from_row(Membership, _MEMBERSHIP_FIELDS, row[start:middle])
    membership.business = _from_row(Business, _BUSINESS_FIELDS, row[middle:])
    return membership


def _from_row(model: type[M], fields: tuple[Field[Any, Any], ...], values: tuple[Any, ...]) -> M:
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(model._meta.db_table)
        for convert in [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)
