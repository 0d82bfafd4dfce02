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
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services, task_csv
from .forms import OverrideForm, OwnerTaskForm, StarterFormSet, TaskFilterForm, TaskImportForm
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


# The dashboard's lists reach the template as ready HTML, one fragment per task, built with
# format_html (every value escaped): through the template engine each row's dozen variables and
# filters cost more than the rest of the page together. The markup is the one the templates
# had; the strings are the template filters' (money, money0, call_css, truncatechars).
FILL = {"outsource": "#198754", "consider": "#ffc107"}
KEEP_FILL = "#0d6efd"

RANKED_ITEM = (
    '<li class="list-group-item d-flex gap-2">\n'
    '  <div class="flex-grow-1 min-w-0">\n'
    '    <div class="d-flex flex-wrap justify-content-between gap-1">'
    '<a class="fw-semibold" href="{url}">{name}</a>'
    '<span class="num small">{worth}/mo</span></div>\n'
    '    <div><span class="badge call-badge {css}">{label}</span>{suggested}</div>\n'
    '    <div class="small text-body-secondary">{reason}</div>\n'
    "    {caution}\n"
    "  </div>\n"
    "</li>\n"
)
SUGGESTED = ' <span class="small text-body-secondary">(suggested: {})</span>'
CAUTION = '<div class="small text-warning-emphasis">&#9888; {}</div>'
MARK = (
    '<g class="matrix-point">\n'
    "  <title>{title}</title>\n"
    "  {shape}\n"
    '  <text x="{x}" y="{y}" font-size="16" font-weight="700" text-anchor="middle" '
    'dominant-baseline="central" fill="{text_fill}">{number}</text>\n'
    "</g>\n"
)
SQUARE = (
    '<rect x="{}" y="{}" width="30" height="30" rx="4" fill="{}" stroke="#212529" '
    'stroke-width="3"/>'
)
CIRCLE = '<circle cx="{}" cy="{}" r="15" fill="{}" stroke="#fff" stroke-width="2"/>'
MATRIX_ROW = (
    '<tr><td>{}</td><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td>'
    "<td>{}</td><td>{}</td></tr>"
)


def _ranked_item(row: selectors.TaskRow, url: str, currency: str) -> SafeString:
    reason = (
        "Your reason: " + Truncator(row.task.override_reason).chars(160)
        if row.overridden
        else row.decision.reason
    )
    return format_html(
        RANKED_ITEM,
        url=url,
        name=row.task.name,
        worth=money_tags.money0(row.decision.opportunity_cost, currency),
        css=money_tags.call_css(row.call),
        label=row.call_label,
        suggested=format_html(SUGGESTED, row.decision.label) if row.overridden else "",
        reason=reason,
        caution=format_html(CAUTION, row.caution) if row.caution else "",
    )


def _matrix_mark(p: selectors.MatrixPoint, worth: str) -> SafeString:
    row, facing = p.row, p.customer_facing
    fill = FILL.get(row.call, KEEP_FILL)
    shape = (
        format_html(SQUARE, round(p.x - 15, 1), round(p.y - 15, 1), fill)
        if facing
        else format_html(CIRCLE, p.x, p.y, fill)
    )
    return format_html(
        MARK,
        title=f"{p.number}. {row.task.name}: {row.call_label}; {worth} a month; "
        f"skill {row.task.owner_skill}{'; customer-facing' if facing else ''}",
        shape=shape,
        x=p.x,
        y=p.y,
        text_fill="#212529" if row.call == "consider" else "#fff",
        number=p.number,
    )


def dashboard_html(dashboard: selectors.Dashboard, business: Business) -> dict[str, SafeString]:
    """The ranked list's items, the matrix's marks and the matrix table's rows, as HTML."""
    url = task_url_maker(business)
    currency = business.currency
    ranked = [_ranked_item(row, url(row.task.pk), currency) for row in dashboard.ranked]
    marks, table = [], []
    for p in dashboard.matrix.points:
        row = p.row
        worth = money_tags.money(row.decision.opportunity_cost, currency)
        marks.append(_matrix_mark(p, worth))
        table.append(
            format_html(
                MATRIX_ROW,
                p.number,
                row.task.name,
                row.task.owner_skill,
                worth,
                row.call_label,
                "yes" if p.customer_facing else "no",
            )
        )
    return {
        "ranked_html": SafeString("".join(ranked)),
        "marks_html": SafeString("".join(marks)),
        "matrix_rows_html": SafeString("".join(table)),
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
    # Per row: its link from one reverse() (with pk 0), and its category and status labels
    # from one lookup table each, instead of a reverse() and two get_FOO_display() per row.
    url_zero = reverse("outsourcing:task-detail", kwargs={"business_id": business.pk, "pk": 0})
    head, tail = url_zero.rsplit("/0/", 1)
    categories = {value: str(label) for value, label in OwnerTask.Category.choices}
    statuses = {value: str(label) for value, label in OwnerTask.Status.choices}
    rows = [
        (
            row,
            f"{head}/{row.task.pk}/{tail}",
            categories.get(row.task.category, row.task.category),
            statuses.get(row.task.status, row.task.status),
        )
        for row in page.object_list
    ]
    return render(
        request,
        "outsourcing/ownertask_list.html",
        {
            "business": business,
            "page": page,
            "rows": rows,
            "filter_form": filter_form,
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
