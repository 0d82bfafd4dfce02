"""Everything of one business, found generically: export it as CSV files in a zip, or delete it.

DESIGN.md forbids `outsourcing` to import `providers` or `reviews`, and new models keep landing,
so nothing here names another app's model. The app registry is walked instead: every model of
the project's own apps (and its simple_history "Historical..." twin, and the auto-created
many-to-many tables) gets a *path* to `Business` — a direct `business` foreign key, or a chain
of foreign keys through parents (duty → job → business, rating → review → engagement →
business). A model with no path holds no business's rows (the catalog, users' own settings):
`GLOBAL_MODELS` lists those, and tests/outsourcing/test_portability.py fails when a project
model has neither a path nor a place in that list.

History rows are found through the history of their parents as well as through the live
parents: a candidate's history still belongs to the business after its job was deleted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalChanges

from .models import Business
from .task_csv import neutralise

logger = logging.getLogger(__name__)

ModelType = type[models.Model]

# Project models that hold no business's rows. Their history twins are global with them.
GLOBAL_MODELS = frozenset(
    {
        "providers.ServiceCategory",  # catalog
        "providers.Expertise",  # catalog
        "providers.JobTemplate",  # a coach's own library, owned by a user
        "providers.JobTemplateDuty",
        "providers.JobTemplateExpertise",
        "reviews.NotificationPreference",  # a user's e-mail choice and calendar feed
    }
)

# Secrets (hashes of single-use tokens) never leave the database, even in an export.
SECRET_COLUMN_MARKERS = ("token_hash", "calendar_token", "password")

DELETE_CHUNK = 500


# --- Finding a business's rows ----------------------------------------------------------------


@cache
def project_app_labels() -> frozenset[str]:
    """The apps whose code lives in this repository (not in the virtualenv)."""
    base = Path(settings.BASE_DIR).resolve()
    labels = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and not {".venv", "site-packages"} & set(path.parts):
            labels.add(config.label)
    return frozenset(labels)


@cache
def project_models() -> tuple[ModelType, ...]:
    """Every concrete model of the project's apps: history and many-to-many tables included."""
    labels = project_app_labels()
    return tuple(
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in labels and not model._meta.proxy
    )


def is_history(model: ModelType) -> bool:
    return issubclass(model, HistoricalChanges)


def _original(model: ModelType) -> ModelType:
    """The live model a history model records (the model itself otherwise)."""
    if is_history(model):
        return model.instance_type  # type: ignore[attr-defined]
    return model


@cache
def _history_models() -> dict[ModelType, ModelType]:
    return {_original(m): m for m in apps.get_models() if is_history(m)}


def history_model(model: ModelType) -> ModelType | None:
    return _history_models().get(model)


@dataclass(frozen=True)
class BusinessPath:
    """Foreign key names from a model to Business (empty for Business itself).

    `required` is False when a link may be empty (a provider without a business is in the
    catalog): rows whose chain ends in NULL belong to no business.
    """

    fields: tuple[str, ...]
    required: bool

    @property
    def lookup(self) -> str:
        return "__".join(self.fields)


def _links(model: ModelType, labels: frozenset[str]) -> list[models.ForeignKey[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)
        and f.related_model is not model
        and f.related_model is not None
        and f.related_model._meta.app_label in labels  # type: ignore[union-attr]
    ]


def business_path(model: ModelType) -> BusinessPath | None:
    """The path from `model` (or, for history, from the model it records) to Business.

    The choice, first that decides: a direct `business` key; a path with no nullable link;
    the shortest; the first declared. None when there is no path (a global model).
    """
    return _path(_original(model), frozenset())


@cache
def _path(model: ModelType, seen: frozenset[ModelType]) -> BusinessPath | None:
    if model is Business:
        return BusinessPath((), True)
    best: tuple[tuple[bool, bool, int], BusinessPath] | None = None
    for link in _links(model, project_app_labels()):
        target = link.related_model
        if target in seen:
            continue
        below = _path(target, seen | {model})
        if below is None:
            continue
        path = BusinessPath((link.name, *below.fields), not link.null and below.required)
        key = (
            not (link.name == "business" and target is Business),
            not path.required,
            len(path.fields),
        )
        if best is None or key < best[0]:
            best = (key, path)
    return best[1] if best else None


def _live_filter(model: ModelType, business: Business) -> Q:
    path = business_path(model)
    if path is None:
        raise LookupError(f"{model._meta.label} has no path to Business")
    if not path.fields:
        return Q(pk=business.pk)
    return Q(**{path.lookup: business.pk})


def _ever_ids(model: ModelType, business: Business) -> list[models.QuerySet[Any, Any]]:
    """Subqueries of the primary keys `model`'s rows of the business have or had."""
    found = [model._base_manager.filter(_live_filter(model, business)).values("pk")]
    history = history_model(model)
    if history is not None:
        pk_name = model._meta.pk.attname
        found.append(
            history._base_manager.filter(_history_filter(history, business)).values(pk_name)
        )
    return found


def _history_filter(model: ModelType, business: Business) -> Q:
    """History rows of the business: through the parent's live rows AND the parent's history."""
    original = _original(model)
    path = business_path(original)
    if path is None:
        raise LookupError(f"{model._meta.label} has no path to Business")
    if not path.fields:
        return Q(**{original._meta.pk.attname: business.pk})
    link = model._meta.get_field(path.fields[0])
    target = link.related_model
    attname = link.attname  # type: ignore[union-attr]
    if target is Business:
        return Q(**{attname: business.pk})
    condition = Q()
    for ids in _ever_ids(target, business):  # type: ignore[arg-type]
        condition |= Q(**{f"{attname}__in": ids})
    return condition


def business_filter(model: ModelType, business: Business) -> Q:
    """The condition that selects `model`'s rows belonging to `business`."""
    if is_history(model):
        return _history_filter(model, business)
    return _live_filter(model, business)


@cache
def business_models() -> tuple[ModelType, ...]:
    """Project models with a path to Business, in a stable order (app, then model name)."""
    found = [m for m in project_models() if business_path(m) is not None]
    return tuple(sorted(found, key=lambda m: (m._meta.app_label, m._meta.object_name or "")))


def unplaced_models() -> list[str]:
    """Project models with no path to Business that GLOBAL_MODELS does not list either."""
    return sorted(
        m._meta.label
        for m in project_models()
        if business_path(m) is None
        and _original(m)._meta.label not in GLOBAL_MODELS
        and not _through_of_global(m)
    )


def _through_of_global(model: ModelType) -> bool:
    """An auto-created many-to-many table between global models only."""
    if not model._meta.auto_created:
        return False
    return all(
        f.related_model._meta.label in GLOBAL_MODELS  # type: ignore[union-attr]
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)
    )


def business_rows(model: ModelType, business: Business) -> models.QuerySet[Any, Any]:
    """Every row of `model` that belongs to `business` (any manager filtering bypassed)."""
    return model._base_manager.filter(business_filter(model, business))


# --- Export ---------------------------------------------------------------------------------


def _columns(model: ModelType) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if not any(marker in f.attname for marker in SECRET_COLUMN_MARKERS)
    ]


def csv_cell(value: object) -> str:
    """One value as text; text that a spreadsheet would run as a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def _catalog_references(business: Business) -> list[tuple[ModelType, models.QuerySet[Any, Any]]]:
    """Shared rows (catalog providers, packages, expertise...) the business's rows point at."""
    labels = project_app_labels()
    pointers: dict[ModelType, Q] = {}
    for model in business_models():
        if is_history(model):
            continue
        for link in _links(model, labels):
            target: ModelType = link.related_model  # type: ignore[assignment]
            path = business_path(target)
            if path is not None and path.required:
                continue  # the business's own rows: exported in full already
            ids = business_rows(model, business).filter(**{f"{link.attname}__isnull": False})
            condition = Q(pk__in=ids.values(link.attname))
            pointers[target] = pointers.get(target, Q()) | condition
    found = []
    for target, condition in pointers.items():
        rows = target._base_manager.filter(condition)
        if business_path(target) is not None:
            rows = rows.exclude(_live_filter(target, business))
        found.append((target, rows))
    return sorted(found, key=lambda pair: pair[0]._meta.label)


@dataclass
class ExportSummary:
    files: dict[str, int] = field(default_factory=dict)  # file name → rows

    @property
    def rows(self) -> int:
        return sum(self.files.values())


def export_file_name(model: ModelType, *, catalog: bool = False) -> str:
    name = f"{model._meta.app_label}/{model._meta.object_name}.csv"
    return f"catalog/{name}" if catalog else name


README = """Everything of "{name}" exported from Outsourcing Desk on {when} (UTC).

One CSV file per table, in folders by app. Columns are the database columns: *_id columns
point at the id column of the table they name (business_id at outsourcing/Business.csv).
Historical*.csv files are the activity log: every version of a row, who changed it
(history_user_id) and when (history_date); history_type '+ created, ~ changed, '- deleted.
catalog/ holds the shared catalog rows your candidates and engagements refer to.
Text that starts with = + - @ has a ' in front so that spreadsheets do not run it.
Secrets (hashes of private link tokens) are left out.
"""


def _write_csv(
    archive: zipfile.ZipFile, name: str, model: ModelType, rows: models.QuerySet[Any, Any]
) -> int:
    columns = _columns(model)
    count = 0
    with archive.open(name, "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(columns)
        for values in rows.order_by("pk").values_list(*columns).iterator(chunk_size=2000):
            writer.writerow([csv_cell(v) for v in values])
            count += 1
        text.flush()
        text.detach()
    return count


def business_export_write(*, business: Business, out: IO[bytes]) -> ExportSummary:
    """Write the zip of every row of `business` (history included) to `out`.

    A read: changes nothing. One query per table, whatever the amount of data.
    """
    summary = ExportSummary()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(name=business.name, when=timezone.now().strftime("%Y-%m-%d %H:%M")),
        )
        for model in business_models():
            name = export_file_name(model)
            summary.files[name] = _write_csv(archive, name, model, business_rows(model, business))
        for model, rows in _catalog_references(business):
            name = export_file_name(model, catalog=True)
            summary.files[name] = _write_csv(archive, name, model, rows)
    return summary


@dataclass(frozen=True)
class ExportLine:
    label: str
    rows: int
    activity: bool


def business_export_overview(*, business: Business) -> list[ExportLine]:
    """What the export holds: one line per table with its row count (one query per table)."""
    lines = []
    for model in business_models():
        if model._meta.auto_created:
            continue
        label = str(_original(model)._meta.verbose_name_plural)
        lines.append(
            ExportLine(
                label=label[:1].upper() + label[1:],
                rows=business_rows(model, business).count(),
                activity=is_history(model),
            )
        )
    return lines


# --- Deletion -------------------------------------------------------------------------------


@dataclass
class DeletionSummary:
    business_id: str
    name: str
    rows: dict[str, int] = field(default_factory=dict)  # model label → rows deleted

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _children_first(found: Iterable[ModelType]) -> list[ModelType]:
    """Models ordered so that each comes before the models its foreign keys point at."""
    pending = list(found)
    ordered: list[ModelType] = []
    while pending:
        for model in pending:
            pointed_at_by_pending = any(
                other is not model
                and any(f.related_model is model for f in _links(other, project_app_labels()))
                for other in pending
            )
            if not pointed_at_by_pending:
                break
        else:
            model = pending[0]  # a cycle: foreign keys are checked at commit anyway
        pending.remove(model)
        ordered.append(model)
    return ordered


@transaction.atomic
def business_delete(*, business: Business, actor: User) -> DeletionSummary:
    """Delete every row of `business` in every app, in one transaction.

    Guarantees: rows of other businesses and the shared catalog are untouched (a row of
    another business pointing at this one's makes the whole deletion fail, nothing deleted);
    the business's history goes too, except ONE record: the business's own "deleted" history
    entry naming `actor` and the time, which staff see in the admin ("Deleted businesses").
    Logged once committed. Not idempotent (the business is gone afterwards); enqueues nothing.
    Foreign keys are checked at commit, so a failure raises IntegrityError from here.

    Rows are collected first and then deleted without per-row signals, so deleting does not
    write thousands of "deleted" history rows only to delete them again.
    """
    summary = DeletionSummary(business_id=str(business.pk), name=business.name)
    plan: list[tuple[ModelType, list[Any]]] = []
    targets = [m for m in business_models() if m is not Business]
    for model in targets:
        pks = list(business_rows(model, business).values_list("pk", flat=True))
        if pks:
            plan.append((model, pks))
    order = {model: i for i, model in enumerate(_children_first(m for m, _ in plan))}
    for model, pks in sorted(plan, key=lambda pair: order[pair[0]]):
        manager = model._base_manager
        for chunk in _chunks(pks, DELETE_CHUNK):
            manager.filter(pk__in=chunk)._raw_delete(manager.db)
        summary.rows[model._meta.label] = len(pks)

    # A fresh instance: the caller's keeps its pk if the commit fails (Django clears it).
    victim = Business.objects.get(pk=business.pk)
    victim._history_user = actor  # type: ignore[attr-defined]
    victim._change_reason = (  # type: ignore[attr-defined]
        f"Deleted by its owner {actor.get_username()} (user id {actor.pk}) with "
        f"{summary.total} rows of data"
    )
    victim.delete()
    transaction.on_commit(
        lambda: logger.warning(
            "business deleted: id=%s name=%r by user id=%s (%s); %s rows in %s tables",
            summary.business_id,
            summary.name,
            actor.pk,
            actor.get_username(),
            summary.total,
            len(summary.rows),
        )
    )
    return summary
