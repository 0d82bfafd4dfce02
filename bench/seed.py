"""Rows at scale, built through the models with bulk_create (no history rows, no signals).

Two data sets:
- `seed_pages`: one business with the issue's figures (tasks, engagements, reviews with
  ratings, flags, job descriptions with duties, candidates, references) and a coach with many
  client businesses, for the page timings.
- `seed_sweep`: many businesses whose engagements have no review yet, for the sweep timings.

Randomness is seeded: the same scale gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from outsourcing.models import Business, Membership, OwnerTask
from providers.models import (
    BillingPeriod,
    Candidate,
    Duty,
    DutyCoverage,
    Engagement,
    Expertise,
    ExpertiseCheck,
    ExpertiseRequirement,
    Importance,
    JobDescription,
    Package,
    Provider,
    ReferenceCheck,
    ReferenceDutyFeedback,
    ServiceCategory,
)
from reviews.models import DutyRating, ReplacementFlag, Review, ReviewSchedule, Standing

BATCH = 2000
DUTIES = [
    ("Reconcile bank accounts", "weekly", "Books balance by the 5th"),
    ("Send invoices", "weekly", "Invoices out within 2 days of delivery"),
    ("Chase overdue payments", "monthly", "Debtor days under 45"),
    ("Run payroll", "monthly", "Staff paid on time, no penalties"),
    ("File sales tax returns", "quarterly", "No late-filing penalties"),
    ("Prepare month-end report", "monthly", "Report by the 10th"),
]
TASK_NAMES = [
    "Bookkeeping",
    "Invoicing",
    "Payroll",
    "Social media posts",
    "Newsletter",
    "Customer calls",
    "Website updates",
    "Supplier orders",
    "Quotes for new clients",
    "Tax filings",
    "Scheduling",
    "Hiring",
]


def _date_minus_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 - months
    year = day.year + month0 // 12
    return dt.date(year, month0 % 12 + 1, min(day.day, 28))


def _date_plus_months(day: dt.date, months: int) -> dt.date:
    return _date_minus_months(day, -months)


def _standing(score: Decimal) -> str:
    if score >= 4:
        return Standing.STRONG
    if score >= 3:
        return Standing.MEETS
    if score >= 2:
        return Standing.WATCH
    return Standing.REPLACE


@dataclass
class Catalog:
    categories: list[ServiceCategory]
    expertise: list[Expertise]
    providers: list[Provider]
    packages: dict[int, list[Package]]


def seed_catalog(rng: random.Random, providers: int) -> Catalog:
    categories = ServiceCategory.objects.bulk_create(
        [ServiceCategory(name=f"Bench category {i}", slug=f"bench-category-{i}") for i in range(5)]
    )
    expertise = Expertise.objects.bulk_create(
        [Expertise(name=f"Bench expertise {i}", category=categories[i % 5]) for i in range(15)]
    )
    provs = Provider.objects.bulk_create(
        [
            Provider(
                name=f"Bench provider {i:04d}",
                description="A provider seeded by the benchmark.",
                city="Springfield",
                is_local_small_business=i % 3 == 0,
            )
            for i in range(providers)
        ]
    )
    Provider.categories.through.objects.bulk_create(
        [
            Provider.categories.through(provider_id=p.pk, servicecategory_id=categories[i % 5].pk)
            for i, p in enumerate(provs)
        ]
    )
    Provider.expertise.through.objects.bulk_create(
        [
            Provider.expertise.through(provider_id=p.pk, expertise_id=e.pk)
            for p in provs
            for e in rng.sample(expertise, 4)
        ]
    )
    lines = "\n".join(d[0] for d in DUTIES[:4])
    packages = Package.objects.bulk_create(
        [
            Package(
                provider=p,
                name=name,
                price=Decimal(price),
                billing_period=BillingPeriod.MONTHLY,
                hours_included=Decimal("10"),
                included_services=lines,
            )
            for p in provs
            for name, price in (("Essentials", "300.00"), ("Complete", "650.00"))
        ]
    )
    by_provider: dict[int, list[Package]] = {}
    for pkg in packages:
        by_provider.setdefault(pkg.provider_id, []).append(pkg)
    return Catalog(categories, expertise, provs, by_provider)


def _users(prefix: str, count: int) -> list[User]:
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{i}@bench.example",
                email=f"{prefix}{i}@bench.example",
                first_name=prefix.title(),
                password=unusable,  # the benchmark logs in with sessions it creates
            )
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    return users


def _tasks(rng: random.Random, business: Business, count: int) -> list[OwnerTask]:
    categories = [c for c, _ in OwnerTask.Category.choices]
    rows = []
    for i in range(count):
        contact = rng.choices(["none", "indirect", "direct"], weights=[6, 2, 1])[0]
        rows.append(
            OwnerTask(
                business=business,
                name=f"{TASK_NAMES[i % len(TASK_NAMES)]} {i + 1}",
                category=categories[i % len(categories)],
                notes="Seeded by the benchmark.",
                hours_per_month=Decimal(rng.randint(1, 400)) / 10,
                customer_contact=contact,
                owner_skill=rng.randint(1, 5),
                compliance_risk=rng.choice(["none", "low", "high"]),
                primary_focus=rng.random() < 0.1,
                energy=rng.choice(["drains", "neutral", "gives"]),
                provider_monthly_cost=(
                    Decimal(rng.randint(50, 2000)) if rng.random() < 0.6 else None
                ),
                status=rng.choice(["doing", "exploring", "outsourced"]),
            )
        )
        rows[-1].score(business.hourly_value)  # bulk_create does not call save()
    return OwnerTask.objects.bulk_create(rows, batch_size=BATCH)


@dataclass
class Jobs:
    jobs: list[JobDescription]
    duties: dict[int, list[Duty]]
    candidates: dict[int, list[Candidate]]


def _jobs(
    rng: random.Random,
    catalog: Catalog,
    business: Business,
    *,
    jobs: int,
    duties: int,
    candidates: int,
    tasks: list[OwnerTask],
    assess: bool,
) -> Jobs:
    """Job descriptions with duties and expertise requirements, and a shortlist for each."""
    job_rows = JobDescription.objects.bulk_create(
        [
            JobDescription(
                business=business,
                title=f"Bookkeeper {i + 1}",
                category=catalog.categories[i % len(catalog.categories)],
                goals="Books closed by the 5th; no penalties; owner out of the back office.",
                monthly_budget=Decimal("800.00"),
            )
            for i in range(jobs)
        ],
        batch_size=BATCH,
    )
    duty_rows = Duty.objects.bulk_create(
        [
            Duty(
                job=job,
                what=what,
                frequency=freq,
                success_measure=measure,
                importance=Importance.MUST if d < max(1, duties * 3 // 5) else Importance.NICE,
                order=d,
            )
            for job in job_rows
            for d, (what, freq, measure) in enumerate(DUTIES[:duties])
        ],
        batch_size=BATCH,
    )
    by_job: dict[int, list[Duty]] = {}
    for duty in duty_rows:
        by_job.setdefault(duty.job_id, []).append(duty)
    if tasks:
        JobDescription.tasks.through.objects.bulk_create(
            [
                JobDescription.tasks.through(jobdescription_id=job.pk, ownertask_id=task.pk)
                for i, job in enumerate(job_rows)
                for task in tasks[i * 2 % len(tasks) : i * 2 % len(tasks) + 2]
            ],
            batch_size=BATCH,
        )
    requirements = rng.sample(catalog.expertise, 3)
    if assess:
        ExpertiseRequirement.objects.bulk_create(
            [
                ExpertiseRequirement(
                    job=job, expertise=e, importance=Importance.MUST if k < 2 else Importance.NICE
                )
                for job in job_rows
                for k, e in enumerate(requirements)
            ],
            batch_size=BATCH,
        )
    per_job = min(candidates, len(catalog.providers))
    cand_rows = []
    for j, job in enumerate(job_rows):
        for k in range(per_job):
            provider = catalog.providers[(j * per_job + k) % len(catalog.providers)]
            package = catalog.packages[provider.pk][k % 2]
            cand_rows.append(
                Candidate(
                    job=job,
                    provider=provider,
                    package=package,
                    quoted_monthly_price=Decimal(rng.randint(250, 900)) if k % 2 else None,
                    notes="Seeded by the benchmark.",
                )
            )
    # Two jobs may pick the same provider window; (job, provider) stays unique per job.
    cand_rows = Candidate.objects.bulk_create(cand_rows, batch_size=BATCH)
    by_job_cands: dict[int, list[Candidate]] = {}
    for cand in cand_rows:
        by_job_cands.setdefault(cand.job_id, []).append(cand)
    if assess:
        _assess(rng, cand_rows, by_job, requirements)
    return Jobs(job_rows, by_job, by_job_cands)


def _assess(
    rng: random.Random,
    candidates: list[Candidate],
    duties: dict[int, list[Duty]],
    requirements: list[Expertise],
) -> None:
    """Package fit, expertise checks and answered references with per-duty feedback."""
    coverage = [c for c, _ in DutyCoverage.Coverage.choices]
    results = [c for c, _ in ExpertiseCheck.Result.choices]
    DutyCoverage.objects.bulk_create(
        [
            DutyCoverage(
                candidate=c,
                duty=d,
                coverage=rng.choice(coverage),
                package_line=d.what,
                extra_monthly_cost=Decimal("40.00"),
            )
            for c in candidates
            for d in duties[c.job_id]
        ],
        batch_size=BATCH,
    )
    ExpertiseCheck.objects.bulk_create(
        [
            ExpertiseCheck(candidate=c, expertise=e, result=rng.choice(results))
            for c in candidates
            for e in requirements
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    refs = ReferenceCheck.objects.bulk_create(
        [
            ReferenceCheck(
                candidate=c,
                name=f"Reference {k + 1}",
                company="Customer Ltd",
                contact="ref@customer.example",
                customer_for="3 years",
                status=ReferenceCheck.Status.ANSWERED,
                would_hire_again=rng.random() < 0.8,
                comment="Reliable and on time.",
                answered_at=now,
            )
            for c in candidates
            for k in range(2)
        ],
        batch_size=BATCH,
    )
    by_candidate = {c.pk: c for c in candidates}
    ReferenceDutyFeedback.objects.bulk_create(
        [
            ReferenceDutyFeedback(reference=r, duty=d, rating=rng.randint(2, 5))
            for r in refs
            for d in duties[by_candidate[r.candidate_id].job_id]
        ],
        batch_size=BATCH,
    )


def _engagements(
    rng: random.Random,
    business: Business,
    pairs: list[tuple[Candidate, bool]],
    *,
    today: dt.date,
    months_back: int,
    providers: dict[int, Provider],
) -> list[Engagement]:
    rows = []
    for cand, active in pairs:
        start = _date_minus_months(today, months_back) - dt.timedelta(days=rng.randint(0, 25))
        rows.append(
            Engagement(
                business=business,
                job_id=cand.job_id,
                candidate=cand,
                provider=providers[cand.provider_id],
                package_id=cand.package_id,
                kind=Engagement.Kind.ONGOING,
                start_date=start,
                agreed_price=Decimal(rng.randint(250, 900)),
                notice_period_days=30,
                renewal_date=today + dt.timedelta(days=rng.randint(10, 300)),
                exit_how_to_give_notice="E-mail the account manager.",
                exit_data_to_take_back="Accounting file, bank feeds, payroll records.",
                status=Engagement.Status.ACTIVE if active else Engagement.Status.ENDED,
                ended_on=None if active else today - dt.timedelta(days=rng.randint(1, 90)),
                ended_reason="" if active else "Replaced after reviews.",
            )
        )
    return Engagement.objects.bulk_create(rows, batch_size=BATCH)


def _reviews(
    rng: random.Random,
    engagements: list[Engagement],
    per_engagement: list[int],
    duties: dict[int, list[Duty]],
    *,
    reviewer: User,
    today: dt.date,
    flag_every: int,
) -> tuple[int, int]:
    """Quarterly rounds from each engagement's start: all but the last completed (with a
    rating per duty), the last one due for active engagements; some open flags."""
    now = timezone.now()
    reviews: list[Review] = []
    for engagement, count in zip(engagements, per_engagement, strict=True):
        for k in range(count):
            offset = 3 * (k + 1)
            due = _date_plus_months(engagement.start_date, offset)
            completed = k < count - 1 or not engagement.is_active
            score = Decimal(rng.randint(150, 500)) / 100 if completed else None
            reviews.append(
                Review(
                    engagement=engagement,
                    due_date=due,
                    offset_months=offset,
                    status=Review.Status.COMPLETED if completed else Review.Status.DUE,
                    reviewer=reviewer if completed else None,
                    completed_at=now - dt.timedelta(days=(today - due).days) if completed else None,
                    notes="On track." if completed else "",
                    decision=Review.Decision.KEEP if completed else "",
                    score=score,
                    standing=_standing(score) if score is not None else "",
                )
            )
    reviews = Review.objects.bulk_create(reviews, batch_size=BATCH)
    by_engagement = {e.pk: e for e in engagements}
    DutyRating.objects.bulk_create(
        [
            DutyRating(review=r, duty=d, rating=rng.randint(1, 5), comment="")
            for r in reviews
            if r.status == Review.Status.COMPLETED
            for d in duties[by_engagement[r.engagement_id].job_id]
        ],
        batch_size=BATCH,
    )
    ReviewSchedule.objects.bulk_create(
        [ReviewSchedule(engagement=e) for e in engagements[::2]], batch_size=BATCH
    )
    last_completed: dict[int, Review] = {}
    for r in reviews:
        if r.status == Review.Status.COMPLETED:
            last_completed[r.engagement_id] = r
    flags = [
        ReplacementFlag(
            engagement=e,
            review=last_completed.get(e.pk),
            reason=ReplacementFlag.Reason.TWO_WATCH,
            detail="Two reviews in a row at 'watch' or worse.",
        )
        for i, e in enumerate(engagements)
        if e.is_active and i % flag_every == 0
    ]
    ReplacementFlag.objects.bulk_create(flags, batch_size=BATCH)
    return len(reviews), len(flags)


@dataclass
class PagesData:
    owner: User
    coach: User
    business: Business
    compare_job: JobDescription
    due_review: Review
    counts: dict[str, int]


@transaction.atomic
def seed_pages(*, tasks: int, engagements: int, reviews: int, clients: int) -> PagesData:
    """The main business at scale and a coach with `clients` client businesses."""
    rng = random.Random(6)  # noqa: S311 — benchmark data, not security
    today = timezone.localdate()
    catalog = seed_catalog(rng, providers=40)
    providers = {p.pk: p for p in catalog.providers}
    owner, coach = _users("owner", 1)[0], _users("coach", 1)[0]
    business = Business.objects.create(
        name="Benchmark Bakery", currency="USD", timezone="Europe/London", hourly_value=120
    )
    Membership.objects.bulk_create(
        [
            Membership(user=owner, business=business, role=Membership.Role.OWNER),
            Membership(user=coach, business=business, role=Membership.Role.COACH),
        ]
    )
    task_rows = _tasks(rng, business, tasks)
    # Two engagements per job (the current provider and the one it replaced), 8 candidates.
    job_count = max(1, (engagements + 1) // 2)
    jobs = _jobs(
        rng,
        catalog,
        business,
        jobs=job_count,
        duties=5,
        candidates=8,
        tasks=task_rows,
        assess=True,
    )
    pairs: list[tuple[Candidate, bool]] = []
    for job in jobs.jobs:
        cands = jobs.candidates[job.pk]
        pairs.extend([(cands[0], True), (cands[1], False)])
    pairs = pairs[:engagements]
    hired = [c.pk for c, _ in pairs]
    Candidate.objects.filter(pk__in=hired).update(status=Candidate.Status.HIRED)
    per = max(1, reviews // max(1, len(pairs)))
    months_back = 3 * per + 1
    eng_rows = _engagements(
        rng, business, pairs, today=today, months_back=months_back, providers=providers
    )
    review_count, flag_count = _reviews(
        rng, eng_rows, [per] * len(eng_rows), jobs.duties, reviewer=owner, today=today, flag_every=7
    )
    due_review = (
        Review.objects.filter(
            engagement__business=business,
            status=Review.Status.DUE,
            engagement__status=Engagement.Status.ACTIVE,
        )
        .order_by("pk")
        .first()
    )
    assert due_review is not None  # noqa: S101 — the seed always leaves one open round
    client_counts = _clients(rng, catalog, coach, count=max(0, clients - 1), today=today)
    return PagesData(
        owner=owner,
        coach=coach,
        business=business,
        compare_job=jobs.jobs[0],
        due_review=due_review,
        counts={
            "tasks": len(task_rows),
            "jobs": len(jobs.jobs),
            "candidates": sum(len(c) for c in jobs.candidates.values()),
            "engagements": len(eng_rows),
            "reviews": review_count,
            "open flags": flag_count,
            "coach clients": 1 + client_counts,
        },
    )


def _clients(
    rng: random.Random, catalog: Catalog, coach: User, *, count: int, today: dt.date
) -> int:
    """Client businesses of the coach: a few tasks, a job, one engagement, two review rounds."""
    if count == 0:
        return 0
    owners = _users("client-owner", count)
    businesses = Business.objects.bulk_create(
        [
            Business(
                name=f"Client {i + 1:03d}",
                currency="USD",
                timezone=rng.choice(["UTC", "Europe/Paris", "America/New_York"]),
                hourly_value=Decimal(rng.randint(40, 200)),
            )
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        [
            m
            for b, o in zip(businesses, owners, strict=True)
            for m in (
                Membership(user=o, business=b, role=Membership.Role.OWNER),
                Membership(
                    user=coach,
                    business=b,
                    role=Membership.Role.COACH,
                    access=Membership.Access.VIEW if rng.random() < 0.2 else Membership.Access.EDIT,
                ),
            )
        ],
        batch_size=BATCH,
    )
    providers = {p.pk: p for p in catalog.providers}
    for b, o in zip(businesses, owners, strict=True):
        tasks = _tasks(rng, b, 5)
        jobs = _jobs(rng, catalog, b, jobs=1, duties=3, candidates=2, tasks=tasks[:2], assess=False)
        cand = jobs.candidates[jobs.jobs[0].pk][0]
        engagements = _engagements(
            rng,
            b,
            [(cand, True)],
            today=today,
            months_back=rng.choice([4, 5, 7]),
            providers=providers,
        )
        _reviews(
            rng,
            engagements,
            [2],
            jobs.duties,
            reviewer=o,
            today=today,
            flag_every=1 if rng.random() < 0.2 else 10**9,
        )
    return count


def seed_sweep(*, engagements: int, per_business: int = 100) -> dict[str, Any]:
    """`engagements` active engagements with no review yet, `per_business` per business.

    Start dates spread over the past year, so the first sweep creates a round for each, raises
    attention flags for the rounds more than 30 days overdue and claims the reminders that
    fall on the day; a second sweep then has nothing to do.
    """
    rng = random.Random(10)  # noqa: S311 — benchmark data, not security
    today = timezone.localdate()
    catalog = seed_catalog(rng, providers=20)
    providers = {p.pk: p for p in catalog.providers}
    n_business = max(1, -(-engagements // per_business))
    owners = _users("sweep-owner", n_business)
    businesses = Business.objects.bulk_create(
        [
            Business(
                name=f"Sweep business {i + 1:05d}",
                timezone=rng.choice(["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"]),
                hourly_value=Decimal("80"),
            )
            for i in range(n_business)
        ],
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        [
            Membership(user=o, business=b, role=Membership.Role.OWNER)
            for b, o in zip(businesses, owners, strict=True)
        ],
        batch_size=BATCH,
    )
    per_job = len(catalog.providers)
    jobs_per_business = -(-per_business // per_job)
    made = 0
    job_rows = JobDescription.objects.bulk_create(
        [
            JobDescription(business=b, title=f"Job {j + 1}", goals="Seeded by the benchmark.")
            for b in businesses
            for j in range(jobs_per_business)
        ],
        batch_size=BATCH,
    )
    Duty.objects.bulk_create(
        [
            Duty(job=job, what=what, importance=Importance.MUST, order=d)
            for job in job_rows
            for d, (what, _f, _m) in enumerate(DUTIES[:2])
        ],
        batch_size=BATCH,
    )
    by_business = {b.pk: b for b in businesses}
    engagement_rows: list[Engagement] = []
    remaining: dict[Any, int] = {b.pk: per_business for b in businesses}
    for start in range(0, len(job_rows), 500):
        chunk = job_rows[start : start + 500]
        cands: list[Candidate] = []
        for job in chunk:
            take = min(per_job, remaining[job.business_id], engagements - made - len(cands))
            if take <= 0:
                continue
            remaining[job.business_id] -= take
            cands.extend(
                Candidate(job=job, provider=p, status=Candidate.Status.HIRED)
                for p in catalog.providers[:take]
            )
        cands = Candidate.objects.bulk_create(cands, batch_size=BATCH)
        for cand in cands:
            one_off = rng.random() < 0.1
            start_date = today - dt.timedelta(days=rng.randint(0, 365))
            engagement_rows.append(
                Engagement(
                    business=by_business[cand.job.business_id],
                    job_id=cand.job_id,
                    candidate=cand,
                    provider=providers[cand.provider_id],
                    kind=Engagement.Kind.ONE_OFF if one_off else Engagement.Kind.ONGOING,
                    start_date=start_date,
                    end_date=start_date + dt.timedelta(days=120) if one_off else None,
                    agreed_price=Decimal("300"),
                    renewal_date=(
                        today + dt.timedelta(days=rng.randint(0, 400))
                        if rng.random() < 0.5
                        else None
                    ),
                )
            )
        made += len(cands)
        if len(engagement_rows) >= BATCH * 5:
            Engagement.objects.bulk_create(engagement_rows, batch_size=BATCH)
            engagement_rows = []
    Engagement.objects.bulk_create(engagement_rows, batch_size=BATCH)
    return {"engagements": made, "businesses": n_business}
