"""Query counts per page stay constant as candidates, duties and references grow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from providers import services
from providers.models import Engagement
from tests.factories import OwnerTaskFactory
from tests.providers.factories import (
    CandidateFactory,
    DutyFactory,
    ExpertiseFactory,
    JobFactory,
    PackageFactory,
    ProviderFactory,
    ReferenceFactory,
)


def grow(job, owner, n_candidates: int, n_duties: int, n_refs: int) -> None:
    """Add candidates (with packages, coverage, checks) and answered references to a job."""
    business = job.business
    OwnerTaskFactory(business=business).jobs.add(job)
    duties = [DutyFactory(job=job) for _ in range(n_duties)]
    exp = ExpertiseFactory()
    job.requirements.get_or_create(expertise=exp)
    for _ in range(n_candidates):
        package = PackageFactory(provider=ProviderFactory())
        candidate = CandidateFactory(job=job, provider=package.provider, package=package)
        for duty in duties:
            candidate.coverages.create(duty=duty, coverage="covered", package_line="Payroll runs")
        candidate.expertise_checks.create(expertise=exp, result="has")
        for _ in range(n_refs):
            ref = ReferenceFactory(candidate=candidate, status="answered", would_hire_again=True)
            for duty in duties:
                ref.feedback.create(duty=duty, rating=4)


PAGES = ["job-detail", "job-compare", "job-print", "job-edit"]


@pytest.mark.parametrize("name", PAGES)
def test_job_pages_queries_do_not_grow(owner_client, owner, count_queries, name):
    job = JobFactory(business=owner.business)
    url = reverse(f"providers:{name}", kwargs={"business_id": owner.business.pk, "pk": job.pk})
    grow(job, owner, n_candidates=2, n_duties=2, n_refs=1)
    few = count_queries(lambda: owner_client.get(url))
    grow(job, owner, n_candidates=8, n_duties=6, n_refs=3)
    assert count_queries(lambda: owner_client.get(url)) == few


def test_candidate_page_queries_do_not_grow(owner_client, owner, count_queries):
    job = JobFactory(business=owner.business)
    grow(job, owner, n_candidates=1, n_duties=2, n_refs=1)
    candidate = job.candidates.get()
    url = candidate.get_absolute_url()
    few = count_queries(lambda: owner_client.get(url))
    duties = [DutyFactory(job=job) for _ in range(8)]
    for _ in range(5):
        ref = ReferenceFactory(candidate=candidate, status="answered")
        for duty in duties:
            ref.feedback.create(duty=duty, rating=3)
    assert count_queries(lambda: owner_client.get(url)) == few


def test_list_pages_queries_do_not_grow(owner_client, owner, count_queries):
    b = owner.business.pk
    urls = [
        reverse("providers:job-list", kwargs={"business_id": b}),
        reverse("providers:provider-list", kwargs={"business_id": b}),
        reverse("providers:engagement-list", kwargs={"business_id": b}),
    ]

    def add(n: int) -> None:
        for _ in range(n):
            job = JobFactory(business=owner.business)
            DutyFactory(job=job)
            candidate = CandidateFactory(job=job, provider=PackageFactory().provider)
            services.engagement_hire(
                candidate=candidate,
                actor=owner.user,
                start_date=date(2026, 1, 1),
                agreed_price=Decimal("100"),
            )

    add(2)
    few = [count_queries(lambda u=u: owner_client.get(u)) for u in urls]
    add(12)
    assert Engagement.objects.count() == 14
    assert [count_queries(lambda u=u: owner_client.get(u)) for u in urls] == few


def test_engagement_detail_queries_do_not_grow(owner_client, owner, count_queries):
    job = JobFactory(business=owner.business)
    DutyFactory(job=job)
    hired = CandidateFactory(job=job)
    engagement = services.engagement_hire(
        candidate=hired, actor=owner.user, start_date=date(2026, 1, 1), agreed_price=Decimal("1")
    )
    CandidateFactory(job=job)
    url = engagement.get_absolute_url()
    few = count_queries(lambda: owner_client.get(url))
    for _ in range(6):
        CandidateFactory(job=job)
    assert count_queries(lambda: owner_client.get(url)) == few
