"""Reads for the core app's pages. Everything is scoped by business first.

The call on each task comes from `scoring`, so the rules live in one place. Each task stores
the rules' call and its monthly figures (OwnerTask.suggested_call, opportunity_cost,
net_benefit: a cache of `scoring.score`), so summaries, rankings, filters and sorts over a whole
inventory are SQL; only the tasks on show are decided in full, for their sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Lower
from django.shortcuts import get_object_or_404

from . import scoring
from .models import Business, OwnerTask

CALL_ORDER: dict[str, int] = {
    OwnerTask.Call.OUTSOURCE.value: 0,
    OwnerTask.Call.CONSIDER.value: 1,
    OwnerTask.Call.KEEP.value: 2,
}
# Tasks that no longer take the owner's time do not count towards what outsourcing would free.
SETTLED_STATUSES = (OwnerTask.Status.OUTSOURCED, OwnerTask.Status.ELIMINATED)
_TASKS = OwnerTask._meta.db_table  # for the reads written out in SQL below


def figures(task: OwnerTask) -> scoring.TaskFigures:
    return task.figures()


def call_is(call: str) -> Q:
    """Tasks whose call that counts (the owner's override, else the rules') is `call`."""
    return Q(override_call=call) | Q(override_call="", suggested_call=call)


# CALL_ORDER in SQL: outsource first, then consider, then keep.
CALL_RANK = Case(
    When(call_is(OwnerTask.Call.OUTSOURCE), then=Value(0)),
    When(call_is(OwnerTask.Call.CONSIDER), then=Value(1)),
    default=Value(2),
)


@dataclass(frozen=True)
class TaskRow:
    """A task with its decision, and the owner's override when there is one."""

    task: OwnerTask
    decision: scoring.Decision

    @property
    def overridden(self) -> bool:
        return bool(self.task.override_call)

    @property
    def call(self) -> str:
        """The call that counts: the owner's override, else the rules'."""
        return self.task.override_call or self.decision.call

    @property
    def call_label(self) -> str:
        if self.overridden:
            return f"{OwnerTask.Call(self.call).label}: your call"
        return self.decision.label

    @property
    def caution(self) -> str:
        """The indirect-contact caution, unless the call that counts is Keep."""
        return "" if self.call == OwnerTask.Call.KEEP else self.decision.caution

    @property
    def active(self) -> bool:
        return self.task.status not in SETTLED_STATUSES


def task_row(task: OwnerTask, business: Business) -> TaskRow:
    return TaskRow(
        task=task, decision=scoring.decide(figures(task), business.hourly_value, business.currency)
    )


def task_get(*, business: Business, pk: int) -> OwnerTask:
    """One task of `business`; someone else's task is simply not found (404)."""
    return get_object_or_404(OwnerTask.objects.for_business(business), pk=pk)


def task_rows(*, business: Business) -> list[TaskRow]:
    """Every task of the business with its decision, in one query."""
    tasks = OwnerTask.objects.for_business(business).order_by("name", "pk")
    return [task_row(task, business) for task in tasks]


def _filtered(
    business: Business, *, category: str = "", status: str = "", call: str = "", q: str = ""
) -> QuerySet[OwnerTask]:
    tasks = OwnerTask.objects.for_business(business)
    if category:
        tasks = tasks.filter(category=category)
    if status:
        tasks = tasks.filter(status=status)
    if call:
        tasks = tasks.filter(call_is(call))
    if q:
        tasks = tasks.filter(Q(name__icontains=q) | Q(notes__icontains=q))
    return tasks


# Each sort as (expression, ascending) pairs; a leading '-' on the sort flips every one.
# "call" is outsource first, then the biggest gain (none counts as 0), then the name.
INVENTORY_SORTS: dict[str, tuple[tuple[Any, bool], ...]] = {
    "name": ((Lower("name"), True), (F("pk"), True)),
    "hours": ((F("hours_per_month"), True), (Lower("name"), True), (F("pk"), True)),
    "cost": ((F("opportunity_cost"), True), (Lower("name"), True), (F("pk"), True)),
    "call": (
        (CALL_RANK, True),
        (Coalesce("net_benefit", Value(0), output_field=DecimalField()), False),
        (Lower("name"), True),
        (F("pk"), True),
    ),
}


def _ordering(sort: str) -> list[OrderBy]:
    column, descending = sort.lstrip("-"), sort.startswith("-")
    keys = INVENTORY_SORTS.get(column, INVENTORY_SORTS["name"])
    return [
        OrderBy(expression, descending=ascending == descending) for expression, ascending in keys
    ]


def task_list(
    *,
    business: Business,
    category: str = "",
    status: str = "",
    call: str = "",
    q: str = "",
    sort: str = "name",
) -> QuerySet[OwnerTask]:
    """The tasks matching the filters (category, status, the call that counts, text), sorted by
    `sort` (name, hours, cost, call; a leading '-' reverses). All in SQL."""
    tasks = _filtered(business, category=category, status=status, call=call, q=q)
    return tasks.order_by(*_ordering(sort or "name"))


def task_page(
    *,
    business: Business,
    page: str | int | None = None,
    per_page: int = 25,
    category: str = "",
    status: str = "",
    call: str = "",
    q: str = "",
    sort: str = "name",
) -> Page[TaskRow]:
    """One page of the inventory, as TaskRows: filtered, sorted and sliced in SQL, and only the
    page's tasks decided in full. Constant queries."""
    tasks = task_list(
        business=business, category=category, status=status, call=call, q=q, sort=sort
    )
    # A row shows neither the notes nor the energy nor the dates: they stay in the database.
    tasks = tasks.defer("notes", "energy", "created_at", "updated_at")
    sliced = Paginator(tasks, per_page).get_page(page)
    rows = [task_row(task, business) for task in sliced.object_list]
    # The page keeps its paginator (count, page links) and carries the decided rows.
    return Page(rows, sliced.number, sliced.paginator)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Summary:
    """What handing over the tasks called Outsource would do, per month.

    hours and value (the owner's time they free) count every such task still done in-house;
    cost sums the providers' prices where known; `unquoted` counts tasks without one.
    net is the gain on the quoted tasks only (their value minus their cost).
    """

    tasks: int = 0
    hours: Decimal = Decimal(0)
    value: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    unquoted: int = 0
    net: Decimal = Decimal(0)

    @property
    def net_per_year(self) -> Decimal:
        return self.net * 12


def summarise(rows: Iterable[TaskRow]) -> Summary:
    chosen = [r for r in rows if r.active and r.call == OwnerTask.Call.OUTSOURCE]
    quoted = [r for r in chosen if r.task.provider_monthly_cost is not None]
    return Summary(
        tasks=len(chosen),
        hours=sum((r.task.hours_per_month for r in chosen), Decimal(0)),
        value=sum((r.decision.opportunity_cost for r in chosen), Decimal(0)),
        cost=sum((r.task.provider_monthly_cost or Decimal(0) for r in quoted), Decimal(0)),
        unquoted=len(chosen) - len(quoted),
        net=sum((r.decision.net_benefit or Decimal(0) for r in quoted), Decimal(0)),
    )


# What the summaries add up, per group of tasks sharing a status and a call: Django compiles
# these plain sums far quicker than conditional aggregates (FILTER / CASE), and a business has
# at most a few dozen such groups.
GROUP_FIELDS = ("status", "override_call", "suggested_call")
GROUP_SUMS = {
    "n": Count("pk"),
    "quoted": Count("provider_monthly_cost"),
    "hours": Sum("hours_per_month"),
    "value": Sum("opportunity_cost"),
    "cost": Sum("provider_monthly_cost"),
    "net": Sum("net_benefit"),  # None without a provider cost: only quoted tasks add up
}
HOURS_STEP = Decimal("0.1")


class _Totals:
    """Adds up the groups of one business into `summarise`'s figures."""

    __slots__ = (
        "considered",
        "cost",
        "hours",
        "net",
        "quoted",
        "settled",
        "task_count",
        "tasks",
        "value",
    )

    def __init__(self) -> None:
        self.task_count = self.settled = self.tasks = self.quoted = self.considered = 0
        self.hours, self.value, self.cost, self.net = Decimal(0), Decimal(0), Decimal(0), Decimal(0)

    def add(self, group: dict[str, Any]) -> None:
        self.task_count += group["n"]
        if group["status"] in SETTLED_STATUSES:
            self.settled += group["n"]
            return
        call = group["override_call"] or group["suggested_call"]
        if call == OwnerTask.Call.CONSIDER:
            self.considered += group["n"]
        if call != OwnerTask.Call.OUTSOURCE:
            return
        self.tasks += group["n"]
        self.quoted += group["quoted"]
        for name in ("hours", "value", "cost", "net"):
            if group[name] is not None:
                setattr(self, name, getattr(self, name) + scoring.as_decimal(group[name]))

    def lowest_rank_shown(self) -> int:
        """The lowest CALL_ORDER rank among the dashboard's top DASHBOARD_TOP active tasks."""
        if self.tasks >= DASHBOARD_TOP:
            return CALL_ORDER[OwnerTask.Call.OUTSOURCE]
        if self.tasks + self.considered >= DASHBOARD_TOP:
            return CALL_ORDER[OwnerTask.Call.CONSIDER]
        return CALL_ORDER[OwnerTask.Call.KEEP]

    def summary(self) -> Summary:
        return _summary(self.tasks, self.quoted, self.hours, self.value, self.cost, self.net)


def _summary(
    tasks: int,
    quoted: int,
    hours: Decimal | float | None,
    value: Decimal | float | None,
    cost: Decimal | float | None,
    net: Decimal | float | None,
) -> Summary:
    """A Summary from its sums, rounded to the stored columns' steps: SQLite adds decimals as
    floating point."""

    def rounded(total: Decimal | float | None, step: Decimal) -> Decimal:
        return Decimal(0) if total is None else scoring.as_decimal(total).quantize(step)

    return Summary(
        tasks=tasks,
        hours=rounded(hours, HOURS_STEP),
        value=rounded(value, scoring.CENT),
        cost=rounded(cost, scoring.CENT),
        unquoted=tasks - quoted,
        net=rounded(net, scoring.CENT),
    )


# `summarise` in SQL for many businesses: their active tasks whose call that counts is
# Outsource, added up per business (written out for the reason the dashboard's reads are).
# Its WHERE implies the partial index `ownertask_outsource_idx`'s condition: keep them alike.
_OUTSOURCE_SUMS = """
    SELECT business_id, COUNT(*), COUNT(provider_monthly_cost), SUM(hours_per_month),
        SUM(opportunity_cost), SUM(provider_monthly_cost), SUM(net_benefit)
    FROM {tasks}
    WHERE business_id IN ({ids}) AND status NOT IN (%s, %s)
        AND (override_call = 'outsource' OR (override_call = '' AND suggested_call = 'outsource'))
    GROUP BY business_id"""


def outsource_summary_for_businesses(businesses: Iterable[Business]) -> dict[UUID, Summary]:
    """Summary per business id for a portfolio of businesses: one SQL aggregate (grouped by
    business) over the tasks' stored calls and figures, whatever their number. Businesses
    without tasks to outsource get an empty Summary. The figures are `summarise`'s."""
    summaries = {business.pk: Summary() for business in businesses}
    if not summaries:
        return summaries
    business_field = OwnerTask._meta.get_field("business")
    # The ids as the database holds them (SQLite: hex text), to find each row's business.
    by_db_id = {business_field.get_db_prep_value(pk, connection): pk for pk in summaries}
    sql = _OUTSOURCE_SUMS.format(tasks=_TASKS, ids=", ".join(["%s"] * len(by_db_id)))
    settled = [str(status) for status in SETTLED_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*by_db_id, *settled])
        for business_id, *sums in cursor.fetchall():
            pk = by_db_id.get(business_id) or business_field.to_python(business_id)
            summaries[pk] = _summary(*sums)
    return summaries


@dataclass(frozen=True)
class MatrixPoint:
    number: int
    row: TaskRow
    x: float
    y: float

    @property
    def customer_facing(self) -> bool:
        return self.row.task.customer_contact == OwnerTask.CustomerContact.DIRECT


@dataclass(frozen=True)
class Matrix:
    """The delegation matrix's geometry: owner skill (x, 1-5) against opportunity cost (y)."""

    # Drawn in a 480-unit box so that, scaled to a 390px phone, its 18-unit text stays legible.
    width: int = 480
    height: int = 400
    left: int = 80
    right: int = 12
    top: int = 12
    bottom: int = 62
    max_cost: Decimal = Decimal(0)
    points: list[MatrixPoint] = field(default_factory=list)

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def x_ticks(self) -> list[tuple[int, float]]:
        return [(skill, self.skill_x(skill)) for skill in range(1, 6)]

    @property
    def y_ticks(self) -> list[tuple[Decimal, float]]:
        return [(self.max_cost * k / 4, self.cost_y(self.max_cost * k / 4)) for k in range(5)]

    @property
    def mid_x(self) -> float:
        return self.left + self.plot_width / 2

    @property
    def mid_y(self) -> float:
        return self.top + self.plot_height / 2

    def skill_x(self, skill: float) -> float:
        return round(self.left + (skill - 0.5) / 5 * self.plot_width, 1)

    def cost_y(self, cost: Decimal) -> float:
        if self.max_cost <= 0:
            return float(self.top + self.plot_height)
        share = float(cost / self.max_cost)
        return round(self.top + (1 - share) * self.plot_height, 1)


def _nice_ceiling(amount: Decimal) -> Decimal:
    """A round axis maximum at or above `amount` (100, 250, 500, 1,000, 2,500...)."""
    if amount <= 0:
        return Decimal(100)
    step = Decimal(1)
    while True:
        for factor in (1, 2, 5):
            if step * factor * 4 >= amount:
                return step * factor * 4
        step *= 10


MARK_RADIUS = 15


def delegation_matrix(rows: list[TaskRow]) -> Matrix:
    """Place the ranked tasks at (skill, monthly worth). A mark that would cover another moves
    sideways within its skill's column, then up or down a step: the picture stays readable and
    the exact figures are in the table next to it."""
    max_cost = _nice_ceiling(max((r.decision.opportunity_cost for r in rows), default=Decimal(0)))
    matrix = Matrix(max_cost=max_cost)
    step = 2 * MARK_RADIUS + 2
    reach = matrix.plot_width / 10  # a mark's centre stays inside its skill's column
    sideways = [0.0, -step, step, -2 * step, 2 * step]
    sideways = [dx for dx in sideways if abs(dx) <= max(reach, 0)] or [0.0]
    low, high = matrix.top + MARK_RADIUS, matrix.top + matrix.plot_height - MARK_RADIUS
    placed: list[tuple[float, float]] = []
    for number, row in enumerate(rows, start=1):
        x0 = matrix.skill_x(row.task.owner_skill)
        y0 = min(max(matrix.cost_y(row.decision.opportunity_cost), low), high)
        candidates = [
            (x0 + dx, min(max(y0 + dy, low), high))
            for dy in (0.0, -step, step, -2 * step, 2 * step)
            for dx in sideways
        ]
        x, y = next(
            (
                (cx, cy)
                for cx, cy in candidates
                if all((cx - px) ** 2 + (cy - py) ** 2 >= step**2 for px, py in placed)
            ),
            (x0, y0),
        )
        placed.append((x, y))
        matrix.points.append(MatrixPoint(number=number, row=row, x=round(x, 1), y=round(y, 1)))
    return matrix


def _rank_key(row: TaskRow) -> tuple[int, Decimal, Decimal, str]:
    gain = row.decision.net_benefit
    return (
        CALL_ORDER[row.call],
        -(gain if gain is not None else row.decision.opportunity_cost),
        -row.decision.opportunity_cost,
        row.task.name.lower(),
    )


@dataclass(frozen=True)
class Dashboard:
    summary: Summary
    ranked: list[TaskRow]  # the top DASHBOARD_TOP; the inventory page has the rest
    more: int
    settled: list[tuple[str, str]]  # the first settled tasks: (name, status)
    settled_more: int
    matrix: Matrix
    task_count: int

    @property
    def next_step(self) -> TaskRow | None:
        """The task to act on first: the top-ranked one not called Keep."""
        return next((r for r in self.ranked if r.call != OwnerTask.Call.KEEP), None)


# The dashboard lists and draws the top tasks only: its rendering cost stays flat however
# long the inventory grows (the headline still sums every task).
DASHBOARD_TOP = 15


# The dashboard's three reads, written out in SQL (standard: SQLite and PostgreSQL): the page
# is the app's busiest, and Django spends longer compiling these queries than the database
# spends running them. They mirror GROUP_SUMS, `_rank_key` and SETTLED_STATUSES; the tests
# compare the page with deciding every task in full.
_NOT_SETTLED = "status NOT IN (%s, %s)"
_DASHBOARD_GROUPS = f"""
    SELECT status, override_call, suggested_call, COUNT(*), COUNT(provider_monthly_cost),
        SUM(hours_per_month), SUM(opportunity_cost), SUM(provider_monthly_cost), SUM(net_benefit)
    FROM {_TASKS} WHERE business_id = %s
    GROUP BY status, override_call, suggested_call"""  # noqa: S608 — no user input in the text
# What the ranked list shows and decides (the other columns stay deferred: no datetimes).
_RANKED_FIELDS = (
    "id",
    "name",
    "status",
    "override_call",
    "override_reason",
    "hours_per_month",
    "owner_skill",
    "customer_contact",
    "compliance_risk",
    "primary_focus",
    "provider_monthly_cost",
    "suggested_call",
    "opportunity_cost",
    "net_benefit",
)
_RANKED_COLUMNS = ", ".join(_RANKED_FIELDS)  # the field names are the column names
# Decimal columns and their steps: SQLite returns them as int or float.
_RANKED_DECIMALS = {
    "hours_per_month": Decimal("0.1"),
    "provider_monthly_cost": scoring.CENT,
    "opportunity_cost": scoring.CENT,
    "net_benefit": scoring.CENT,
}


def _ranked_task(values: tuple[Any, ...], business: Business) -> OwnerTask:
    """An OwnerTask from one row of _DASHBOARD_RANKED (the other fields deferred), with what
    Django's converters would do for these columns, and its business attached."""
    fields = dict(zip(_RANKED_FIELDS, values, strict=True))
    for name, step in _RANKED_DECIMALS.items():
        value = fields[name]
        if value is not None and not isinstance(value, Decimal):
            fields[name] = scoring.as_decimal(value).quantize(step)
    fields["primary_focus"] = bool(fields["primary_focus"])
    fields["business_id"] = business.pk
    # from_db wants the loaded fields in the model's field order.
    names = [f.attname for f in OwnerTask._meta.concrete_fields if f.attname in fields]
    task = OwnerTask.from_db(connection.alias, names, [fields[name] for name in names])
    task.business = business
    return task


# CALL_RANK: 0 outsource, 1 consider, 2 keep (the call that counts).
_CALL_RANK_SQL = """CASE
    WHEN override_call = 'outsource' OR (override_call = '' AND suggested_call = 'outsource')
        THEN 0
    WHEN override_call = 'consider' OR (override_call = '' AND suggested_call = 'consider')
        THEN 1
    ELSE 2 END"""
# The last parameter but one leaves out the calls ranked below the top's: when fifteen tasks
# are called Outsource, only those are sorted.
_DASHBOARD_RANKED = f"""
    SELECT {_RANKED_COLUMNS} FROM {_TASKS}
    WHERE business_id = %s AND {_NOT_SETTLED} AND {_CALL_RANK_SQL} <= %s
    ORDER BY {_CALL_RANK_SQL}, COALESCE(net_benefit, opportunity_cost) DESC,
        opportunity_cost DESC, LOWER(name), name, id
    LIMIT %s"""  # noqa: S608
_DASHBOARD_SETTLED = f"""
    SELECT name, status FROM {_TASKS} WHERE business_id = %s AND NOT ({_NOT_SETTLED})
    ORDER BY name, id LIMIT %s"""  # noqa: S608


def dashboard_get(*, business: Business) -> Dashboard:
    """The dashboard: the headline summary over every task, the top tasks ranked
    outsource-first by what they save, and their delegation matrix.

    The summary and the counts are one SQL aggregate over the tasks' stored calls and figures
    (grouped by status and call); the ranking is an ORDER BY ... LIMIT (`_rank_key`'s order),
    and only the tasks on show are loaded and decided with their sentence; the settled tasks
    are listed by name. Three queries, whatever the number of tasks."""
    business_id = OwnerTask._meta.get_field("business").get_db_prep_value(business.pk, connection)
    settled = [str(status) for status in SETTLED_STATUSES]
    totals = _Totals()
    with connection.cursor() as cursor:
        cursor.execute(_DASHBOARD_GROUPS, [business_id])
        for group in cursor.fetchall():
            totals.add(dict(zip((*GROUP_FIELDS, *GROUP_SUMS), group, strict=True)))
        cursor.execute(_DASHBOARD_SETTLED, [business_id, *settled, DASHBOARD_TOP])
        settled_shown = [(name, status) for name, status in cursor.fetchall()]
        cursor.execute(
            _DASHBOARD_RANKED, [business_id, *settled, totals.lowest_rank_shown(), DASHBOARD_TOP]
        )
        ranked = [_ranked_task(values, business) for values in cursor.fetchall()]
    shown = [task_row(task, business) for task in ranked]
    return Dashboard(
        summary=totals.summary(),
        ranked=shown,
        more=totals.task_count - totals.settled - len(shown),
        settled=settled_shown,
        settled_more=max(totals.settled - DASHBOARD_TOP, 0),
        matrix=delegation_matrix(shown),
        task_count=totals.task_count,
    )
