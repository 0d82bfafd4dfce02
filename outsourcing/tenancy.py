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
from .sql import converter

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


class MembershipEntry:
    """One of the signed-in user's memberships, as the header and the portfolio list them.

    A coach's page makes hundreds of them and needs the ids of a page of them only: the id is
    kept as the database's text until it is asked for (a UUID made from text costs about
    2.5 µs, half a millisecond for 200 clients)."""

    __slots__ = (
        "_business_id",
        "access",
        "business_currency",
        "business_name",
        "business_timezone",
        "role",
    )

    def __init__(
        self,
        business_id: UUID | str,
        business_name: str,
        business_timezone: str,
        business_currency: str,
        role: str,
        access: str,
    ) -> None:
        self._business_id = business_id
        self.business_name = business_name
        self.business_timezone = business_timezone
        self.business_currency = business_currency
        self.role = role
        self.access = access

    @property
    def business_id(self) -> UUID:
        value = self._business_id
        if not isinstance(value, UUID):
            value = self._business_id = UUID(value)
        return value

    def _values(self) -> tuple[object, ...]:
        return (
            self.business_id,
            self.business_name,
            self.business_timezone,
            self.business_currency,
            self.role,
            self.access,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MembershipEntry):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"MembershipEntry{self._values()!r}"


# The memberships' columns the header lists; then, for the business asked for only (other rows
# get NULLs: a coach has hundreds), every column of the membership and of its business, so
# `membership_for` builds them from the same read.
# The id as text (see MembershipEntry).
_ENTRY_COLUMNS = "CAST(m.business_id AS text), b.name, b.timezone, b.currency, m.role, m.access"
_ENTRY_WIDTH = len(MembershipEntry.__slots__)  # one column per argument of MembershipEntry
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
    entries = [MembershipEntry(*row[:_ENTRY_WIDTH]) for row in rows]
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
    start = _ENTRY_WIDTH
    # The wanted business's row is the one whose membership columns are filled in.
    row = next((row for row in read.rows if row[start] is not None), None)
    if row is None:
        return None
    middle = start + len(_MEMBERSHIP_FIELDS)
    membership = _from_row(Membership, _MEMBERSHIP_FIELDS, row[start:middle])
    membership.business = _from_row(Business, _BUSINESS_FIELDS, row[middle:])
    return membership


def _from_row(model: type[M], fields: tuple[Field[Any, Any], ...], values: tuple[Any, ...]) -> M:
    converted = [converter(field)(value) for field, value in zip(fields, values, strict=True)]
    return model.from_db(connection.alias, [f.attname for f in fields], converted)
