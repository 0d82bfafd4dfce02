"""The activity log of one business: who created, changed or deleted what, and when.

Built on django-simple-history: each tracked model has a historical table holding one row
per change with its author (`history_user`). This module reads those tables filtered by
business, merges them with one UNION query ordered by time, and turns one page of rows into
plain sentences ("ann@example.com (coach) changed task 'Payroll': hours per month 10 → 12").

The number of queries is bounded by the number of tracked models, never by the amount of
history: one count, one page, then per model at most two (the rows and their previous
versions), plus one for people and one per model that needs a name from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import CharField, OuterRef, Subquery, Value
from django.utils.formats import date_format

from .models import Business, Membership

PAGE_SIZE = 25
SKIPPED_FIELDS = {"id", "created_at", "updated_at", "token_hash", "business"}


@dataclass(frozen=True)
class Source:
    """One tracked model. `scope` says how its rows belong to a business: "self" (the
    business itself), "business" (a business FK) or the key of a parent source whose FK
    this model carries (e.g. a candidate belongs to a business through its job)."""

    key: str
    model: str  # "app_label.ModelName"
    label: str  # "task"
    scope: str = "business"
    parent_field: str = ""
    name_field: str = ""
    # A name found on another model: (FK field on this model, "app.Model", field there).
    name_via: tuple[str, str, str] | None = None


SOURCES: tuple[Source, ...] = (
    Source("business", "outsourcing.Business", "business", scope="self", name_field="name"),
    Source("membership", "outsourcing.Membership", "access"),
    Source("task", "outsourcing.OwnerTask", "task", name_field="name"),
    Source("job", "providers.JobDescription", "job description", name_field="title"),
    Source(
        "candidate",
        "providers.Candidate",
        "candidate",
        scope="job",
        parent_field="job",
        name_via=("provider", "providers.Provider", "name"),
    ),
    Source(
        "engagement",
        "providers.Engagement",
        "engagement",
        name_via=("provider", "providers.Provider", "name"),
    ),
    Source("review", "reviews.Review", "review due", name_field="due_date"),
    Source("flag", "reviews.ReplacementFlag", "replacement flag", name_field="reason"),
)


@dataclass
class Event:
    at: datetime
    who: str
    role: str
    verb: str  # created / changed / deleted
    text: str
    changes: list[tuple[str, str, str]]
    kind: str


def _history_model(source: Source) -> type[models.Model] | None:
    try:
        model = apps.get_model(source.model)
    except LookupError:
        return None
    history = getattr(model, "history", None)
    return getattr(history, "model", None)


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _active_sources() -> list[tuple[Source, type[models.Model]]]:
    found = []
    for source in SOURCES:
        model = _history_model(source)
        if model is None:
            continue
        if source.scope == "business" and not _has_field(model, "business"):
            # A model without a business FK (e.g. a review under an engagement) is scoped
            # through its parent when it has one of the known parents.
            for parent in ("engagement", "job"):
                if _has_field(model, parent):
                    source = Source(
                        source.key,
                        source.model,
                        source.label,
                        scope=parent,
                        parent_field=parent,
                        name_field=source.name_field,
                        name_via=source.name_via,
                    )
                    break
            else:
                continue
        found.append((source, model))
    return found


def _scoped(
    source: Source, model: type[models.Model], business: Business, by_key: dict[str, Any]
) -> models.QuerySet[Any]:
    qs = model._default_manager.all()
    if source.scope == "self":
        return qs.filter(id=business.pk)
    if source.scope == "business":
        return qs.filter(business_id=business.pk)
    parent = by_key.get(source.scope)
    if parent is None:
        return qs.none()
    parent_source, parent_model = parent
    parent_ids = _scoped(parent_source, parent_model, business, by_key).values("id")
    return qs.filter(**{f"{source.parent_field}_id__in": parent_ids})


def activity_queryset(
    business: Business, *, kind: str = "", user_id: int | None = None
) -> models.QuerySet[Any]:
    """The business's history rows as (history_date, history_id, source key), newest first,
    in one UNION query; optionally only one kind of thing, or one person's changes."""
    active = _active_sources()
    by_key = {source.key: (source, model) for source, model in active}
    parts = []
    for source, model in active:
        if kind and source.key != kind:
            continue
        rows = _scoped(source, model, business, by_key)
        if user_id is not None:
            rows = rows.filter(history_user_id=user_id)
        parts.append(
            rows.annotate(src=Value(source.key, output_field=CharField()))
            .values_list("history_date", "history_id", "src")
            .order_by()
        )
    if not parts:
        return Membership.history.none()
    first, *rest = parts
    if rest:
        first = first.union(*rest, all=True)
    return first.order_by("-history_date", "-history_id")


def activity_kinds() -> list[tuple[str, str]]:
    """The kinds of thing the log covers, for a filter: (key, label)."""
    return [(source.key, source.label) for source, _model in _active_sources()]


def activity_people(business: Business) -> list[User]:
    """Everyone who is or was a member of the business (one query), for a filter."""
    history = Membership.history.model
    ids = history.objects.filter(business_id=business.pk).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("email"))


def _display(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date) and not isinstance(value, datetime):
        return date_format(value, "j M Y")
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _changes(model: type[models.Model], new: Any, old: Any) -> list[tuple[str, str, str]]:
    changes = []
    for field in model._meta.get_fields():
        if not isinstance(field, models.Field) or field.name.startswith("history"):
            continue
        if field.name in SKIPPED_FIELDS or field.auto_created:
            continue
        before = getattr(old, field.attname, None)
        after = getattr(new, field.attname, None)
        if before == after:
            continue
        name = str(field.verbose_name)
        if field.is_relation:
            changes.append((name, "", ""))  # ids mean nothing to a reader: say what changed
        else:
            changes.append((name, _display(field, before), _display(field, after)))
    return changes


def _names_via(rows: Iterable[Any], source: Source) -> dict[Any, str]:
    if source.name_via is None:
        return {}
    fk, target, field = source.name_via
    ids = {getattr(r, f"{fk}_id", None) for r in rows} - {None}
    if not ids:
        return {}
    model = apps.get_model(target)
    return dict(model._default_manager.filter(pk__in=ids).values_list("pk", field))


def _roles(business: Business, user_ids: set[Any]) -> dict[Any, str]:
    """Each person's role in this business, "former coach" once removed (one query)."""
    roles: dict[Any, str] = {}
    history = Membership.history.model
    for user_id, role, kind in (
        history.objects.filter(business_id=business.pk, user_id__in=user_ids)
        .order_by("history_date", "history_id")
        .values_list("user_id", "role", "history_type")
    ):
        roles[user_id] = f"former {role}" if kind == "-" else role
    return roles


def _membership_text(row: Any, users: dict[Any, User], actor_id: Any) -> str:
    member = users.get(row.user_id)
    who = member.email if member is not None else "someone"
    access = dict(Membership.Access.choices).get(row.access, row.access).lower()
    if row.history_type == "+":
        if row.user_id == actor_id:
            return f"joined as {row.role}" + (f" ({access})" if row.role == "coach" else "")
        return f"gave {who} {row.role} access" + (f" ({access})" if row.role == "coach" else "")
    if row.history_type == "-":
        if row.user_id == actor_id:
            return f"left (was {row.role})"
        return f"removed {row.role} {who}"
    return f"changed {who}'s access"


def activity_page(
    *, business: Business, page: Any = None, kind: str = "", user_id: int | None = None
) -> Page:
    """One page of the business's activity, newest first, as `Event`s."""
    paginator = Paginator(activity_queryset(business, kind=kind, user_id=user_id), PAGE_SIZE)
    page_obj = paginator.get_page(page)
    keys = list(page_obj.object_list)
    active = {source.key: (source, model) for source, model in _active_sources()}

    wanted: dict[str, list[Any]] = {}
    for _at, history_id, key in keys:
        wanted.setdefault(key, []).append(history_id)

    rows: dict[tuple[str, Any], Any] = {}
    previous: dict[tuple[str, Any], Any] = {}
    names: dict[str, dict[Any, str]] = {}
    for key, ids in wanted.items():
        source, model = active[key]
        manager = model._default_manager
        prev = (
            manager.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        fetched: list[Any] = list(
            manager.filter(history_id__in=ids).annotate(prev_id=Subquery(prev))
        )
        for row in fetched:
            rows[(key, row.history_id)] = row
        prev_ids = [r.prev_id for r in fetched if r.history_type == "~" and r.prev_id]
        if prev_ids:
            for before in manager.filter(history_id__in=prev_ids):
                previous[(key, before.history_id)] = before  # type: ignore[attr-defined]
        names[key] = _names_via(fetched, source)

    user_ids = {r.history_user_id for r in rows.values()} - {None}
    user_ids |= {r.user_id for (k, _h), r in rows.items() if k == "membership"}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    roles = _roles(business, user_ids) if user_ids else {}

    events = []
    for _at, history_id, key in keys:
        row = rows.get((key, history_id))
        if row is None:
            continue
        source, model = active[key]
        actor = users.get(row.history_user_id)
        who = (actor.get_full_name() or actor.email or actor.username) if actor else "System"
        role = roles.get(row.history_user_id, "") if actor else ""
        verb = {"+": "created", "-": "deleted"}.get(row.history_type, "changed")
        changes: list[tuple[str, str, str]] = []
        if key == "membership":
            text = _membership_text(row, users, row.history_user_id)
            old = previous.get((key, getattr(row, "prev_id", None)))
            if row.history_type == "~" and old is not None:
                changes = _changes(model, row, old)
        else:
            if source.name_field:
                name = _display(
                    model._meta.get_field(source.name_field), getattr(row, source.name_field)
                )
                name = "" if name == "—" else name
            elif source.name_via is not None:
                name = names[key].get(getattr(row, f"{source.name_via[0]}_id", None), "")
            else:
                name = f"#{row.id}"
            reason = row.history_change_reason or ""
            old = previous.get((key, getattr(row, "prev_id", None)))
            if row.history_type == "~" and old is not None:
                changes = _changes(model, row, old)
            if reason and row.history_type == "~" and not changes:
                text = reason
            else:
                text = f"{verb} {source.label} '{name}'" if name else f"{verb} {source.label}"
        events.append(
            Event(
                at=row.history_date,
                who=who,
                role=role,
                verb=verb,
                text=text,
                changes=changes,
                kind=key,
            )
        )
    page_obj.object_list = events
    return page_obj
