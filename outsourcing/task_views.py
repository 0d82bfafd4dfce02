"""The owner's task inventory, the starter checklist, the decision and the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services, task_csv
from .forms import OverrideForm, OwnerTaskForm, StarterFormSet, TaskFilterForm, TaskImportForm
from .fragments import esc
from .models import Business, OwnerTask
from .starter import STARTER_TASKS
from .templatetags import money as money_tags
from .tenancy import business_for
from .types import AuthedRequest

PAGE_SIZE = 25


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data to bind a form to, even when empty (so an empty POST shows errors)."""
    return request.POST if request.method == "POST" else None


def task_url_maker(business: Business) -> Callable[[int], str]:
    """A task's detail link from one reverse() (with pk 0) for the whole page, instead of a
    reverse() per row."""
    url_zero = reverse("outsourcing:task-detail", kwargs={"business_id": business.pk, "pk": 0})
    head, tail = url_zero.rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


# The dashboard's lists reach the template as ready HTML, one fragment per task: through the
# template engine each row's dozen variables and filters cost more than the rest of the page
# together. Every value goes through `esc` (fragments.py). The markup
# is the one the templates had; the strings are the template filters' (money, money0,
# call_css, truncatechars).
FILL = {"outsource": "#198754", "consider": "#ffc107"}
KEEP_FILL = "#0d6efd"


def _ranked_item(row: selectors.TaskRow, url: str, currency: str) -> str:
    reason = (
        "Your reason: " + Truncator(row.task.override_reason).chars(160)
        if row.overridden
        else row.decision.reason
    )
    suggested = (
        f' <span class="small text-body-secondary">(suggested: {esc(row.decision.label)})</span>'
        if row.overridden
        else ""
    )
    caution = (
        f'<div class="small text-warning-emphasis">&#9888; {esc(row.caution)}</div>'
        if row.caution
        else ""
    )
    worth = money_tags.money0(row.decision.opportunity_cost, currency)
    return (
        '<li class="list-group-item d-flex gap-2">\n'
        '  <div class="flex-grow-1 min-w-0">\n'
        '    <div class="d-flex flex-wrap justify-content-between gap-1">'
        f'<a class="fw-semibold" href="{esc(url)}">{esc(row.task.name)}</a>'
        f'<span class="num small">{esc(worth)}/mo</span></div>\n'
        f'    <div><span class="badge call-badge {esc(money_tags.call_css(row.call))}">'
        f"{esc(row.call_label)}</span>{suggested}</div>\n"
        f'    <div class="small text-body-secondary">{esc(reason)}</div>\n'
        f"    {caution}\n"
        "  </div>\n"
        "</li>\n"
    )


def _matrix_mark(p: selectors.MatrixPoint, worth: str) -> str:
    row, facing = p.row, p.customer_facing
    fill = FILL.get(row.call, KEEP_FILL)
    shape = (
        f'<rect x="{round(p.x - 15, 1)}" y="{round(p.y - 15, 1)}" width="30" height="30" '
        f'rx="4" fill="{fill}" stroke="#212529" stroke-width="3"/>'
        if facing
        else f'<circle cx="{p.x}" cy="{p.y}" r="15" fill="{fill}" stroke="#fff" stroke-width="2"/>'
    )
    title = (
        f"{p.number}. {row.task.name}: {row.call_label}; {worth} a month; "
        f"skill {row.task.owner_skill}{'; customer-facing' if facing else ''}"
    )
    text_fill = "#212529" if row.call == "consider" else "#fff"
    return (
        '<g class="matrix-point">\n'
        f"  <title>{esc(title)}</title>\n"
        f"  {shape}\n"
        f'  <text x="{p.x}" y="{p.y}" font-size="16" font-weight="700" text-anchor="middle" '
        f'dominant-baseline="central" fill="{text_fill}">{p.number}</text>\n'
        "</g>\n"
    )


def _matrix_row(p: selectors.MatrixPoint, worth: str) -> str:
    task = p.row.task
    return (
        f'<tr><td>{p.number}</td><th scope="row">{esc(task.name)}</th>'
        f'<td class="num">{task.owner_skill}</td><td class="num">{esc(worth)}</td>'
        f"<td>{esc(p.row.call_label)}</td><td>{'yes' if p.customer_facing else 'no'}</td></tr>"
    )


def _inventory_row(
    row: selectors.TaskRow, url: str, category: str, status: str, currency: str
) -> str:
    """One row of the inventory's table (see the dashboard's fragments above)."""
    task, decision = row.task, row.decision
    badge = (
        f'<span class="badge call-badge {esc(money_tags.call_css(row.call))}">'
        f"{esc(row.call_label)}</span>"
    )
    if row.overridden:
        badge += (
            f' <span class="small text-body-secondary">(suggested: {esc(decision.label)})</span>'
        )
    reason = Truncator(task.override_reason).chars(140) if row.overridden else decision.reason
    caution = (
        f'<div class="small text-warning-emphasis">&#9888; {esc(row.caution)}</div>'
        if row.caution
        else ""
    )
    return (
        "<tr>\n"
        f'  <td><a href="{esc(url)}" class="fw-semibold">{esc(task.name)}</a>\n'
        f'    <div class="small text-body-secondary">{esc(category)} · {esc(status)}</div>\n'
        f'    <div class="d-md-none mt-1">{badge}</div></td>\n'
        f'  <td class="num">{esc(money_tags.hours(task.hours_per_month))}</td>\n'
        f'  <td class="num">{esc(money_tags.money(decision.opportunity_cost, currency))}</td>\n'
        '  <td class="num d-none d-md-table-cell">'
        f"{esc(money_tags.money(task.provider_monthly_cost, currency))}</td>\n"
        '  <td class="num d-none d-md-table-cell">'
        f"{esc(money_tags.money(decision.net_benefit, currency))}</td>\n"
        f'  <td class="d-none d-md-table-cell">{badge}\n'
        f'    <div class="small text-body-secondary reason">{esc(reason)}</div>\n'
        f"    {caution}\n"
        "  </td>\n"
        "</tr>\n"
    )


# The inventory's sortable columns: (column, header, the sort a first click asks for, class).
SORT_COLUMNS = (
    ("name", "Task", "name", ""),
    ("hours", "Hours / month", "-hours", "num"),
    ("cost", "Opportunity cost", "-cost", "num"),
    ("call", "Call", "call", "d-none d-md-table-cell"),
)


def sort_headers(query: QueryDict, sort: str) -> dict[str, SafeString]:
    """Each sortable column's <th>: a link that sorts by it (again: the other way), keeping the
    filters and dropping the page, as `{% querystring sort=... page=None %}` would."""
    headers = {}
    for column, label, first, css in SORT_COLUMNS:
        desc = "-" + column
        target = desc if sort == column else column if sort == desc else first
        params = query.copy()
        params["sort"] = target
        params.pop("page", None)
        aria, arrow = (
            ("ascending", ' <span aria-hidden="true">&#9650;</span>')
            if sort == column
            else ("descending", ' <span aria-hidden="true">&#9660;</span>')
            if sort == desc
            else ("none", "")
        )
        headers[column] = mark_safe(  # noqa: S308 — the only variable parts are escaped
            f'<th scope="col" class="{css}" aria-sort="{aria}"><a class="sort-link" '
            f'href="{esc("?" + params.urlencode())}">{esc(label)}{arrow}</a></th>'
        )
    return headers


def filter_selects(form: TaskFilterForm) -> list[dict[str, str]]:
    """The filter form's drop-downs with their options as HTML (the chosen one selected)."""
    selects = []
    for field in form:
        if field.name == "q":
            continue
        current = str(field.value())
        options = "".join(
            f'<option value="{esc(value)}"{" selected" if current == str(value) else ""}>'
            f"{esc(label)}</option>"
            for value, label in field.field.choices  # type: ignore[attr-defined]
        )
        selects.append(
            {
                "name": field.html_name,
                "id": field.id_for_label,
                "label": str(field.label),
                "options": mark_safe(options),  # noqa: S308 — escaped above
            }
        )
    return selects


def matrix_frame(matrix: selectors.Matrix) -> dict[str, str]:
    """The matrix's axes and guides as ready numbers (the template did this sum by sum with
    the add filter), and its tick labels as HTML."""
    right = matrix.left + matrix.plot_width
    bottom = matrix.top + matrix.plot_height
    y_ticks = "".join(
        f'<text x="{matrix.left - 8}" y="{y}" font-size="18" fill="#343a40" text-anchor="end" '
        f'dominant-baseline="middle">{esc(money_tags.compact(value))}</text>\n'
        for value, y in matrix.y_ticks
    )
    x_ticks = "".join(
        f'<text x="{x}" y="{bottom + 24}" font-size="18" fill="#343a40" '
        f'text-anchor="middle">{skill}</text>\n'
        for skill, x in matrix.x_ticks
    )
    return {
        "width": str(matrix.width),
        "height": str(matrix.height),
        "left": str(matrix.left),
        "top": str(matrix.top),
        "plot_width": str(matrix.plot_width),
        "plot_height": str(matrix.plot_height),
        "half_width": str(round(matrix.plot_width / 2)),
        "half_height": str(round(matrix.plot_height / 2)),
        "mid_x": str(matrix.mid_x),
        "mid_y": str(matrix.mid_y),
        "right": str(right),
        "bottom": str(bottom),
        "label_x": str(matrix.left + 8),
        "label_y": str(matrix.top + 24),
        "strengths_x": str(right - 8),
        "axis_y": str(matrix.height - 8),
        "ticks": mark_safe(y_ticks + x_ticks),  # noqa: S308 — numbers and escaped labels
    }


def dashboard_html(dashboard: selectors.Dashboard, business: Business) -> dict[str, object]:
    """The ranked list's items, the matrix's marks and the matrix table's rows, as HTML."""
    url = task_url_maker(business)
    currency = business.currency
    ranked = [_ranked_item(row, url(row.task.pk), currency) for row in dashboard.ranked]
    marks, table = [], []
    for p in dashboard.matrix.points:
        worth = money_tags.money(p.row.decision.opportunity_cost, currency)
        marks.append(_matrix_mark(p, worth))
        table.append(_matrix_row(p, worth))
    return {
        "ranked_html": mark_safe("".join(ranked)),  # noqa: S308 — escaped piece by piece
        "marks_html": mark_safe("".join(marks)),  # noqa: S308
        "matrix_rows_html": mark_safe("".join(table)),  # noqa: S308
        "frame": matrix_frame(dashboard.matrix),
    }


@login_required
@require_GET
def dashboard_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    dashboard = selectors.dashboard_get(business=business)
    statuses = {value: str(label).lower() for value, label in OwnerTask.Status.choices}
    return render(
        request,
        "outsourcing/dashboard.html",
        {
            "business": business,
            "dashboard": dashboard,
            "summary": dashboard.summary,
            "settled": [(name, statuses.get(status, status)) for name, status in dashboard.settled],
            **dashboard_html(dashboard, business),
        },
    )


@login_required
@require_GET
def task_list_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    filter_form = TaskFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {}
    page = selectors.task_page(
        business=business, page=request.GET.get("page"), per_page=PAGE_SIZE, **filters
    )
    # Per row: its link from one reverse() for the page and its labels from one lookup table
    # each (not a reverse() and two get_FOO_display() per row), then the row as HTML.
    url = task_url_maker(business)
    categories = {value: str(label) for value, label in OwnerTask.Category.choices}
    statuses = {value: str(label) for value, label in OwnerTask.Status.choices}
    rows = mark_safe(  # noqa: S308 — escaped piece by piece in _inventory_row
        "".join(
            _inventory_row(
                row,
                url(row.task.pk),
                categories.get(row.task.category, row.task.category),
                statuses.get(row.task.status, row.task.status),
                business.currency,
            )
            for row in page.object_list
        )
    )
    return render(
        request,
        "outsourcing/ownertask_list.html",
        {
            "business": business,
            "page": page,
            "rows_html": rows,
            "filter_form": filter_form,
            "filter_selects": filter_selects(filter_form),
            "sort_th": sort_headers(request.GET, filters.get("sort") or "name"),
            "sort": filters.get("sort") or "name",
            "filtered": any(v for k, v in filters.items() if k != "sort"),
            "has_tasks": page.paginator.count > 0
            or OwnerTask.objects.for_business(business).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_create_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    form = OwnerTaskForm(posted(request))
    if request.method == "POST" and form.is_valid():
        task = services.task_create(business=business, actor=request.user, **form.cleaned_data)
        messages.success(request, _("“%(name)s” added.") % {"name": task.name})
        return redirect(task)
    return render(request, "outsourcing/ownertask_form.html", {"business": business, "form": form})


@login_required
@require_GET
def task_detail_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    task = selectors.task_get(business=business, pk=pk)
    row = selectors.task_row(task, business)
    return render(
        request,
        "outsourcing/ownertask_detail.html",
        {
            "business": business,
            "task": task,
            "row": row,
            "override_form": OverrideForm(instance=task),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_edit_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    task = selectors.task_get(business=business, pk=pk)
    form = OwnerTaskForm(posted(request), instance=task)
    if request.method == "POST" and form.is_valid():
        services.task_update(task=task, actor=request.user, **form.cleaned_data)
        messages.success(request, _("“%(name)s” saved.") % {"name": task.name})
        return redirect(task)
    return render(
        request,
        "outsourcing/ownertask_form.html",
        {"business": business, "form": form, "task": task},
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_delete_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    task = selectors.task_get(business=business, pk=pk)
    if request.method == "POST":
        name = task.name
        services.task_delete(task=task, actor=request.user)
        messages.success(request, _("“%(name)s” deleted.") % {"name": name})
        return redirect("outsourcing:task-list", business_id=business.pk)
    return render(
        request, "outsourcing/ownertask_confirm_delete.html", {"business": business, "task": task}
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_override_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    task = selectors.task_get(business=business, pk=pk)
    form = OverrideForm(posted(request), instance=task)
    if request.method == "POST" and form.is_valid():
        services.task_override(
            task=task,
            actor=request.user,
            call=form.cleaned_data["override_call"],
            reason=form.cleaned_data["override_reason"],
        )
        if task.override_call:
            messages.success(request, _("Your call is saved, with your reason."))
        else:
            messages.success(request, _("Back to the suggested call."))
        return redirect(task)
    # The form was bound to the instance: re-read it so the page shows what is saved.
    task.refresh_from_db()
    return render(
        request,
        "outsourcing/ownertask_override.html",
        {
            "business": business,
            "task": task,
            "row": selectors.task_row(task, business),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_starter_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    """'What fills your week?': tick common tasks, adjust their hours, create them at once."""
    business = business_for(request, business_id, write=True)
    have = {
        name.lower()
        for name in OwnerTask.objects.for_business(business).values_list("name", flat=True)
    }
    initial = [
        {"key": s.key, "selected": False, "hours_per_month": s.hours_per_month}
        for s in STARTER_TASKS
    ]
    formset = StarterFormSet(posted(request), initial=initial, prefix="starter")
    if request.method == "POST" and formset.is_valid():
        picks: dict[str, Decimal] = {
            form.cleaned_data["key"]: form.cleaned_data["hours_per_month"]
            for form in formset
            if form.cleaned_data.get("selected")
        }
        if not picks:
            messages.info(request, _("Nothing ticked: add tasks whenever you are ready."))
            return redirect(business)
        created = services.tasks_create_from_starter(
            business=business, actor=request.user, picks=picks
        )
        messages.success(
            request,
            _("%(count)d tasks added. Here is what to keep and what to hand over.")
            % {"count": len(created)},
        )
        return redirect(business)
    if len(formset.forms) != len(STARTER_TASKS):
        # A tampered or truncated post (no management form, wrong form count): start over.
        messages.error(request, _("The checklist arrived incomplete: tick your tasks again."))
        formset = StarterFormSet(initial=initial, prefix="starter")
    rows = [
        (form, starter, starter.name.lower() in have)
        for form, starter in zip(formset.forms, STARTER_TASKS, strict=True)
    ]
    return render(
        request,
        "outsourcing/ownertask_starter.html",
        {"business": business, "formset": formset, "rows": rows},
    )


@login_required
@require_GET
def task_export_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    rows = selectors.task_rows(business=business)
    stamp = timezone.localdate(timezone=business.tzinfo).isoformat()
    filename = f"tasks-{slugify(business.name) or 'business'}-{stamp}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # lets spreadsheet programs detect UTF-8
    task_csv.export_csv(rows, response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def task_import_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    form = (
        TaskImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else TaskImportForm()
    )
    result = None
    if request.method == "POST" and form.is_valid():
        result = task_csv.parse_import(form.cleaned_data["file"])
        if result.ok:
            created = services.tasks_import(business=business, actor=request.user, rows=result.rows)
            messages.success(request, _("%(count)d tasks imported.") % {"count": len(created)})
            return redirect("outsourcing:task-list", business_id=business.pk)
        if result.file_error:
            form.add_error("file", result.file_error)
    return render(
        request,
        "outsourcing/ownertask_import.html",
        {
            "business": business,
            "form": form,
            "result": result,
            "columns": task_csv.COLUMNS,
            "choices": {
                column: [value for value, _label in enum.choices]
                for column, enum in task_csv.CHOICE_COLUMNS.items()
            },
        },
    )
