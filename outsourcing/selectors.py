"""Reads for the core app's pages. Everything is scoped by business first.

The call on each task comes from `scoring.decide`, in Python, so the rules live in one place.
A business's inventory is loaded in one query and decided, filtered and sorted in memory: an
inventory is tens of rows, rarely hundreds, and the page's query count stays constant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
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


def figures(task: OwnerTask) -> scoring.TaskFigures:
    return scoring.TaskFigures(
        hours_per_month=task.hours_per_month,
        owner_skill=task.owner_skill,
        customer_contact=task.customer_contact,
        compliance_risk=task.compliance_risk,
        primary_focus=task.primary_focus,
        provider_monthly_cost=task.provider_monthly_cost,
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


def _sort_key(sort: str) -> Callable[[TaskRow], tuple[Any, ...]]:
    column = sort.lstrip("-")
    if column == "hours":
        return lambda r: (r.task.hours_per_month, r.task.name.lower())
    if column == "cost":
        return lambda r: (r.decision.opportunity_cost, r.task.name.lower())
    if column == "call":
        return lambda r: (CALL_ORDER[r.call], -(r.decision.net_benefit or 0), r.task.name.lower())
    return lambda r: (r.task.name.lower(), r.task.pk)


def _filtered(
    business: Business, *, category: str = "", status: str = "", q: str = ""
) -> QuerySet[OwnerTask]:
    tasks = OwnerTask.objects.for_business(business)
    if category:
        tasks = tasks.filter(category=category)
    if status:
        tasks = tasks.filter(status=status)
    if q:
        tasks = tasks.filter(Q(name__icontains=q) | Q(notes__icontains=q))
    return tasks


def task_list(
    *,
    business: Business,
    category: str = "",
    status: str = "",
    call: str = "",
    q: str = "",
    sort: str = "name",
) -> list[TaskRow]:
    """Every task matching the filters (category, status, call, text), decided and sorted by
    `sort` (name, hours, cost, call; a leading '-' reverses)."""
    tasks = _filtered(business, category=category, status=status, q=q)
    rows = [task_row(task, business) for task in tasks]
    if call:
        rows = [row for row in rows if row.call == call]
    rows.sort(key=_sort_key(sort or "name"), reverse=(sort or "").startswith("-"))
    return rows


# Within one business the opportunity cost is hours x one hourly value: it sorts like hours.
SQL_SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Lower("name"), "pk"),
    "hours": ("hours_per_month", Lower("name"), "pk"),
    "cost": ("hours_per_month", Lower("name"), "pk"),
}


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
    """One page of the inventory, as TaskRows. Sorting by a column (name, hours, cost) runs in
    SQL and only the page's tasks are decided; filtering or sorting by the call needs every
    task decided first, so those go through `task_list`. Constant queries either way."""
    sort = sort or "name"
    column, descending = sort.lstrip("-"), sort.startswith("-")
    if call or column not in SQL_SORTS:
        rows = task_list(
            business=business, category=category, status=status, call=call, q=q, sort=sort
        )
        return Paginator(rows, per_page).get_page(page)
    order = [
        (key.desc() if descending else key.asc())
        if not isinstance(key, str)
        else ("-" + key if descending else key)
        for key in SQL_SORTS[column]
    ]
    tasks = _filtered(business, category=category, status=status, q=q).order_by(*order)
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


SUMMARY_FIELDS = (
    "business_id",
    "hours_per_month",
    "owner_skill",
    "customer_contact",
    "compliance_risk",
    "primary_focus",
    "provider_monthly_cost",
    "override_call",
)


class _SummaryTotals:
    """Adds up `summarise`'s figures from bare scoring fields (no model instance, no
    sentence): for summaries over many tasks."""

    __slots__ = ("cost", "hours", "net", "tasks", "unquoted", "value")

    def __init__(self) -> None:
        self.tasks, self.unquoted = 0, 0
        self.hours, self.value, self.cost, self.net = Decimal(0), Decimal(0), Decimal(0), Decimal(0)

    def add(
        self, hours: Decimal, worth: Decimal, cost: Decimal | None, gain: Decimal | None
    ) -> None:
        """One active task whose call that counts is Outsource, worth `worth` a month, with
        `gain` = scoring.net_benefit(worth, cost)."""
        self.tasks += 1
        self.hours += hours
        self.value += worth
        if cost is None:
            self.unquoted += 1
        else:
            self.cost += cost
            self.net += gain or Decimal(0)

    def summary(self) -> Summary:
        return Summary(
            tasks=self.tasks,
            hours=self.hours,
            value=self.value,
            cost=self.cost,
            unquoted=self.unquoted,
            net=self.net,
        )


def outsource_summary_for_businesses(businesses: Iterable[Business]) -> dict[UUID, Summary]:
    """Summary per business id for a portfolio of businesses, in one query whatever their
    number. Businesses without tasks get an empty Summary.

    Reads only the scoring fields (no model instances) and asks the rules for the call alone,
    so a portfolio with thousands of tasks stays quick; the figures are `summarise`'s.
    """
    by_id = {business.pk: business for business in businesses}
    totals = {pk: _SummaryTotals() for pk in by_id}
    tasks = (
        OwnerTask.objects.filter(business_id__in=list(by_id))
        .exclude(status__in=SETTLED_STATUSES)
        .values_list(*SUMMARY_FIELDS)
    )
    for business_id, hours, skill, contact, risk, focus, cost, override in tasks:
        hourly = by_id[business_id].hourly_value
        figures = scoring.TaskFigures(hours, skill, contact, risk, focus, cost)
        if (override or scoring.call_for(figures, hourly)) != OwnerTask.Call.OUTSOURCE:
            continue
        worth = scoring.opportunity_cost(hours, hourly)
        totals[business_id].add(hours, worth, cost, scoring.net_benefit(worth, cost))
    return {pk: total.summary() for pk, total in totals.items()}


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
    settled: list[TaskRow]
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


def dashboard_get(*, business: Business) -> Dashboard:
    """The dashboard: the headline summary over every task, the top tasks ranked
    outsource-first by what they save, and their delegation matrix.

    Every task is read as bare scoring fields (one query) for the summary and the ranking;
    only the tasks on show are loaded whole and decided with their sentence (one more query),
    so the page's cost grows little with the inventory."""
    hourly = business.hourly_value
    totals = _SummaryTotals()
    ranking: list[tuple[tuple[int, Decimal, Decimal, str], int]] = []
    settled_pks: list[int] = []
    fields = ("pk", "name", "status", *SUMMARY_FIELDS[1:])
    light = OwnerTask.objects.for_business(business).order_by("name", "pk").values_list(*fields)
    task_count = 0
    for pk, name, status, hours, skill, contact, risk, focus, cost, override in light:
        task_count += 1
        if status in SETTLED_STATUSES:
            settled_pks.append(pk)
            continue
        worth = scoring.opportunity_cost(hours, hourly)
        gain = scoring.net_benefit(worth, cost)
        # scoring.call_for's body, reusing this worth and gain instead of working them out again
        call = (
            override
            or scoring.CALL_OF_RULE[
                scoring.rule_for(
                    scoring.TaskFigures(hours, skill, contact, risk, focus, cost), gain
                )
            ]
        )
        if call == OwnerTask.Call.OUTSOURCE:
            totals.add(hours, worth, cost, gain)
        # _rank_key's order, from the same figures (sorted() is stable: name, pk break ties)
        key = (CALL_ORDER[call], -(gain if gain is not None else worth), -worth, name.lower())
        ranking.append((key, pk))
    ranking.sort(key=lambda item: item[0])
    shown_pks = [pk for _key, pk in ranking[:DASHBOARD_TOP]]
    settled_shown = settled_pks[:DASHBOARD_TOP]
    wanted = shown_pks + settled_shown
    by_pk = (
        {t.pk: t for t in OwnerTask.objects.for_business(business).filter(pk__in=wanted)}
        if wanted
        else {}
    )
    shown = [task_row(by_pk[pk], business) for pk in shown_pks if pk in by_pk]
    return Dashboard(
        summary=totals.summary(),
        ranked=shown,
        more=len(ranking) - len(shown),
        settled=[task_row(by_pk[pk], business) for pk in settled_shown if pk in by_pk],
        settled_more=max(len(settled_pks) - DASHBOARD_TOP, 0),
        matrix=delegation_matrix(shown),
        task_count=task_count,
    )
