"""Engagements with duties, built with the ORM inside one business (reviews tests only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from outsourcing.models import Business
from providers.models import Candidate, Duty, Engagement, Importance, JobDescription, Provider

_seq = count(1)

DUTIES = (("Close the books every month", Importance.MUST), ("Answer questions", Importance.NICE))


def engagement_for(
    business: Business,
    *,
    duties: tuple[tuple[str, str], ...] = DUTIES,
    start: dt.date = dt.date(2025, 1, 15),
    kind: str = Engagement.Kind.ONGOING,
    end: dt.date | None = None,
    renewal: dt.date | None = None,
    notice_days: int = 30,
    provider_name: str | None = None,
) -> Engagement:
    n = next(_seq)
    job = JobDescription.objects.create(business=business, title=f"Bookkeeping {n}")
    for i, (what, importance) in enumerate(duties):
        Duty.objects.create(job=job, what=what, importance=importance, order=i)
    provider = Provider.objects.create(business=business, name=provider_name or f"Acme {n}")
    candidate = Candidate.objects.create(job=job, provider=provider, status=Candidate.Status.HIRED)
    backup_provider = Provider.objects.create(business=business, name=f"Backup {n}")
    backup = Candidate.objects.create(job=job, provider=backup_provider)
    return Engagement.objects.create(
        business=business,
        job=job,
        candidate=candidate,
        provider=provider,
        kind=kind,
        start_date=start,
        end_date=end,
        agreed_price=Decimal("400.00"),
        renewal_date=renewal,
        notice_period_days=notice_days,
        exit_how_to_give_notice="E-mail the account manager 30 days ahead.",
        exit_data_to_take_back="Accounting file, bank feed access.",
        backup_candidate=backup,
    )


def ratings_all(engagement: Engagement, value: int) -> dict[int, tuple[int, str]]:
    return {d.pk: (value, "") for d in engagement.job.duties.all()}
