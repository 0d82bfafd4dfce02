"""Reads for the providers pages and for other apps (reviews, the coach portfolio).

Every read is scoped to a business first; someone else's row is simply not found (404).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from outsourcing.models import Business, Membership
from outsourcing.scoring import opportunity_cost

from . import fit
from .models import (
    Candidate,
    Duty,
    DutyCoverage,
    Engagement,
    ExpertiseCheck,
    ExpertiseRequirement,
    JobDescription,
    JobTemplate,
    Package,
    Provider,
    ReferenceCheck,
    ReferenceDutyFeedback,
)

# --- catalog ------------------------------------------------------------------------------


def provider_list(
    *,
    business: Business,
    q: str = "",
    category: int | None = None,
    expertise: int | None = None,
    local_only: bool = False,
    private_only: bool = False,
) -> QuerySet[Provider]:
    """Catalog plus the business's private providers, filtered, with packages counted."""
    qs = Provider.objects.visible_to(business)
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(description__icontains=q)
            | Q(city__icontains=q)
            | Q(region__icontains=q)
        )
    if category:
        qs = qs.filter(categories=category)
    if expertise:
        qs = qs.filter(expertise=expertise)
    if local_only:
        qs = qs.filter(is_local_small_business=True)
    if private_only:
        qs = qs.filter(business=business)
    return (
        qs.annotate(n_packages=Count("packages", distinct=True))
        .prefetch_related("categories", "expertise")
        .distinct()
    )


def provider_get(*, business: Business, pk: int) -> Provider:
    """A catalog provider or one of the business's own (inactive ones too: history)."""
    return get_object_or_404(
        Provider.objects.filter(Q(business__isnull=True) | Q(business=business)).prefetch_related(
            "categories", "expertise", "packages"
        ),
        pk=pk,
    )


def private_provider_get(*, business: Business, pk: int) -> Provider:
    """Only the business's own private provider: catalog rows are never editable by users."""
    return get_object_or_404(Provider.objects.filter(business=business), pk=pk)


# --- job descriptions ---------------------------------------------------------------------


def job_list(*, business: Business, q: str = "", order: str = "title") -> QuerySet[JobDescription]:
    qs = JobDescription.objects.for_business(business).select_related("category")
    if q:
        qs = qs.filter(title__icontains=q)
    qs = qs.annotate(
        n_duties=Count("duties", distinct=True),
        n_candidates=Count("candidates", distinct=True),
        n_active=Count(
            "engagements",
            filter=Q(engagements__status=Engagement.Status.ACTIVE),
            distinct=True,
        ),
    )
    orders = {
        "title": ("title", "pk"),
        "-updated": ("-updated_at", "pk"),
        "-created": ("-created_at", "pk"),
    }
    return qs.order_by(*orders.get(order, orders["title"]))


def job_get(*, business: Business, pk: int) -> JobDescription:
    """A job with its duties, expertise and tasks loaded in a fixed number of queries."""
    return get_object_or_404(
        JobDescription.objects.for_business(business)
        .select_related("category", "business")
        .prefetch_related(
            "duties",
            Prefetch(
                "requirements",
                queryset=ExpertiseRequirement.objects.select_related("expertise"),
            ),
            "tasks",
        ),
        pk=pk,
    )


def job_candidates(*, job: JobDescription) -> list[Candidate]:
    return list(
        job.candidates.select_related("provider", "package").annotate(
            n_references=Count("references", distinct=True),
            n_answered=Count(
                "references",
                filter=Q(references__status=ReferenceCheck.Status.ANSWERED),
                distinct=True,
            ),
        )
    )


def job_opportunity_cost(*, job: JobDescription) -> Decimal:
    """The covered tasks' monthly hours x the owner's hourly value (needs `tasks` loaded)."""
    hours = sum((t.hours_per_month for t in job.tasks.all()), Decimal("0"))
    return opportunity_cost(hours, job.business.hourly_value)


# --- candidates ---------------------------------------------------------------------------


def _candidate_qs(business: Business) -> QuerySet[Candidate]:
    return Candidate.objects.filter(job__business=business)


def candidate_get(*, business: Business, pk: int) -> Candidate:
    return get_object_or_404(
        _candidate_qs(business).select_related("job", "job__business", "provider", "package"),
        pk=pk,
    )


def candidate_base_monthly_price(candidate: Candidate) -> Decimal | None:
    """The quote when there is one, else the package's price per month."""
    if candidate.quoted_monthly_price is not None:
        return candidate.quoted_monthly_price
    if candidate.package is not None:
        return fit.monthly_equivalent(candidate.package.price, candidate.package.billing_period)
    return None


@dataclass
class DutyRow:
    duty: Duty
    coverage: DutyCoverage | None
    feedback: list[ReferenceDutyFeedback]


@dataclass
class CandidatePage:
    candidate: Candidate
    duties: list[DutyRow]
    requirements: list[tuple[ExpertiseRequirement, ExpertiseCheck | None, bool]]
    references: list[ReferenceCheck]
    extras: fit.Extras
    fit: fit.Fit
    package_lines: list[str]


def _figures(
    candidate: Candidate,
    duties: list[Duty],
    requirements: list[ExpertiseRequirement],
    job_cost: Decimal,
) -> fit.CandidateFigures:
    coverages = {c.duty_id: c for c in candidate.coverages.all()}
    checks = {c.expertise_id: c for c in candidate.expertise_checks.all()}
    must = {d.pk: d.is_must for d in duties}
    ratings: list[tuple[int, bool]] = []
    hire_again: list[bool] = []
    for ref in candidate.references.all():
        if ref.status != ReferenceCheck.Status.ANSWERED:
            continue
        ratings.extend((fb.rating, must.get(fb.duty_id, False)) for fb in ref.feedback.all())
        if ref.would_hire_again is not None:
            hire_again.append(ref.would_hire_again)
    return fit.CandidateFigures(
        key=candidate.pk,
        duties=[
            fit.DutyFit(
                is_must=d.is_must,
                coverage=coverages[d.pk].coverage if d.pk in coverages else fit.NOT_COVERED,
                package_line=coverages[d.pk].package_line if d.pk in coverages else "",
                extra_monthly_cost=(
                    coverages[d.pk].extra_monthly_cost if d.pk in coverages else None
                ),
            )
            for d in duties
        ],
        expertise=[
            (
                r.importance == "must",
                checks[r.expertise_id].result if r.expertise_id in checks else fit.NOT_VERIFIED,
            )
            for r in requirements
        ],
        ratings=ratings,
        base_monthly_price=candidate_base_monthly_price(candidate),
        opportunity_cost=job_cost,
        is_local_small_business=candidate.provider.is_local_small_business,
        would_hire_again=hire_again,
    )


def _with_assessment(qs: QuerySet[Candidate]) -> QuerySet[Candidate]:
    return qs.select_related("provider", "package").prefetch_related(
        "coverages",
        "expertise_checks",
        Prefetch(
            "references",
            queryset=ReferenceCheck.objects.prefetch_related("feedback"),
        ),
    )


def candidate_page(*, business: Business, pk: int) -> CandidatePage:
    candidate = get_object_or_404(
        _with_assessment(_candidate_qs(business)).select_related("job", "job__business"),
        pk=pk,
    )
    job = job_get(business=business, pk=candidate.job_id)
    candidate.job = job
    duties = list(job.duties.all())
    requirements = list(job.requirements.all())
    provider_expertise = set(candidate.provider.expertise.values_list("pk", flat=True))
    figures = _figures(candidate, duties, requirements, job_opportunity_cost(job=job))
    coverages = {c.duty_id: c for c in candidate.coverages.all()}
    checks = {c.expertise_id: c for c in candidate.expertise_checks.all()}
    references = list(candidate.references.all())
    feedback: dict[int, list[ReferenceDutyFeedback]] = {}
    for ref in references:
        for fb in ref.feedback.all():
            fb.reference = ref
            feedback.setdefault(fb.duty_id, []).append(fb)
    lines = candidate.package.service_lines if candidate.package else []
    return CandidatePage(
        candidate=candidate,
        duties=[DutyRow(d, coverages.get(d.pk), feedback.get(d.pk, [])) for d in duties],
        requirements=[
            (r, checks.get(r.expertise_id), r.expertise_id in provider_expertise)
            for r in requirements
        ],
        references=references,
        extras=fit.unused_extras(
            lines,
            [c.package_line for c in coverages.values() if c.coverage != fit.NOT_COVERED],
            candidate_base_monthly_price(candidate) if candidate.package else None,
            [
                d.what
                for d in duties
                if d.pk in coverages and coverages[d.pk].coverage != fit.NOT_COVERED
            ],
        ),
        fit=fit.candidate_fit(figures),
        package_lines=lines,
    )


@dataclass
class ComparisonRow:
    candidate: Candidate
    fit: fit.Fit


def job_comparison(*, job: JobDescription) -> list[ComparisonRow]:
    """Every shortlisted or hired candidate of the job with its figures, best first.

    A fixed number of queries whatever the number of candidates, duties or references.
    """
    duties = list(job.duties.all())
    requirements = list(job.requirements.all())
    cost = job_opportunity_cost(job=job)
    candidates = {
        c.pk: c for c in _with_assessment(job.candidates.exclude(status=Candidate.Status.REJECTED))
    }
    fits = fit.rank(_figures(c, duties, requirements, cost) for c in candidates.values())
    return [ComparisonRow(candidates[f.key], f) for f in fits]


# --- references -----------------------------------------------------------------------------


def reference_get(*, business: Business, pk: int) -> ReferenceCheck:
    return get_object_or_404(
        ReferenceCheck.objects.filter(candidate__job__business=business).select_related(
            "candidate", "candidate__job", "candidate__provider"
        ),
        pk=pk,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LinkProblem:
    BOGUS = "bogus"
    EXPIRED = "expired"
    USED = "used"


def reference_for_token(*, token: str, now: datetime) -> tuple[ReferenceCheck | None, str]:
    """The reference a private link opens, or (None, why not).

    Only the hash is stored, so the token itself cannot be read back from the database.
    """
    if not token or len(token) > 128:
        return None, LinkProblem.BOGUS
    ref = (
        ReferenceCheck.objects.filter(token_hash=token_hash(token))
        .exclude(token_hash="")
        .select_related("candidate__provider", "candidate__job__business")
        .first()
    )
    if ref is None:
        return None, LinkProblem.BOGUS
    if ref.answered_at is not None:
        return None, LinkProblem.USED
    if ref.token_expires_at is None or ref.token_expires_at <= now:
        return None, LinkProblem.EXPIRED
    return ref, ""


# --- engagements ----------------------------------------------------------------------------


def engagement_list(
    *, business: Business, status: str | None = None, order: str = "-start"
) -> QuerySet[Engagement]:
    """A business's engagements (active and ended), for pages and for other apps."""
    qs = Engagement.objects.for_business(business).select_related(
        "provider", "job", "package", "replaced_by__provider"
    )
    if status:
        qs = qs.filter(status=status)
    orders = {
        "-start": ("-start_date", "pk"),
        "start": ("start_date", "pk"),
        "provider": ("provider__name", "pk"),
        "renewal": ("renewal_date", "pk"),
    }
    return qs.order_by(*orders.get(order, orders["-start"]))


def engagement_get(*, business: Business, pk: int) -> Engagement:
    return get_object_or_404(
        Engagement.objects.for_business(business).select_related(
            "provider",
            "job",
            "package",
            "candidate",
            "backup_candidate__provider",
            "replaced_by__provider",
        ),
        pk=pk,
    )


def engagement_backups(*, engagement: Engagement) -> list[Candidate]:
    """The job's other shortlisted candidates, the chosen backup first."""
    backups = list(
        engagement.job.candidates.exclude(pk=engagement.candidate_id)
        .exclude(status=Candidate.Status.REJECTED)
        .select_related("provider", "package")
    )
    backups.sort(key=lambda c: (c.pk != engagement.backup_candidate_id, c.pk))
    return backups


def active_engagement_counts(*, business_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Active engagements per business in one query (for the coach portfolio)."""
    rows = (
        Engagement.objects.active()
        .filter(business_id__in=list(business_ids))
        .values("business_id")
        .annotate(n=Count("pk"))
    )
    return {r["business_id"]: r["n"] for r in rows}


# --- the library of job templates ------------------------------------------------------------


def template_list(*, user: User) -> QuerySet[JobTemplate]:
    return (
        JobTemplate.objects.for_user(user)
        .select_related("category")
        .annotate(n_duties=Count("duties", distinct=True))
        .order_by("title", "pk")
    )


def template_get(*, user: User, pk: int) -> JobTemplate:
    """Only the user's own template: anyone else's is not found."""
    return get_object_or_404(
        JobTemplate.objects.for_user(user)
        .select_related("category")
        .prefetch_related("duties", "requirements__expertise"),
        pk=pk,
    )


def editable_businesses(*, user: User) -> QuerySet[Business]:
    """Businesses where the user may write (owner, or a coach with edit access)."""
    return Business.objects.filter(
        Q(memberships__user=user, memberships__role=Membership.Role.OWNER)
        | Q(memberships__user=user, memberships__access=Membership.Access.EDIT)
    ).distinct()


def packages_of(provider: Provider) -> QuerySet[Package]:
    return provider.packages.all()
