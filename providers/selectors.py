"""Reads for the providers pages and for other apps (reviews, the coach portfolio).

Every read is scoped to a business first; someone else's row is simply not found (404).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse

from outsourcing.models import Business, Membership
from outsourcing.scoring import opportunity_cost
from outsourcing.sql import converter

from . import fit
from .models import (
    Candidate,
    Duty,
    DutyCoverage,
    Engagement,
    ExpertiseCheck,
    ExpertiseRequirement,
    Importance,
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


def job_duties(*, job_id: int) -> list[Duty]:
    """A job's duties in their written order (one query; the job is already scoped)."""
    return list(Duty.objects.filter(job_id=job_id).order_by("order", "pk"))


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


def candidate_base_monthly_price(candidate: Candidate, currency: str) -> Decimal | None:
    """The quote when there is one, else the package's price per month when the package is
    priced in `currency` (the business's): a price in another currency is not a cost here."""
    package = candidate.package
    return _base_monthly_price(
        candidate.quoted_monthly_price,
        package.price if package else None,
        package.billing_period if package else "",
        package_currency=package.currency if package else "",
        currency=currency,
    )


def _base_monthly_price(
    quote: Decimal | None,
    package_price: Decimal | None,
    billing_period: str,
    *,
    package_currency: str,
    currency: str,
) -> Decimal | None:
    if quote is not None:
        return quote
    if package_currency != currency:
        return None
    return fit.monthly_equivalent(package_price, billing_period)


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
    currency: str,
) -> fit.CandidateFigures:
    """One candidate's figures from its prefetched assessment (see `_with_assessment`)."""
    return _figures_of(
        candidate.pk,
        base_monthly_price=candidate_base_monthly_price(candidate, currency),
        is_local_small_business=candidate.provider.is_local_small_business,
        duties=[(d.pk, d.is_must) for d in duties],
        coverages={
            c.duty_id: (c.coverage, c.package_line, c.extra_monthly_cost)
            for c in candidate.coverages.all()
        },
        requirements=[(r.expertise_id, r.importance == Importance.MUST) for r in requirements],
        checks={c.expertise_id: c.result for c in candidate.expertise_checks.all()},
        answered=[
            (ref.would_hire_again, [(fb.duty_id, fb.rating) for fb in ref.feedback.all()])
            for ref in candidate.references.all()
            if ref.status == ReferenceCheck.Status.ANSWERED
        ],
        job_cost=job_cost,
    )


# (coverage, package line, extra monthly cost) of one duty for one candidate
_Coverage = tuple[str, str, Decimal | None]


def _figures_of(
    key: int,
    *,
    base_monthly_price: Decimal | None,
    is_local_small_business: bool,
    duties: Sequence[tuple[int, bool]],
    coverages: Mapping[int, _Coverage],
    requirements: Sequence[tuple[int, bool]],
    checks: Mapping[int, str],
    answered: Iterable[tuple[bool | None, Iterable[tuple[int, int]]]],
    job_cost: Decimal,
) -> fit.CandidateFigures:
    """The figures the ranking needs, from plain values.

    `duties` are (duty id, is must), `coverages` the candidate's by duty id, `requirements`
    (expertise id, is must), `checks` the candidate's results by expertise id, and `answered`
    one (would hire again, [(duty id, rating)]) per answered reference.
    """
    must = dict(duties)
    ratings: list[tuple[int, bool]] = []
    hire_again: list[bool] = []
    for would_hire_again, feedback in answered:
        ratings.extend((rating, must.get(duty_id, False)) for duty_id, rating in feedback)
        if would_hire_again is not None:
            hire_again.append(would_hire_again)
    not_covered: _Coverage = (fit.NOT_COVERED, "", None)
    duty_fits = []
    for duty_id, is_must in duties:
        coverage, line, extra = coverages.get(duty_id, not_covered)
        duty_fits.append(
            fit.DutyFit(
                is_must=is_must, coverage=coverage, package_line=line, extra_monthly_cost=extra
            )
        )
    return fit.CandidateFigures(
        key=key,
        duties=duty_fits,
        expertise=[
            (is_must, checks.get(expertise_id, fit.NOT_VERIFIED))
            for expertise_id, is_must in requirements
        ],
        ratings=ratings,
        base_monthly_price=base_monthly_price,
        opportunity_cost=job_cost,
        is_local_small_business=is_local_small_business,
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
    figures = _figures(
        candidate, duties, requirements, job_opportunity_cost(job=job), business.currency
    )
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
            candidate_base_monthly_price(candidate, business.currency)
            if candidate.package
            else None,
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


# What the ranking needs of a candidate besides its assessment: (key, base monthly price,
# is a local small business).
_CandidateFacts = tuple[int, Decimal | None, bool]


# `_rank`'s three reads, written out (see outsourcing.sql): the ORM spent 3.5 ms building and
# compiling them on the compare page, three times what the database spends.
_DUTIES_WITH_COVERAGES = f"""SELECT d.id, d.importance, c.candidate_id, c.coverage, c.package_line,
        c.extra_monthly_cost
    FROM {Duty._meta.db_table} d LEFT JOIN {DutyCoverage._meta.db_table} c ON c.duty_id = d.id
    WHERE d.job_id = %s"""  # noqa: S608 — model names and placeholders only
_REQUIREMENTS_WITH_CHECKS = """SELECT r.expertise_id, r.importance, c.candidate_id, c.result
    FROM {requirements} r LEFT JOIN {checks} c
        ON c.expertise_id = r.expertise_id AND c.candidate_id IN ({keys})
    WHERE r.job_id = %s"""
_ANSWERED_REFERENCES = """SELECT r.candidate_id, r.id, r.would_hire_again, f.duty_id, f.rating
    FROM {references} r LEFT JOIN {feedback} f ON f.reference_id = r.id
    WHERE r.candidate_id IN ({keys}) AND r.status = %s"""


def _rank(
    job: JobDescription, candidates: Sequence[_CandidateFacts], job_cost: Decimal
) -> list[fit.Fit]:
    """The candidates' figures, best first, from three reads of plain values (no model
    instances) whatever the number of candidates, duties or references: the duties with
    every candidate's coverage (a duty nobody covers yet comes once, with NULLs), the
    requirements with the candidates' checks of them (a check of expertise the job does not
    require counts for nothing; a requirement nobody has been checked on yet comes once, with
    NULLs), and the answered references with their per-duty ratings. References are read by
    candidate id (their foreign-key index), not through a join on the job: PostgreSQL then
    plans an index scan whatever its statistics say."""
    if not candidates:
        return []
    keys = {key for key, _, _ in candidates}
    in_keys = ", ".join(["%s"] * len(keys))
    extra_cost = converter(DutyCoverage._meta.get_field("extra_monthly_cost"))
    hire_again = converter(ReferenceCheck._meta.get_field("would_hire_again"))
    duties: dict[int, bool] = {}
    coverages: dict[int, dict[int, _Coverage]] = {key: {} for key in keys}
    required: dict[int, bool] = {}
    checks: dict[int, dict[int, str]] = {key: {} for key in keys}
    answered: dict[int, dict[int, tuple[bool | None, list[tuple[int, int]]]]] = {
        key: {} for key in keys
    }
    with connection.cursor() as cursor:
        cursor.execute(_DUTIES_WITH_COVERAGES, [job.pk])
        for duty_id, importance, candidate_id, coverage, line, extra in cursor.fetchall():
            duties[duty_id] = importance == Importance.MUST
            if candidate_id in coverages:
                coverages[candidate_id][duty_id] = (coverage, line, extra_cost(extra))
        cursor.execute(
            _REQUIREMENTS_WITH_CHECKS.format(
                requirements=ExpertiseRequirement._meta.db_table,
                checks=ExpertiseCheck._meta.db_table,
                keys=in_keys,
            ),
            [*keys, job.pk],
        )
        for expertise_id, importance, candidate_id, result in cursor.fetchall():
            required[expertise_id] = importance == Importance.MUST
            if candidate_id is not None:
                checks[candidate_id][expertise_id] = result
        cursor.execute(
            _ANSWERED_REFERENCES.format(
                references=ReferenceCheck._meta.db_table,
                feedback=ReferenceDutyFeedback._meta.db_table,
                keys=in_keys,
            ),
            [*keys, ReferenceCheck.Status.ANSWERED.value],
        )
        for candidate_id, ref_id, would_hire_again, duty_id, rating in cursor.fetchall():
            _, feedback = answered[candidate_id].setdefault(
                ref_id, (hire_again(would_hire_again), [])
            )
            if duty_id is not None:
                feedback.append((duty_id, rating))
    duty_list = list(duties.items())
    requirements = list(required.items())
    return fit.rank(
        _figures_of(
            key,
            base_monthly_price=price,
            is_local_small_business=local,
            duties=duty_list,
            coverages=coverages[key],
            requirements=requirements,
            checks=checks[key],
            answered=answered[key].values(),
            job_cost=job_cost,
        )
        for key, price, local in candidates
    )


def job_comparison(
    *, job: JobDescription, opportunity_cost: Decimal | None = None
) -> list[ComparisonRow]:
    """Every shortlisted or hired candidate of the job with its figures, best first.

    Four queries whatever the number of candidates, duties or references (the job's own
    duties and requirements are read here, not taken from a prefetch). `opportunity_cost`
    defaults to `job_opportunity_cost(job=job)`.
    """
    cost = job_opportunity_cost(job=job) if opportunity_cost is None else opportunity_cost
    candidates = {
        c.pk: c
        for c in job.candidates.exclude(status=Candidate.Status.REJECTED)
        .select_related("provider", "package")
        .order_by()
    }
    fits = _rank(
        job,
        [
            (
                c.pk,
                candidate_base_monthly_price(c, job.business.currency),
                c.provider.is_local_small_business,
            )
            for c in candidates.values()
        ],
        cost,
    )
    return [ComparisonRow(candidates[f.key], f) for f in fits]


@dataclass
class CompareRow:
    """One candidate on the compare page: what it shows, as plain values."""

    fit: fit.Fit
    provider_name: str
    package_name: str | None
    is_hired: bool
    url: str  # the candidate's page
    hire_url: str


@dataclass
class Comparison:
    job: JobDescription
    opportunity_cost: Decimal
    rows: list[CompareRow]


def _candidate_url(name: str, business_id: UUID) -> Callable[[int], str]:
    """reverse(name, business_id, pk) for many candidates at the cost of one reverse()."""
    sentinel = "/999999999/"  # its own path segment: no business id (a UUID) can equal it
    url = reverse(name, kwargs={"business_id": business_id, "pk": int(sentinel.strip("/"))})
    head, tail = url.split(sentinel)
    return lambda pk: f"{head}/{pk}/{tail}"


def job_compare_get(*, business: Business, pk: int) -> Comparison:
    """The compare page: the job (title and links only), its worth, and every shortlisted or
    hired candidate with its figures, best first (the same ranking as `job_comparison`).

    Five queries of plain values whatever the number of candidates, duties, tasks or
    references.
    """
    job = get_object_or_404(
        JobDescription.objects.for_business(business)
        .only("pk", "business_id", "title")
        .annotate(task_hours=Sum("tasks__hours_per_month")),
        pk=pk,
    )
    job.business = business
    # The same figure as job_opportunity_cost, summed in SQL instead of over loaded tasks.
    hours: Decimal | None = job.task_hours  # type: ignore[attr-defined]
    cost = opportunity_cost(hours or Decimal("0"), business.hourly_value)
    currency = business.currency
    shown: dict[int, tuple[str, str | None, bool]] = {}
    facts: list[_CandidateFacts] = []
    for key, status, quote, name, local, package, price, period, package_currency in (
        Candidate.objects.filter(job=job)
        .exclude(status=Candidate.Status.REJECTED)
        .order_by()
        .values_list(
            "pk",
            "status",
            "quoted_monthly_price",
            "provider__name",
            "provider__is_local_small_business",
            "package__name",
            "package__price",
            "package__billing_period",
            "package__currency",
        )
    ):
        shown[key] = (name, package, status == Candidate.Status.HIRED)
        base = _base_monthly_price(
            quote, price, period or "", package_currency=package_currency or "", currency=currency
        )
        facts.append((key, base, local))
    detail_url = _candidate_url("providers:candidate-detail", business.pk)
    hire_url = _candidate_url("providers:candidate-hire", business.pk)
    rows = [
        CompareRow(f, *shown[f.key], url=detail_url(f.key), hire_url=hire_url(f.key))
        for f in _rank(job, facts, cost)
    ]
    return Comparison(job=job, opportunity_cost=cost, rows=rows)


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
