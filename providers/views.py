"""Thin views: resolve the business (404 unless a member), parse input, call a service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from outsourcing.fragments import esc
from outsourcing.models import OwnerTask
from outsourcing.tenancy import business_for
from outsourcing.types import AuthedRequest

from . import fit, selectors, services
from .forms import (
    AssessForm,
    CandidateAddForm,
    CandidateEditForm,
    DutyFormSet,
    EngagementEndForm,
    EngagementForm,
    EngagementReplaceForm,
    JobForm,
    PrivateProviderForm,
    ProviderFilterForm,
    ReferenceAnswerForm,
    ReferenceForm,
    RequirementFormSet,
    TemplateCopyForm,
    duty_inputs,
    requirement_inputs,
)
from .models import Engagement, JobDescription, ReferenceCheck
from .templatetags.providers_tags import money

PAGE_SIZE = 25


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _is_number(text: str) -> bool:
    """Digits that int() and the database read as the number shown: ASCII only. ("²" and other
    Unicode digits pass str.isdigit() but int() refuses them.)"""
    return text.isascii() and text.isdigit()


# --- catalog ----------------------------------------------------------------------------------


@login_required
def provider_list_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    form = ProviderFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"],
            "category": data["category"].pk if data["category"] else None,
            "expertise": data["expertise"].pk if data["expertise"] else None,
            "local_only": data["local"],
            "private_only": data["private"],
        }
    providers = selectors.provider_list(business=business, **filters)
    sort = request.GET.get("sort", "name")
    providers = providers.order_by(
        *{
            "name": ("name", "pk"),
            "-packages": ("-n_packages", "name", "pk"),
            "city": ("city", "name", "pk"),
        }.get(sort, ("name", "pk"))
    )
    return render(
        request,
        "providers/provider_list.html",
        {
            "business": business,
            "form": form,
            "page": _page(request, providers),
            "query": _query_without_page(request),
            "sort": sort,
            "jobs": list(JobDescription.objects.for_business(business).only("pk", "title")),
        },
    )


@login_required
def provider_detail_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    provider = selectors.provider_get(business=business, pk=pk)
    jobs = list(JobDescription.objects.for_business(business).only("pk", "title"))
    shortlisted = set(
        provider.candidacies.filter(job__business=business).values_list("job_id", flat=True)
    )
    return render(
        request,
        "providers/provider_detail.html",
        {
            "business": business,
            "provider": provider,
            "packages": list(provider.packages.all()),
            "jobs": [j for j in jobs if j.pk not in shortlisted],
            "shortlisted_jobs": [j for j in jobs if j.pk in shortlisted],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider_create_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    form = PrivateProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        provider = services.provider_create_private(business=business, actor=request.user, **data)
        messages.success(request, f"{provider.name} is saved as your own provider.")
        next_job = request.GET.get("job", "")
        if (
            _is_number(next_job)
            and JobDescription.objects.for_business(business).filter(pk=next_job).exists()
        ):
            return redirect(
                reverse("providers:candidate-add", args=[business.pk, int(next_job)])
                + f"?provider={provider.pk}"
            )
        return redirect("providers:provider-detail", business.pk, provider.pk)
    return render(
        request,
        "providers/provider_form.html",
        {"business": business, "form": form, "provider": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider_edit_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    provider = selectors.private_provider_get(business=business, pk=pk)
    form = PrivateProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        services.provider_update_private(provider=provider, actor=request.user, **form.cleaned_data)
        messages.success(request, "Provider saved.")
        return redirect("providers:provider-detail", business.pk, provider.pk)
    return render(
        request,
        "providers/provider_form.html",
        {"business": business, "form": form, "provider": provider},
    )


# --- job descriptions ---------------------------------------------------------------------------


@login_required
def job_list_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    q = request.GET.get("q", "")[:100]
    sort = request.GET.get("sort", "title")
    jobs = selectors.job_list(business=business, q=q, order=sort)
    return render(
        request,
        "providers/job_list.html",
        {
            "business": business,
            "page": _page(request, jobs),
            "q": q,
            "sort": sort,
            "query": _query_without_page(request),
        },
    )


def _job_form_page(
    request: AuthedRequest, business: Any, job: JobDescription | None
) -> HttpResponse:
    instance = job or JobDescription(business=business)
    initial: dict[str, Any] = {}
    task_id = request.GET.get("task", "")
    if job is None and _is_number(task_id):
        task = OwnerTask.objects.for_business(business).filter(pk=task_id).first()
        if task is not None:
            initial = {"title": task.name, "tasks": [task.pk]}
    data = request.POST.copy() if request.method == "POST" else None
    # "Add a duty" / "Add expertise" without JavaScript: the same page with one more row.
    adding = ""
    if data is not None:
        for button, prefix in (("more_duties", "duties"), ("more_expertise", "expertise")):
            if button in data:
                adding = prefix
                key = f"{prefix}-TOTAL_FORMS"
                count = data.get(key, "0")
                data[key] = str(min(int(count) if _is_number(count) else 0, 59) + 1)
    form = JobForm(data, instance=instance, initial=initial, business=business)
    duties = DutyFormSet(data, instance=instance, prefix="duties")
    requirements = RequirementFormSet(data, instance=instance, prefix="expertise")
    if (
        data is not None
        and not adding
        and form.is_valid()
        and duties.is_valid()
        and requirements.is_valid()
    ):
        fields = {k: form.cleaned_data[k] for k in ("title", "category", "goals", "monthly_budget")}
        try:
            if job is None:
                job = services.job_create(
                    business=business,
                    actor=request.user,
                    tasks=form.cleaned_data["tasks"],
                    duties=duty_inputs(duties),
                    requirements=requirement_inputs(requirements),
                    **fields,
                )
                messages.success(request, "Job description saved. Next: shortlist providers.")
            else:
                services.job_update(
                    job=job,
                    actor=request.user,
                    tasks=form.cleaned_data["tasks"],
                    duties=duty_inputs(duties),
                    requirements=requirement_inputs(requirements),
                    **fields,
                )
                messages.success(request, "Job description saved.")
            return redirect(job)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
    return render(
        request,
        "providers/job_form.html",
        {
            "business": business,
            "job": job,
            "form": form,
            "duties": duties,
            "requirements": requirements,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def job_create_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    return _job_form_page(request, business, None)


@login_required
@require_http_methods(["GET", "POST"])
def job_edit_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    job = selectors.job_get(business=business, pk=pk)
    return _job_form_page(request, business, job)


@login_required
def job_detail_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    job = selectors.job_get(business=business, pk=pk)
    rows = selectors.job_comparison(job=job)
    return render(
        request,
        "providers/job_detail.html",
        {
            "business": business,
            "job": job,
            "duties": list(job.duties.all()),
            "requirements": list(job.requirements.all()),
            "tasks": list(job.tasks.all()),
            "rows": rows,
            "opportunity_cost": selectors.job_opportunity_cost(job=job),
            "engagements": list(selectors.engagement_list(business=business).filter(job=job)),
        },
    )


@login_required
def job_print_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    job = selectors.job_get(business=business, pk=pk)
    return render(
        request,
        "providers/job_print.html",
        {
            "business": business,
            "job": job,
            "duties": list(job.duties.all()),
            "requirements": list(job.requirements.all()),
            "printed_on": timezone.localdate(timezone=business.tzinfo),
        },
    )


@login_required
@require_POST
def job_save_template_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    job = selectors.job_get(business=business, pk=pk)
    template = services.template_create_from_job(job=job, actor=request.user)
    messages.success(request, f"“{template.title}” is in your library of templates.")
    return redirect(template)


# The compare table reaches the template as ready HTML, one fragment per candidate: through
# the template engine its thirty-odd variables and filters per row cost more than the
# page's own queries. Every value goes through `esc` (fragments.py);
# the markup is the one the template had, numbers print as they did there.


def _compare_row(row: selectors.CompareRow, *, first: bool, can_hire: bool, currency: str) -> str:
    f = row.fit
    local = (
        '<span class="badge text-bg-success" title="Local small business">'
        "Local small business</span>"
        if f.is_local_small_business
        else ""
    )
    offer = esc(row.package_name) if row.package_name is not None else "quote"
    notes = "".join(f" · {esc(n)}" for n in f.notes)
    lacking = (
        f'<div class="small text-danger">lacks {f.must_expertise_lacking} must</div>'
        if f.must_expertise_lacking
        else ""
    )
    score = f"{f.reference_score} / 5" if f.reference_score is not None else "—"
    rehire = f", {f.would_hire_again} would rehire" if f.references_answered else ""
    extras = (
        '<div class="small text-body-secondary">'
        f"incl. {esc(money(f.extra_costs, currency))} extras</div>"
        if f.extra_costs
        else ""
    )
    negative = "text-danger" if f.net_benefit is not None and f.net_benefit < 0 else ""
    if row.is_hired:
        action = '<span class="badge text-bg-success">Hired</span>'
    elif can_hire:
        style = "btn-primary" if first else "btn-outline-primary"
        action = f'<a class="btn {style} btn-sm" href="{esc(row.hire_url)}">Hire</a>'
    else:
        action = ""
    return (
        '<tr data-testid="compare-row">\n'
        f'    <td><span class="fw-semibold">{f.rank}.</span> '
        f'<a href="{esc(row.url)}">{esc(row.provider_name)}</a>\n'
        f"      {local}\n"
        f'      <div class="small text-body-secondary">{offer}{notes}</div></td>\n'
        f'    <td class="num"><strong>{f.must_covered_pct}%</strong>'
        f'<div class="small text-body-secondary">{f.must_covered} of {f.must_total}</div></td>\n'
        f'    <td class="num">{f.nice_covered} / {f.nice_total}</td>\n'
        f'    <td class="num">{f.expertise_met} / {f.expertise_total}{lacking}</td>\n'
        f'    <td class="num">{score}<div class="small text-body-secondary">'
        f"{f.references_answered} answered{rehire}</div></td>\n"
        f'    <td class="num">{esc(money(f.monthly_cost, currency))}{extras}</td>\n'
        f'    <td class="num {negative}">{esc(money(f.net_benefit, currency))}</td>\n'
        f"    <td>{action}</td>\n"
        "  </tr>\n"
    )


@login_required
def job_compare_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    comparison = selectors.job_compare_get(business=business, pk=pk)
    rows = comparison.rows
    currency = business.currency
    can_hire = not any(r.is_hired for r in rows) and request.membership.can_edit  # type: ignore[attr-defined]
    table = mark_safe(  # noqa: S308 — escaped piece by piece in _compare_row
        "".join(
            _compare_row(row, first=i == 0, can_hire=can_hire, currency=currency)
            for i, row in enumerate(rows)
        )
    )
    per_duty = "; ".join(
        f"{esc(r.provider_name)} {esc(money(r.fit.cost_per_covered_duty, currency))}" for r in rows
    )
    return render(
        request,
        "providers/job_compare.html",
        {
            "business": business,
            "job": comparison.job,
            "rows": rows,
            "rows_html": table,
            "cost_per_duty_html": mark_safe(per_duty),  # noqa: S308 — escaped above
            "fit_rule": fit.FIT_RULE,
            "opportunity_cost": comparison.opportunity_cost,
        },
    )


# --- shortlist -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def candidate_add_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    job = selectors.job_get(business=business, pk=pk)
    initial = {
        k: request.GET[k] for k in ("provider", "package") if _is_number(request.GET.get(k, ""))
    }
    form = CandidateAddForm(request.POST or None, initial=initial, business=business, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_add(job=job, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                f"{candidate.provider.name} is on the shortlist. Check which duties they cover.",
            )
            return redirect(candidate)
    return render(
        request, "providers/candidate_add.html", {"business": business, "job": job, "form": form}
    )


@login_required
def candidate_detail_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    page = selectors.candidate_page(business=business, pk=pk)
    new_links = request.session.pop("reference_links", {}) if request.session else {}
    return render(
        request,
        "providers/candidate_detail.html",
        {
            "business": business,
            "page": page,
            "candidate": page.candidate,
            "job": page.candidate.job,
            "form": AssessForm(page=page),
            "reference_form": ReferenceForm(),
            "new_links": new_links,
        },
    )


@login_required
@require_POST
def candidate_assess_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    page = selectors.candidate_page(business=business, pk=pk)
    form = AssessForm(request.POST, page=page)
    if form.is_valid():
        services.candidate_assess(
            candidate=page.candidate,
            actor=request.user,
            coverages=form.coverages(),
            checks=form.checks(),
        )
        messages.success(request, "Coverage and expertise saved.")
        return redirect(page.candidate)
    messages.error(request, "Some rows need fixing: see the messages below.")
    return render(
        request,
        "providers/candidate_detail.html",
        {
            "business": business,
            "page": page,
            "candidate": page.candidate,
            "job": page.candidate.job,
            "form": form,
            "reference_form": ReferenceForm(),
            "new_links": {},
        },
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    candidate = selectors.candidate_get(business=business, pk=pk)
    form = CandidateEditForm(request.POST or None, instance=candidate)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        candidate.refresh_from_db()
        try:
            services.candidate_update(candidate=candidate, actor=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "Candidate saved.")
            return redirect(candidate)
    return render(
        request,
        "providers/candidate_form.html",
        {"business": business, "candidate": candidate, "job": candidate.job, "form": form},
    )


# --- references ----------------------------------------------------------------------------------


@login_required
@require_POST
def reference_add_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    candidate = selectors.candidate_get(business=business, pk=pk)
    form = ReferenceForm(request.POST)
    if form.is_valid():
        ref = services.reference_add(candidate=candidate, actor=request.user, **form.cleaned_data)
        messages.success(
            request, f"{ref.name} added. Send them the private link, or note their answers."
        )
        return redirect(
            reverse("providers:candidate-detail", args=[business.pk, candidate.pk]) + "#references"
        )
    return render(
        request,
        "providers/reference_form.html",
        {"business": business, "candidate": candidate, "form": form},
        status=400,
    )


@login_required
@require_POST
def reference_link_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    ref = selectors.reference_get(business=business, pk=pk)
    try:
        token = services.reference_link_create(reference=ref, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        # Shown once on the next page: only the hash is kept in the database.
        links = request.session.get("reference_links", {})
        links[str(ref.pk)] = services.reference_answer_url(token)
        request.session["reference_links"] = links
        sent = " and e-mailed to them" if "@" in ref.contact else ""
        messages.success(
            request, f"Private link for {ref.name} created{sent}. It works once, for 14 days."
        )
    return redirect(
        reverse("providers:candidate-detail", args=[business.pk, ref.candidate_id]) + "#references"
    )


@login_required
@require_http_methods(["GET", "POST"])
def reference_record_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    ref = selectors.reference_get(business=business, pk=pk)
    duties = list(ref.candidate.job.duties.all())
    initial: dict[str, Any] = {
        "status": ref.status
        if ref.status != ReferenceCheck.Status.TO_CONTACT
        else ReferenceCheck.Status.ANSWERED,
        "comment": ref.comment,
        "would_hire_again": (
            "" if ref.would_hire_again is None else ("yes" if ref.would_hire_again else "no")
        ),
    }
    for fb in ref.feedback.all():
        initial[f"rating_{fb.duty_id}"] = str(fb.rating)
        initial[f"comment_{fb.duty_id}"] = fb.comment
    form = ReferenceAnswerForm(
        request.POST or None, initial=initial, duties=duties, with_status=True
    )
    if request.method == "POST" and form.is_valid():
        services.reference_record(
            reference=ref,
            actor=request.user,
            status=form.cleaned_data["status"],
            ratings=form.ratings(),
            would_hire_again=form.hire_again(),
            comment=form.cleaned_data.get("comment", ""),
        )
        messages.success(request, f"What {ref.name} said is saved.")
        return redirect(
            reverse("providers:candidate-detail", args=[business.pk, ref.candidate_id])
            + "#references"
        )
    return render(
        request,
        "providers/reference_record.html",
        {"business": business, "reference": ref, "candidate": ref.candidate, "form": form},
    )


LINK_PROBLEMS = {
    selectors.LinkProblem.BOGUS: (
        404,
        "This link does not work",
        "The address is not one we know. Check that you copied the whole link, or ask the "
        "person who sent it for a new one.",
    ),
    selectors.LinkProblem.EXPIRED: (
        410,
        "This link has expired",
        "Links to answer work for 14 days. Ask the person who sent it for a new one.",
    ),
    selectors.LinkProblem.USED: (
        410,
        "These answers are already in",
        "This link has been used, and it works only once. Thank you for your help!",
    ),
}


def _link_problem(request: HttpRequest, problem: str) -> HttpResponse:
    status, title, text = LINK_PROBLEMS[problem]
    return render(
        request,
        "providers/reference_link_problem.html",
        {"title": title, "text": text},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def reference_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    """The reference's questionnaire by private link: no account, this one reference only."""
    now = timezone.now()
    ref, problem = selectors.reference_for_token(token=token, now=now)
    if ref is None:
        return _link_problem(request, problem)
    duties = list(ref.candidate.job.duties.all())
    form = ReferenceAnswerForm(request.POST or None, duties=duties)
    if request.method == "POST" and form.is_valid():
        try:
            services.reference_answer_submit(
                token=token,
                ratings=form.ratings(),
                would_hire_again=form.hire_again(),
                comment=form.cleaned_data.get("comment", ""),
                now=now,
            )
        except services.LinkNotUsable as exc:
            return _link_problem(request, exc.problem)
        return render(request, "providers/reference_thanks.html", {"name": ref.name})
    response = render(
        request,
        "providers/reference_answer.html",
        {
            "reference": ref,
            "provider_name": ref.candidate.provider.name,
            "asking_business": ref.candidate.job.business.name,
            "form": form,
            "expires_at": ref.token_expires_at,
            "business_tz": ref.candidate.job.business.timezone,
        },
        status=400 if request.method == "POST" else 200,
    )
    # The token must not leak to other sites; same-origin keeps the form's CSRF Origin check.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


# --- hiring and engagements ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def candidate_hire_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    candidate = selectors.candidate_get(business=business, pk=pk)
    price = selectors.candidate_base_monthly_price(candidate, business.currency)
    initial = {
        "start_date": timezone.localdate(timezone=business.tzinfo),
        "package": candidate.package_id,
        "agreed_price": price,
        "billing_period": "monthly",
        "notice_period_days": 30,
    }
    form = EngagementForm(request.POST or None, initial=initial, candidate=candidate)
    if request.method == "POST" and form.is_valid():
        try:
            engagement = services.engagement_hire(
                candidate=candidate, actor=request.user, **form.terms()
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                f"{candidate.provider.name} is hired. The job's tasks are now marked outsourced.",
            )
            return redirect(engagement)
    return render(
        request,
        "providers/engagement_form.html",
        {"business": business, "candidate": candidate, "job": candidate.job, "form": form},
    )


@login_required
def engagement_list_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    status = request.GET.get("status", "")
    if status not in Engagement.Status.values:
        status = ""
    sort = request.GET.get("sort", "-start")
    engagements = selectors.engagement_list(business=business, status=status or None, order=sort)
    return render(
        request,
        "providers/engagement_list.html",
        {
            "business": business,
            "page": _page(request, engagements),
            "status": status,
            "sort": sort,
            "statuses": Engagement.Status.choices,
            "query": _query_without_page(request),
            "has_jobs": JobDescription.objects.for_business(business).exists(),
        },
    )


@login_required
def engagement_detail_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    engagement = selectors.engagement_get(business=business, pk=pk)
    return render(
        request,
        "providers/engagement_detail.html",
        {
            "business": business,
            "engagement": engagement,
            "backups": selectors.engagement_backups(engagement=engagement),
            "replaces": list(engagement.replaces.select_related("provider")),
            # The reviews app's panels, when it provides them (the first template found wins).
            "review_panels": [
                "reviews/_engagement_detail_hook.html",
                "providers/_engagement_panels_empty.html",
            ],
            "can_edit": request.membership.can_edit,  # type: ignore[attr-defined]
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_end_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    engagement = selectors.engagement_get(business=business, pk=pk)
    if engagement.status != Engagement.Status.ACTIVE:
        messages.info(request, "This engagement has already ended.")
        return redirect(engagement)
    form = EngagementEndForm(
        request.POST or None,
        initial={"ended_on": timezone.localdate(timezone=business.tzinfo)},
        engagement=engagement,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.engagement_end(
                    engagement=engagement, actor=request.user, **form.cleaned_data
                )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "Engagement ended. It stays in your history.")
            return redirect(engagement)
    return render(
        request,
        "providers/engagement_end.html",
        {"business": business, "engagement": engagement, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_replace_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    engagement = selectors.engagement_get(business=business, pk=pk)
    if engagement.status != Engagement.Status.ACTIVE:
        messages.info(request, "This engagement has already ended.")
        return redirect(engagement)
    backup = engagement.backup_candidate
    initial = {
        "backup": engagement.backup_candidate_id,
        "start_date": timezone.localdate(timezone=business.tzinfo),
        "agreed_price": (
            selectors.candidate_base_monthly_price(backup, business.currency) if backup else None
        ),
        "billing_period": "monthly",
        "notice_period_days": engagement.notice_period_days,
        "exit_how_to_give_notice": engagement.exit_how_to_give_notice,
        "exit_data_to_take_back": engagement.exit_data_to_take_back,
    }
    form = EngagementReplaceForm(request.POST or None, initial=initial, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.engagement_replace(
                engagement=engagement,
                actor=request.user,
                backup=form.cleaned_data["backup"],
                reason=form.cleaned_data["reason"],
                **form.terms(),
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"{new.provider.name} replaces {engagement.provider.name}.")
            return redirect(new)
    return render(
        request,
        "providers/engagement_replace.html",
        {"business": business, "engagement": engagement, "form": form},
    )


# --- the library of templates (outside any business) --------------------------------------------


@login_required
def template_list_view(request: AuthedRequest) -> HttpResponse:
    templates = selectors.template_list(user=request.user)
    return render(request, "providers/template_list.html", {"page": _page(request, templates)})


@login_required
def template_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(user=request.user, pk=pk)
    businesses = selectors.editable_businesses(user=request.user)
    return render(
        request,
        "providers/template_detail.html",
        {"template": template, "copy_form": TemplateCopyForm(businesses=businesses)},
    )


@login_required
@require_POST
def template_copy_view(request: AuthedRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(user=request.user, pk=pk)
    form = TemplateCopyForm(
        request.POST, businesses=selectors.editable_businesses(user=request.user)
    )
    if not form.is_valid():
        messages.error(request, "Choose a business where you can edit.")
        return redirect(template)
    business = business_for(request, form.cleaned_data["business"].pk, write=True)
    job = services.template_copy_to_business(
        template=template, actor=request.user, business=business
    )
    messages.success(
        request, f"“{job.title}” is now a job description of {business.name}. Adjust it to fit."
    )
    return redirect(job)


@login_required
@require_POST
def template_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(user=request.user, pk=pk)
    services.template_delete(template=template, actor=request.user)
    messages.success(request, f"“{template.title}” removed from your library.")
    return redirect("providers:template-list")
