"""The inventory as CSV: export (spreadsheet-safe) and import parsing with a row-by-row report.

Import validates every row with the same form as the task page, so a CSV cell gets exactly
the message the form would give. Nothing is written here: the view hands the clean rows to
`services.tasks_import`, and only when every row is clean.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from .forms import OwnerTaskForm
from .models import OwnerTask
from .scoring import format_hours
from .selectors import TaskRow

MAX_BYTES = 1024 * 1024
MAX_ROWS = 1000

COLUMNS = [
    "name",
    "category",
    "hours_per_month",
    "owner_skill",
    "customer_contact",
    "compliance_risk",
    "primary_focus",
    "energy",
    "provider_monthly_cost",
    "status",
    "notes",
]
REQUIRED = {"name", "hours_per_month"}
# Written by the export, ignored by the import (they are worked out, not entered).
COMPUTED = ["opportunity_cost", "break_even_price", "net_benefit", "call", "reason"]

CHOICE_COLUMNS: dict[str, Any] = {
    "category": OwnerTask.Category,
    "customer_contact": OwnerTask.CustomerContact,
    "compliance_risk": OwnerTask.ComplianceRisk,
    "energy": OwnerTask.Energy,
    "status": OwnerTask.Status,
}
DEFAULTS = {
    "category": OwnerTask.Category.OTHER,
    "customer_contact": OwnerTask.CustomerContact.NONE,
    "compliance_risk": OwnerTask.ComplianceRisk.NONE,
    "energy": OwnerTask.Energy.NEUTRAL,
    "status": OwnerTask.Status.DOING,
    "owner_skill": "3",
    "primary_focus": "",
    "provider_monthly_cost": "",
    "notes": "",
}
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(DANGEROUS_FIRST) else value


def _unneutralise(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(DANGEROUS_FIRST) else value


def export_csv(rows: Iterable[TaskRow], out: io.TextIOBase | Any) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS + COMPUTED)
    for row in rows:
        task = row.task
        values = [
            task.name,
            task.category,
            format_hours(task.hours_per_month),
            str(task.owner_skill),
            task.customer_contact,
            task.compliance_risk,
            "yes" if task.primary_focus else "no",
            task.energy,
            "" if task.provider_monthly_cost is None else f"{task.provider_monthly_cost:f}",
            task.status,
            task.notes,
            f"{row.decision.opportunity_cost:f}",
            f"{row.decision.break_even_price:f}",
            "" if row.decision.net_benefit is None else f"{row.decision.net_benefit:f}",
            row.call,
            row.task.override_reason if row.overridden else row.decision.reason,
        ]
        writer.writerow([neutralise(value) for value in values])


@dataclass
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)  # cleaned, ready to create
    file_error: str = ""
    row_errors: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, messages)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.row_errors


def _choice(column: str, raw: str) -> str:
    """Accept the code (`finance`) or the label (`Finance & bookkeeping`), any case."""
    wanted = raw.strip().lower()
    if not wanted:
        return str(DEFAULTS[column])
    for value, label in CHOICE_COLUMNS[column].choices:
        if wanted in (str(value).lower(), str(label).lower()):
            return str(value)
    return raw  # the form reports it as not one of the choices


def _form_data(record: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    data: dict[str, str] = {}
    problems: list[str] = []
    for column in COLUMNS:
        raw = _unneutralise((record.get(column) or "").strip())
        if column in CHOICE_COLUMNS:
            data[column] = _choice(column, raw)
        elif column == "primary_focus":
            flag = raw.lower()
            if flag in TRUE:
                data[column] = "on"
            elif flag not in FALSE:
                problems.append(f"primary_focus: write yes or no, not “{raw}”.")
        elif column == "owner_skill":
            data[column] = raw or str(DEFAULTS[column])
        else:
            data[column] = raw
    return data, problems


def parse_import(upload: UploadedFile) -> ImportResult:
    """Read and validate an uploaded CSV. Any problem is reported; nothing is saved here."""
    result = ImportResult()
    name = (upload.name or "").lower()
    if upload.size is not None and upload.size > MAX_BYTES:
        result.file_error = f"The file is too large ({upload.size:,} bytes): the limit is 1 MB."
        return result
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        result.file_error = "The file is too large: the limit is 1 MB."
        return result
    if not name.endswith(".csv") or b"\x00" in raw:
        result.file_error = (
            "This is not a CSV file. Save the spreadsheet as “CSV UTF-8 (comma delimited)” "
            "and upload the .csv file."
        )
        return result
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.file_error = (
            "The file is not UTF-8 text. Save it as “CSV UTF-8” from your spreadsheet "
            "and try again."
        )
        return result
    if not text.strip():
        result.file_error = "The file is empty: it needs a header row and at least one task."
        return result

    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        headers = [h.strip().lower() for h in (reader.fieldnames or [])]
        reader.fieldnames = headers
        missing = sorted(REQUIRED - set(headers))
        unknown = [h for h in headers if h not in COLUMNS and h not in COMPUTED]
        if missing or unknown:
            parts = []
            if missing:
                parts.append("missing column(s): " + ", ".join(missing))
            if unknown:
                parts.append("unknown column(s): " + ", ".join(h or "(blank)" for h in unknown))
            result.file_error = (
                "The header row is not right: "
                + "; ".join(parts)
                + ". Columns: "
                + ", ".join(COLUMNS)
                + " (name and hours_per_month are required)."
            )
            return result
        records = list(reader)
    except csv.Error as exc:
        result.file_error = f"The file could not be read as CSV: {exc}."
        return result

    if not records:
        result.file_error = "The file has a header row but no tasks."
        return result
    if len(records) > MAX_ROWS:
        result.file_error = f"The file has {len(records):,} rows: import at most {MAX_ROWS:,}."
        return result

    for index, record in enumerate(records, start=2):  # line 1 is the header
        if None in record:
            result.row_errors.append((index, ["This row has more cells than the header row."]))
            continue
        data, problems = _form_data(record)
        form = OwnerTaskForm(data=data)
        if form.is_valid() and not problems:
            result.rows.append(dict(form.cleaned_data))
            continue
        for column, errors in form.errors.items():
            label = column if column != "__all__" else "row"
            problems.extend(f"{label}: {message}" for message in errors)
        result.row_errors.append((index, problems))
    return result
