"""Services: every write, its guarantees and its refusals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outsourcing.models import Business, Membership, OwnerTask
from providers import services
from providers.models import (
    Candidate,
    DutyCoverage,
    Engagement,
    JobDescription,
    JobTemplate,
    ReferenceCheck,
    ReferenceDutyFeedback,
)
from providers.selectors import token_hash
from providers.services import CheckInput, CoverageInput, DutyInput, RequirementInput
from tests.conftest import make_member
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

D = Decimal


@pytest.fixture
def job(owner):
    job = JobFactory(business=owner.business)
    DutyFactory(job=job, what="Monthly bookkeeping", importance="must")
    DutyFactory(job=job, what="Payroll runs for staff", importance="must")
    DutyFactory(job=job, what="Answer questions", importance="nice")
    return job


def test_job_create_saves_duties_expertise_and_own_tasks(owner):
    task = OwnerTaskFactory(business=owner.business)
    exp = ExpertiseFactory()
    job = services.job_create(
        business=owner.business,
        actor=owner.user,
        title="Bookkeeper",
        goals="Books closed by the 5th",
        monthly_budget=D("700"),
        tasks=[task],
        duties=[
            DutyInput(what="Reconcile bank"),
            DutyInput(what="  "),
            DutyInput(what="Invoices", importance="nice"),
        ],
        requirements=[RequirementInput(expertise=exp)],
    )
    assert [d.what for d in job.duties.all()] == ["Reconcile bank", "Invoices"]
    assert [d.order for d in job.duties.all()] == [1, 2]
    assert list(job.requirements.values_list("expertise_id", flat=True)) == [exp.pk]
    assert list(job.tasks.all()) == [task]


def test_job_create_refuses_another_business_task(owner, outsider):
    foreign = OwnerTaskFactory(business=outsider.business)
    with pytest.raises(ValidationError):
        services.job_create(business=owner.business, actor=owner.user, title="X", tasks=[foreign])
    assert not JobDescription.objects.exists()


def test_job_create_refuses_view_only_and_strangers(owner, outsider):
    viewer = make_member(
        role=Membership.Role.COACH, access=Membership.Access.VIEW, business=owner.business
    )
    for actor in (viewer.user, outsider.user):
        with pytest.raises(PermissionDenied):
            services.job_create(business=owner.business, actor=actor, title="X")
    assert not JobDescription.objects.exists()


def test_job_update_adds_changes_and_removes_duties(owner, job):
    first, second, third = job.duties.all()
    services.job_update(
        job=job,
        actor=owner.user,
        title="Renamed",
        duties=[
            DutyInput(id=first.pk, what="Monthly bookkeeping (close by 5th)"),
            DutyInput(id=second.pk, what=second.what, delete=True),
            DutyInput(id=third.pk, what=third.what, importance="must"),
            DutyInput(what="New duty"),
        ],
    )
    job.refresh_from_db()
    assert job.title == "Renamed"
    assert [d.what for d in job.duties.all()] == [
        "Monthly bookkeeping (close by 5th)",
        "Answer questions",
        "New duty",
    ]
    assert job.duties.get(what="Answer questions").importance == "must"


def test_candidate_add_suggests_coverage_from_package_lines(owner, job):
    package = PackageFactory(included_services="Monthly bookkeeping\nPayroll runs\nTax return")
    candidate = services.candidate_add(
        job=job, actor=owner.user, provider=package.provider, package=package
    )
    covered = {c.duty.what: c.package_line for c in candidate.coverages.select_related("duty")}
    assert covered == {
        "Monthly bookkeeping": "Monthly bookkeeping",
        "Payroll runs for staff": "Payroll runs",
    }


def test_candidate_add_refusals(owner, outsider, job):
    foreign_private = ProviderFactory(business=outsider.business)
    with pytest.raises(ValidationError):
        services.candidate_add(job=job, actor=owner.user, provider=foreign_private)
    provider = ProviderFactory()
    other_package = PackageFactory()
    with pytest.raises(ValidationError):
        services.candidate_add(job=job, actor=owner.user, provider=provider, package=other_package)
    services.candidate_add(job=job, actor=owner.user, provider=provider)
    with pytest.raises(ValidationError, match="already on this shortlist"):
        services.candidate_add(job=job, actor=owner.user, provider=provider)
    assert Candidate.objects.count() == 1


def test_candidate_assess_ignores_other_jobs_duties(owner, outsider, job):
    candidate = CandidateFactory(job=job)
    exp = ExpertiseFactory()
    job.requirements.create(expertise=exp)
    foreign_duty = DutyFactory(job=JobFactory(business=outsider.business))
    duty = job.duties.first()
    services.candidate_assess(
        candidate=candidate,
        actor=owner.user,
        coverages={
            duty.pk: CoverageInput(coverage="extra_cost", extra_monthly_cost=D("40")),
            foreign_duty.pk: CoverageInput(coverage="covered"),
        },
        checks={
            exp.pk: CheckInput(result="has", note="certificate seen"),
            999999: CheckInput(result="has"),
        },
    )
    assert DutyCoverage.objects.get().extra_monthly_cost == D("40")
    assert not DutyCoverage.objects.filter(duty=foreign_duty).exists()
    check = candidate.expertise_checks.get()
    assert (check.result, check.note) == ("has", "certificate seen")


def test_reference_link_stores_only_a_hash_and_mails_the_link(
    owner, job, django_capture_on_commit_callbacks
):
    ref = ReferenceFactory(candidate=CandidateFactory(job=job), contact="ref@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        token = services.reference_link_create(reference=ref, actor=owner.user)
    ref.refresh_from_db()
    assert token not in ref.token_hash and ref.token_hash == token_hash(token)
    assert ref.status == ReferenceCheck.Status.CONTACTED
    assert timedelta(days=13) < ref.token_expires_at - timezone.now() <= timedelta(days=14)
    assert len(mail.outbox) == 1 and token in mail.outbox[0].body


def test_a_new_link_invalidates_the_previous_one(owner, job):
    ref = ReferenceFactory(candidate=CandidateFactory(job=job), contact="by phone")
    old = services.reference_link_create(reference=ref, actor=owner.user)
    new = services.reference_link_create(reference=ref, actor=owner.user)
    with pytest.raises(services.LinkNotUsable) as exc:
        services.reference_answer_submit(token=old, ratings={}, would_hire_again=True)
    assert exc.value.problem == "bogus"
    services.reference_answer_submit(token=new, ratings={}, would_hire_again=True)


def test_reference_answer_is_single_use_and_scoped(owner, outsider, job):
    ref = ReferenceFactory(candidate=CandidateFactory(job=job))
    token = services.reference_link_create(reference=ref, actor=owner.user)
    duty = job.duties.first()
    foreign_duty = DutyFactory(job=JobFactory(business=outsider.business))
    services.reference_answer_submit(
        token=token,
        ratings={duty.pk: (4, "Always on time"), foreign_duty.pk: (1, "sneaky")},
        would_hire_again=True,
        comment="Great",
    )
    ref.refresh_from_db()
    assert ref.status == ReferenceCheck.Status.ANSWERED and ref.answered_at
    assert ref.would_hire_again is True
    assert list(ReferenceDutyFeedback.objects.values_list("duty_id", "rating")) == [(duty.pk, 4)]
    with pytest.raises(services.LinkNotUsable):
        services.reference_answer_submit(
            token=token, ratings={duty.pk: (1, "")}, would_hire_again=False
        )
    assert ReferenceDutyFeedback.objects.get().rating == 4


def test_expired_link_is_refused(owner, job):
    ref = ReferenceFactory(candidate=CandidateFactory(job=job))
    token = services.reference_link_create(
        reference=ref, actor=owner.user, now=timezone.now() - timedelta(days=15)
    )
    with pytest.raises(services.LinkNotUsable) as exc:
        services.reference_answer_submit(token=token, ratings={}, would_hire_again=None)
    assert exc.value.problem == "expired"


def test_bad_rating_saves_nothing_and_keeps_the_link(owner, job):
    ref = ReferenceFactory(candidate=CandidateFactory(job=job))
    token = services.reference_link_create(reference=ref, actor=owner.user)
    with pytest.raises(ValidationError):
        services.reference_answer_submit(
            token=token, ratings={job.duties.first().pk: (9, "")}, would_hire_again=None
        )
    ref.refresh_from_db()
    assert ref.answered_at is None and ref.token_hash == token_hash(token)
    assert not ReferenceDutyFeedback.objects.exists()


def hire(owner, candidate, **terms):
    base = {"start_date": date(2026, 1, 1), "agreed_price": D("900"), "billing_period": "monthly"}
    base.update(terms)
    return services.engagement_hire(candidate=candidate, actor=owner.user, **base)


def test_hire_outsources_tasks_and_spreads_the_price(owner, job):
    tasks = [OwnerTaskFactory(business=owner.business) for _ in range(2)]
    job.tasks.set(tasks)
    candidate = CandidateFactory(job=job)
    backup = CandidateFactory(job=job)
    engagement = hire(
        owner,
        candidate,
        agreed_price=D("2700"),
        billing_period="quarterly",
        backup_candidate=backup,
    )
    assert engagement.status == Engagement.Status.ACTIVE and engagement.business == owner.business
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.HIRED
    assert sorted(OwnerTask.objects.values_list("status", "provider_monthly_cost")) == [
        ("outsourced", D("450.00")),
        ("outsourced", D("450.00")),
    ]
    with pytest.raises(ValidationError, match="already hired"):
        hire(owner, candidate)


def test_hire_reads_the_business_once_however_many_tasks_it_outsources(owner):
    """Each outsourced task is re-scored against its business's hourly value when saved:
    the business comes with the tasks, not one query per task."""

    def business_reads(task_count: int) -> int:
        job = JobFactory(business=owner.business)
        job.tasks.set([OwnerTaskFactory(business=owner.business) for _ in range(task_count)])
        candidate = CandidateFactory(job=job)
        with CaptureQueriesContext(connection) as ctx:
            hire(owner, candidate)
        table = Business._meta.db_table
        return sum(
            1 for q in ctx.captured_queries if q["sql"].startswith("SELECT") and table in q["sql"]
        )

    assert business_reads(1) == business_reads(6)


def test_hire_refuses_a_backup_from_another_job(owner, job):
    other = CandidateFactory(job=JobFactory(business=owner.business))
    with pytest.raises(ValidationError):
        hire(owner, CandidateFactory(job=job), backup_candidate=other)
    assert not Engagement.objects.exists()


def test_end_keeps_history_and_gives_tasks_back(owner, job):
    task = OwnerTaskFactory(business=owner.business)
    job.tasks.set([task])
    engagement = hire(owner, CandidateFactory(job=job))
    services.engagement_end(
        engagement=engagement,
        actor=owner.user,
        ended_on=date(2026, 6, 30),
        reason="Missed deadlines",
    )
    engagement.refresh_from_db()
    assert (engagement.status, engagement.ended_on, engagement.ended_reason) == (
        "ended",
        date(2026, 6, 30),
        "Missed deadlines",
    )
    task.refresh_from_db()
    assert task.status == OwnerTask.Status.DOING
    with pytest.raises(ValidationError, match="already ended"):
        services.engagement_end(
            engagement=engagement, actor=owner.user, ended_on=date(2026, 7, 1), reason="again"
        )
    with pytest.raises(ValidationError):
        services.engagement_end(
            engagement=hire(owner, CandidateFactory(job=job)),
            actor=owner.user,
            ended_on=date(2025, 1, 1),
            reason="x",
        )
    assert Engagement.objects.count() == 2


def test_replace_ends_old_starts_new_and_links_them(owner, job):
    task = OwnerTaskFactory(business=owner.business)
    job.tasks.set([task])
    backup = CandidateFactory(job=job)
    old = hire(owner, CandidateFactory(job=job), backup_candidate=backup)
    new = services.engagement_replace(
        engagement=old,
        actor=owner.user,
        backup=backup,
        reason="Flagged twice",
        start_date=date(2026, 9, 1),
        agreed_price=D("650"),
        billing_period="monthly",
    )
    old.refresh_from_db()
    assert old.status == "ended" and old.ended_on == date(2026, 9, 1) and old.replaced_by == new
    assert new.status == "active" and new.candidate == backup
    task.refresh_from_db()
    assert (task.status, task.provider_monthly_cost) == ("outsourced", D("650.00"))


def test_catalog_providers_are_never_edited_by_users(owner):
    with pytest.raises(PermissionDenied):
        services.provider_update_private(
            provider=ProviderFactory(), actor=owner.user, name="Hacked"
        )


def test_templates_save_and_copy_into_an_editable_business(owner, outsider, job):
    exp = ExpertiseFactory()
    job.requirements.create(expertise=exp, importance="nice")
    template = services.template_create_from_job(job=job, actor=owner.user)
    assert template.owner == owner.user
    assert template.duties.count() == 3 and template.requirements.get().importance == "nice"
    copy = services.template_copy_to_business(
        template=template, actor=owner.user, business=owner.business
    )
    assert [d.what for d in copy.duties.all()] == [d.what for d in job.duties.all()]
    assert copy.requirements.get().expertise == exp
    with pytest.raises(PermissionDenied):
        services.template_copy_to_business(
            template=template, actor=owner.user, business=outsider.business
        )
    with pytest.raises(PermissionDenied):
        services.template_copy_to_business(
            template=template, actor=outsider.user, business=outsider.business
        )
    assert JobTemplate.objects.count() == 1
