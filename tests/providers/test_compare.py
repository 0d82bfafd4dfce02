"""The comparison reads plain values in a fixed number of queries and ranks exactly as the
candidate page (which reads the same data as model instances) works out each candidate."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.urls import reverse

from providers import selectors
from providers.models import Candidate, Importance
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

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def job(owner):
    """A job where every branch of the figures shows up once."""
    job = JobFactory(business=owner.business)
    for hours in ("2.5", "0.1", "0.2"):
        OwnerTaskFactory(business=owner.business, hours_per_month=D(hours)).jobs.add(job)
    must1, must2 = DutyFactory(job=job), DutyFactory(job=job)
    nice = DutyFactory(job=job, importance=Importance.NICE)
    tax, audit, lang = ExpertiseFactory(), ExpertiseFactory(), ExpertiseFactory()
    job.requirements.create(expertise=tax, importance=Importance.MUST)
    job.requirements.create(expertise=audit, importance=Importance.MUST)
    job.requirements.create(expertise=lang, importance=Importance.NICE)

    # covers everything, one duty for an extra cost; has all the skills; two answered refs
    full = CandidateFactory(
        job=job,
        provider=ProviderFactory(name="Full Books", is_local_small_business=True),
        quoted_monthly_price=D("450.00"),
    )
    full.coverages.create(duty=must1, coverage="covered", package_line="Monthly bookkeeping")
    full.coverages.create(duty=must2, coverage="extra_cost", extra_monthly_cost=D("35.50"))
    full.coverages.create(duty=nice, coverage="covered")
    for exp in (tax, audit, lang):
        full.expertise_checks.create(expertise=exp, result="has")
    ref = ReferenceFactory(candidate=full, status="answered", would_hire_again=True)
    ref.feedback.create(duty=must1, rating=5)
    ref.feedback.create(duty=nice, rating=2)
    ref = ReferenceFactory(candidate=full, status="answered", would_hire_again=None)
    ref.feedback.create(duty=must2, rating=4)
    ReferenceFactory(candidate=full, status="answered", would_hire_again=False)  # no ratings
    # an unanswered reference's ratings do not count
    ReferenceFactory(candidate=full, status="contacted").feedback.create(duty=must1, rating=1)

    # a package price, one must-have duty explicitly not covered, one with no row at all;
    # lacks a must-have skill, one skill never checked
    package = PackageFactory(price=D("1200.00"), billing_period="quarterly")
    gappy = CandidateFactory(
        job=job, provider=package.provider, package=package, quoted_monthly_price=None
    )
    gappy.coverages.create(duty=must1, coverage="not_covered")
    gappy.coverages.create(duty=nice, coverage="covered", package_line="CFO call")
    gappy.expertise_checks.create(expertise=tax, result="lacks")
    gappy.expertise_checks.create(expertise=lang, result="not_verified")
    ReferenceFactory(candidate=gappy, status="answered", would_hire_again=False).feedback.create(
        duty=nice, rating=3
    )

    # no price at all, nothing recorded
    CandidateFactory(job=job, quoted_monthly_price=None, status=Candidate.Status.HIRED)

    # rejected: never compared
    rejected = CandidateFactory(
        job=job, provider=ProviderFactory(name="Not Chosen Co"), status=Candidate.Status.REJECTED
    )
    rejected.coverages.create(duty=must1, coverage="covered")
    rejected.expertise_checks.create(expertise=audit, result="has")
    # a check of a skill this job does not ask for counts for nothing
    gappy.expertise_checks.create(expertise=ExpertiseFactory(), result="has")
    return job


def test_comparison_figures_equal_the_candidate_pages(owner, job):
    rows = selectors.job_comparison(job=selectors.job_get(business=owner.business, pk=job.pk))
    assert [r.fit.rank for r in rows] == [1, 2, 3]
    assert "Not Chosen Co" not in [r.candidate.provider.name for r in rows]
    for row in rows:
        page = selectors.candidate_page(business=owner.business, pk=row.candidate.pk)
        assert replace(row.fit, rank=0) == page.fit, row.candidate.provider.name
    full = rows[0].fit
    assert rows[0].candidate.provider.name == "Full Books"
    assert (full.must_covered, full.must_total, full.nice_covered) == (2, 2, 1)
    assert full.extra_costs == D("35.50") and full.monthly_cost == D("485.50")
    # money as Decimal on both databases (SQLite hands back floats: 35.5 == Decimal("35.50"))
    assert (str(full.extra_costs), str(full.monthly_cost)) == ("35.50", "485.50")
    assert (full.expertise_met, full.expertise_total, full.must_expertise_lacking) == (3, 3, 0)
    # (5*2 + 2 + 4*2) / 5, must-haves counted twice; the unanswered 1 is left out
    assert full.reference_score == D("4.0")
    assert (full.references_answered, full.would_hire_again) == (2, 1)
    # lacking a must-have skill ranks below having none recorded
    gappy = rows[2].fit
    assert rows[2].candidate.package is not None
    assert (gappy.must_covered, gappy.must_expertise_lacking) == (0, 1)
    assert gappy.monthly_cost == D("400.00")  # 1,200 a quarter
    assert rows[1].fit.monthly_cost is None and "no monthly price yet" in rows[1].fit.notes


def test_compare_page_worth_equals_the_loaded_tasks_sum(owner, job):
    comparison = selectors.job_compare_get(business=owner.business, pk=job.pk)
    loaded = selectors.job_get(business=owner.business, pk=job.pk)
    assert comparison.opportunity_cost == selectors.job_opportunity_cost(job=loaded)
    assert comparison.opportunity_cost == (D("2.8") * owner.business.hourly_value).quantize(
        D("0.01")
    )
    # the compare page's plain rows rank and figure exactly as the job page's model rows
    rows = selectors.job_comparison(job=loaded)
    assert [r.fit for r in comparison.rows] == [r.fit for r in rows]
    assert [(r.provider_name, r.package_name, r.is_hired) for r in comparison.rows] == [
        (
            r.candidate.provider.name,
            r.candidate.package.name if r.candidate.package else None,
            r.candidate.status == Candidate.Status.HIRED,
        )
        for r in rows
    ]


def test_compare_without_tasks_or_candidates(owner, django_assert_num_queries):
    job = JobFactory(business=owner.business)
    with django_assert_num_queries(2):  # the job, its candidates
        comparison = selectors.job_compare_get(business=owner.business, pk=job.pk)
    assert comparison.rows == [] and comparison.opportunity_cost == D("0.00")


def test_compare_reads_five_queries_whatever_it_holds(owner, job, django_assert_num_queries):
    with django_assert_num_queries(5):
        selectors.job_compare_get(business=owner.business, pk=job.pk)
    for _ in range(6):
        candidate = CandidateFactory(job=job)
        for duty in job.duties.all():
            candidate.coverages.create(duty=duty, coverage="covered")
            ReferenceFactory(candidate=candidate, status="answered").feedback.create(
                duty=duty, rating=4
            )
        DutyFactory(job=job)
        OwnerTaskFactory(business=job.business).jobs.add(job)
        for requirement in job.requirements.all():
            candidate.expertise_checks.create(expertise=requirement.expertise, result="has")
    with django_assert_num_queries(5):
        comparison = selectors.job_compare_get(business=owner.business, pk=job.pk)
    assert len(comparison.rows) == 9


def test_someone_elses_job_is_not_found(owner, outsider, job):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.job_compare_get(business=outsider.business, pk=job.pk)


def test_compare_rows_link_to_each_candidate_and_its_hire_page(owner_client, owner, job):
    b = owner.business.pk
    url = reverse("providers:job-compare", kwargs={"business_id": b, "pk": job.pk})
    rows = selectors.job_compare_get(business=owner.business, pk=job.pk).rows
    candidates = {c.provider.name: c for c in job.candidates.all()}
    for row in rows:
        candidate = candidates[row.provider_name]
        assert row.url == candidate.get_absolute_url()
        assert row.hire_url == reverse(
            "providers:candidate-hire", kwargs={"business_id": b, "pk": candidate.pk}
        )
    page = owner_client.get(url).content.decode()
    for row in rows:
        assert f'<a href="{row.url}">{row.provider_name}</a>' in page
    # a candidate is hired already, so no Hire buttons
    assert "/hire/" not in page and ">Hired</span>" in page
    Candidate.objects.filter(job=job, status=Candidate.Status.HIRED).update(
        status=Candidate.Status.SHORTLISTED
    )
    page = owner_client.get(url).content.decode()
    assert page.count('/hire/">Hire</a>') == 3
    assert f'<a class="btn btn-primary btn-sm" href="{rows[0].hire_url}">Hire</a>' in page
    assert page.count('class="btn btn-outline-primary btn-sm"') == 2
    assert "4.0 / 5" in page and "485.50" in page
    assert "2, 1 would rehire" not in page and "2 answered, 1 would rehire" in page
    assert '<div class="small text-body-secondary">incl. 35.50' in page


def test_compare_page_escapes_what_people_typed(owner_client, owner):
    job = JobFactory(business=owner.business, title="Books <i>now</i>")
    DutyFactory(job=job)
    package = PackageFactory(
        provider=ProviderFactory(name="<script>alert(1)</script> & Co"), name='Gold "plus" <b>'
    )
    CandidateFactory(job=job, provider=package.provider, package=package)
    url = reverse("providers:job-compare", kwargs={"business_id": owner.business.pk, "pk": job.pk})
    page = owner_client.get(url).content.decode()
    assert "<script>alert" not in page and "<b>" not in page and "<i>now" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</a>" in page
    assert "Gold &quot;plus&quot; &lt;b&gt; · 1 must-have duties not covered</div>" in page
    # the per-duty costs name the provider escaped too
    assert "A cost per covered duty: &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co —.</p>" in page


def test_a_view_only_coach_sees_no_hire_buttons(client, owner, job):
    from outsourcing.models import Membership
    from tests.conftest import make_member

    coach = make_member(role=Membership.Role.COACH)
    Membership.objects.create(user=coach.user, business=owner.business, role="coach", access="view")
    Candidate.objects.filter(job=job).update(status=Candidate.Status.SHORTLISTED)
    client.force_login(coach.user)
    url = reverse("providers:job-compare", kwargs={"business_id": owner.business.pk, "pk": job.pk})
    page = client.get(url).content.decode()
    assert page.count('data-testid="compare-row"') == 4
    assert "Hire</a>" not in page
