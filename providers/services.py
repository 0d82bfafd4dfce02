"""Writes for choosing and hiring providers. Every change goes through one of these functions.

Each takes the acting user (`actor`) and refuses anyone without edit access to the business;
the public reference answer is the one write without an account, and it is bounded by its
single-use, expiring token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from outsourcing import services as outsourcing_services
from outsourcing.models import Business, Membership, OwnerTask

from . import fit
from .models import (
    Candidate,
    Duty,
    DutyCoverage,
    Engagement,
    Expertise,
    ExpertiseCheck,
    ExpertiseRequirement,
    JobDescription,
    JobTemplate,
    JobTemplateDuty,
    JobTemplateExpertise,
    Package,
    Provider,
    ReferenceCheck,
    ReferenceDutyFeedback,
    ServiceCategory,
)
from .selectors import LinkProblem, reference_for_token, token_hash

REFERENCE_LINK_DAYS = 14


def _require_edit(actor: User, business: Business) -> None:
    """The actor must be an owner, or a member with edit access, of the business."""
    membership = Membership.objects.filter(user=actor, business=business).first()
    if membership is None or not membership.can_edit:
        raise PermissionDenied("No edit access to this business.")


# --- private providers ---------------------------------------------------------------------


PROVIDER_FIELDS = (
    "name",
    "description",
    "website",
    "email",
    "phone",
    "city",
    "region",
    "is_local_small_business",
)


@transaction.atomic
def provider_create_private(
    *,
    business: Business,
    actor: User,
    categories: Iterable[ServiceCategory] = (),
    expertise: Iterable[Expertise] = (),
    **fields: Any,
) -> Provider:
    """A provider only this business sees (not in the catalog)."""
    _require_edit(actor, business)
    provider = Provider.objects.create(
        business=business, **{k: v for k, v in fields.items() if k in PROVIDER_FIELDS}
    )
    provider.categories.set(categories)
    provider.expertise.set(expertise)
    return provider


@transaction.atomic
def provider_update_private(
    *,
    provider: Provider,
    actor: User,
    categories: Iterable[ServiceCategory] = (),
    expertise: Iterable[Expertise] = (),
    **fields: Any,
) -> Provider:
    """Change a private provider. Catalog rows are refused: only staff edit those."""
    if provider.business is None:
        raise PermissionDenied("Catalog providers are edited by staff only.")
    _require_edit(actor, provider.business)
    for key, value in fields.items():
        if key in PROVIDER_FIELDS:
            setattr(provider, key, value)
    provider.save()
    provider.categories.set(categories)
    provider.expertise.set(expertise)
    return provider


# --- job descriptions --------------------------------------------------------------------------

JOB_FIELDS = ("title", "category", "goals", "monthly_budget")
DUTY_FIELDS = ("what", "frequency", "success_measure", "importance", "order")


@dataclass
class DutyInput:
    what: str
    frequency: str = ""
    success_measure: str = ""
    importance: str = "must"
    order: int = 0
    id: int | None = None
    delete: bool = False


@dataclass
class RequirementInput:
    expertise: Expertise
    importance: str = "must"
    id: int | None = None
    delete: bool = False


def _save_duties(job: JobDescription, duties: Iterable[DutyInput]) -> None:
    existing = {d.pk: d for d in job.duties.all()}
    order = 0
    for item in duties:
        duty = existing.get(item.id) if item.id else None
        if item.delete:
            if duty is not None:
                try:
                    duty.delete()
                except ProtectedError as exc:
                    raise ValidationError(
                        f"“{duty.what}” already has review ratings, so it stays; "
                        "mark it nice-to-have instead."
                    ) from exc
            continue
        if not item.what.strip():
            continue
        order += 1
        if duty is None:
            duty = Duty(job=job)
        duty.what = item.what.strip()
        duty.frequency = item.frequency
        duty.success_measure = item.success_measure
        duty.importance = item.importance
        duty.order = item.order or order
        duty.save()


def _save_requirements(job: JobDescription, requirements: Iterable[RequirementInput]) -> None:
    existing = {r.pk: r for r in job.requirements.all()}
    keep: dict[int, str] = {}
    drop: list[ExpertiseRequirement] = []
    for item in requirements:
        req = existing.get(item.id) if item.id else None
        if item.delete:
            if req is not None:
                drop.append(req)
            continue
        keep[item.expertise.pk] = item.importance
        if req is not None and req.expertise_id != item.expertise.pk:
            drop.append(req)
    for req in drop:
        req.delete()
    for expertise_id, importance in keep.items():
        ExpertiseRequirement.objects.update_or_create(
            job=job, expertise_id=expertise_id, defaults={"importance": importance}
        )


@transaction.atomic
def job_create(
    *,
    business: Business,
    actor: User,
    title: str,
    tasks: Iterable[OwnerTask] = (),
    duties: Iterable[DutyInput] = (),
    requirements: Iterable[RequirementInput] = (),
    **fields: Any,
) -> JobDescription:
    """A new job description with its duties and expertise. Tasks must be the business's own."""
    _require_edit(actor, business)
    job = JobDescription.objects.create(
        business=business,
        title=title,
        **{k: v for k, v in fields.items() if k in JOB_FIELDS},
    )
    _set_tasks(job, tasks)
    _save_duties(job, duties)
    _save_requirements(job, requirements)
    return job


def _set_tasks(job: JobDescription, tasks: Iterable[OwnerTask]) -> None:
    tasks = list(tasks)
    if any(t.business_id != job.business_id for t in tasks):
        raise ValidationError("A job description can only cover this business's own tasks.")
    job.tasks.set(tasks)


@transaction.atomic
def job_update(
    *,
    job: JobDescription,
    actor: User,
    tasks: Iterable[OwnerTask] | None = None,
    duties: Iterable[DutyInput] = (),
    requirements: Iterable[RequirementInput] = (),
    **fields: Any,
) -> JobDescription:
    """Change a job description; duties and expertise rows are added, changed or removed."""
    _require_edit(actor, job.business)
    for key, value in fields.items():
        if key in JOB_FIELDS:
            setattr(job, key, value)
    job.save()
    if tasks is not None:
        _set_tasks(job, tasks)
    _save_duties(job, duties)
    _save_requirements(job, requirements)
    return job


# --- the library of templates ------------------------------------------------------------------


@transaction.atomic
def template_create_from_job(*, job: JobDescription, actor: User) -> JobTemplate:
    """Save a job description's duties and expertise in the actor's own library."""
    _require_edit(actor, job.business)
    template = JobTemplate.objects.create(
        owner=actor,
        title=job.title,
        category=job.category,
        goals=job.goals,
        monthly_budget=job.monthly_budget,
    )
    JobTemplateDuty.objects.bulk_create(
        JobTemplateDuty(
            template=template,
            what=d.what,
            frequency=d.frequency,
            success_measure=d.success_measure,
            importance=d.importance,
            order=d.order,
        )
        for d in job.duties.all()
    )
    JobTemplateExpertise.objects.bulk_create(
        JobTemplateExpertise(
            template=template, expertise_id=r.expertise_id, importance=r.importance
        )
        for r in job.requirements.all()
    )
    return template


@transaction.atomic
def template_copy_to_business(
    *, template: JobTemplate, actor: User, business: Business
) -> JobDescription:
    """A new job description in the business with the template's duties and expertise."""
    if template.owner_id != actor.pk:
        raise PermissionDenied("Not your template.")
    return job_create(
        business=business,
        actor=actor,
        title=template.title,
        category=template.category,
        goals=template.goals,
        monthly_budget=template.monthly_budget,
        duties=[
            DutyInput(
                what=d.what,
                frequency=d.frequency,
                success_measure=d.success_measure,
                importance=d.importance,
                order=d.order,
            )
            for d in template.duties.all()
        ],
        requirements=[
            RequirementInput(expertise=r.expertise, importance=r.importance)
            for r in template.requirements.all()
        ],
    )


@transaction.atomic
def template_delete(*, template: JobTemplate, actor: User) -> None:
    if template.owner_id != actor.pk:
        raise PermissionDenied("Not your template.")
    template.delete()


# --- shortlist ---------------------------------------------------------------------------------


def _check_provider_and_package(
    business: Business, provider: Provider, package: Package | None
) -> None:
    if provider.business_id not in (None, business.pk):
        raise ValidationError("That provider is not available to this business.")
    if package is not None and package.provider_id != provider.pk:
        raise ValidationError("That package belongs to another provider.")


def _suggest_coverage(candidate: Candidate) -> None:
    """Point each duty at the package line that looks like it (the owner confirms)."""
    lines = candidate.package.service_lines if candidate.package else []
    for duty in candidate.job.duties.all():
        line = fit.suggest_line(duty.what, lines)
        if line:
            DutyCoverage.objects.update_or_create(
                candidate=candidate,
                duty=duty,
                defaults={"coverage": DutyCoverage.Coverage.COVERED, "package_line": line},
            )


@transaction.atomic
def candidate_add(
    *,
    job: JobDescription,
    actor: User,
    provider: Provider,
    package: Package | None = None,
    quoted_monthly_price: Decimal | None = None,
    notes: str = "",
) -> Candidate:
    """Shortlist a catalog or private provider. Adding the same provider twice is refused."""
    _require_edit(actor, job.business)
    _check_provider_and_package(job.business, provider, package)
    if Candidate.objects.filter(job=job, provider=provider).exists():
        raise ValidationError(f"{provider.name} is already on this shortlist.")
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                job=job,
                provider=provider,
                package=package,
                quoted_monthly_price=quoted_monthly_price,
                notes=notes,
            )
    except IntegrityError as exc:  # a concurrent add of the same provider won
        raise ValidationError(f"{provider.name} is already on this shortlist.") from exc
    _suggest_coverage(candidate)
    return candidate


@transaction.atomic
def candidate_update(
    *,
    candidate: Candidate,
    actor: User,
    package: Package | None,
    quoted_monthly_price: Decimal | None,
    notes: str = "",
    status: str | None = None,
) -> Candidate:
    business = candidate.job.business
    _require_edit(actor, business)
    _check_provider_and_package(business, candidate.provider, package)
    package_changed = package != candidate.package
    candidate.package = package
    candidate.quoted_monthly_price = quoted_monthly_price
    candidate.notes = notes
    if status in (Candidate.Status.SHORTLISTED, Candidate.Status.REJECTED):
        if candidate.status == Candidate.Status.HIRED:
            raise ValidationError("A hired candidate stays hired; end the engagement instead.")
        candidate.status = status
    candidate.save()
    if package_changed:
        candidate.coverages.exclude(package_line="").update(
            package_line="", coverage=DutyCoverage.Coverage.NOT_COVERED
        )
        _suggest_coverage(candidate)
    return candidate


@dataclass
class CoverageInput:
    coverage: str
    package_line: str = ""
    extra_monthly_cost: Decimal | None = None


@dataclass
class CheckInput:
    result: str
    note: str = ""


@transaction.atomic
def candidate_assess(
    *,
    candidate: Candidate,
    actor: User,
    coverages: Mapping[int, CoverageInput],
    checks: Mapping[int, CheckInput],
) -> Candidate:
    """Record duty coverage (per duty id) and the expertise check-off (per expertise id).

    Ids outside the candidate's job are ignored. Idempotent: the same input twice changes
    nothing the second time.
    """
    job = candidate.job
    _require_edit(actor, job.business)
    duty_ids = set(job.duties.values_list("pk", flat=True))
    expertise_ids = set(job.requirements.values_list("expertise_id", flat=True))
    for duty_id, cov in coverages.items():
        if duty_id not in duty_ids:
            continue
        DutyCoverage.objects.update_or_create(
            candidate=candidate,
            duty_id=duty_id,
            defaults={
                "coverage": cov.coverage,
                "package_line": cov.package_line[:200],
                "extra_monthly_cost": (
                    cov.extra_monthly_cost
                    if cov.coverage == DutyCoverage.Coverage.EXTRA_COST
                    else None
                ),
            },
        )
    for expertise_id, check in checks.items():
        if expertise_id not in expertise_ids:
            continue
        ExpertiseCheck.objects.update_or_create(
            candidate=candidate,
            expertise_id=expertise_id,
            defaults={"result": check.result, "note": check.note[:300]},
        )
    return candidate


# --- references --------------------------------------------------------------------------------


@transaction.atomic
def reference_add(
    *,
    candidate: Candidate,
    actor: User,
    name: str,
    company: str = "",
    contact: str = "",
    customer_for: str = "",
) -> ReferenceCheck:
    _require_edit(actor, candidate.job.business)
    return ReferenceCheck.objects.create(
        candidate=candidate,
        name=name,
        company=company,
        contact=contact,
        customer_for=customer_for,
    )


def _save_feedback(
    ref: ReferenceCheck, ratings: Mapping[int, tuple[int, str]], duty_ids: set[int]
) -> None:
    for duty_id, (rating, comment) in ratings.items():
        if duty_id not in duty_ids:
            continue
        if not 1 <= int(rating) <= 5:
            raise ValidationError("Ratings go from 1 to 5.")
        ReferenceDutyFeedback.objects.update_or_create(
            reference=ref, duty_id=duty_id, defaults={"rating": rating, "comment": comment[:1000]}
        )


@transaction.atomic
def reference_record(
    *,
    reference: ReferenceCheck,
    actor: User,
    status: str,
    ratings: Mapping[int, tuple[int, str]],
    would_hire_again: bool | None,
    comment: str = "",
    now: datetime | None = None,
) -> ReferenceCheck:
    """The owner writes down what a reference said (e.g. on the phone)."""
    job = reference.candidate.job
    _require_edit(actor, job.business)
    _save_feedback(reference, ratings, set(job.duties.values_list("pk", flat=True)))
    reference.status = status
    reference.would_hire_again = would_hire_again
    reference.comment = comment
    if status == ReferenceCheck.Status.ANSWERED and reference.answered_at is None:
        # An outstanding private link now says "already answered" (answered_at is set).
        reference.answered_at = now or timezone.now()
    reference.save()
    return reference


def reference_answer_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "providers:reference-answer", kwargs={"token": token}
    )


@transaction.atomic
def reference_link_create(
    *, reference: ReferenceCheck, actor: User, now: datetime | None = None, email: bool = True
) -> str:
    """A fresh private answer link for this one reference; returns the token.

    Only the token's SHA-256 is stored; a new link replaces (invalidates) the previous one.
    The link expires after REFERENCE_LINK_DAYS and works once. When the reference's contact
    is an e-mail address, the link is mailed to it after commit (a mail failure never fails
    the request: the owner can still copy the link).
    """
    _require_edit(actor, reference.candidate.job.business)
    if reference.answered_at is not None:
        raise ValidationError("This reference has already answered.")
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    reference.token_hash = token_hash(token)
    reference.token_expires_at = now + timedelta(days=REFERENCE_LINK_DAYS)
    if reference.status == ReferenceCheck.Status.TO_CONTACT:
        reference.status = ReferenceCheck.Status.CONTACTED
    reference.save()
    if email and "@" in reference.contact:
        provider = reference.candidate.provider.name
        business = reference.candidate.job.business.name
        url = reference_answer_url(token)
        recipient = reference.contact.strip()

        def mail() -> None:
            send_mail(
                subject=f"A few questions about {provider}",
                message=(
                    f"Hello {reference.name},\n\n{business} is considering {provider} and "
                    f"would value your experience as their customer. Five minutes, no account "
                    f"needed:\n\n{url}\n\nThe link works once and expires in "
                    f"{REFERENCE_LINK_DAYS} days.\n"
                ),
                from_email=None,
                recipient_list=[recipient],
            )

        transaction.on_commit(mail, robust=True)
    return token


class LinkNotUsable(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@transaction.atomic
def reference_answer_submit(
    *,
    token: str,
    ratings: Mapping[int, tuple[int, str]],
    would_hire_again: bool | None,
    comment: str = "",
    now: datetime | None = None,
) -> ReferenceCheck:
    """A reference answers through their private link (no account). Single use.

    The link is claimed with a conditional update, so two submissions at once store one
    answer; the other gets LinkNotUsable("used"). Ratings for duties of any other job are
    ignored.
    """
    now = now or timezone.now()
    ref, problem = reference_for_token(token=token, now=now)
    if ref is None:
        raise LinkNotUsable(problem)
    claimed = ReferenceCheck.objects.filter(
        pk=ref.pk, answered_at__isnull=True, token_hash=ref.token_hash
    ).update(answered_at=now, status=ReferenceCheck.Status.ANSWERED)
    if claimed != 1:
        raise LinkNotUsable(LinkProblem.USED)
    ref.refresh_from_db()
    duty_ids = set(Duty.objects.filter(job_id=ref.candidate.job_id).values_list("pk", flat=True))
    _save_feedback(ref, ratings, duty_ids)
    ref.would_hire_again = would_hire_again
    ref.comment = comment
    ref.save(update_fields=["would_hire_again", "comment"])
    return ref


# --- engagements -------------------------------------------------------------------------------

TERM_FIELDS = (
    "start_date",
    "end_date",
    "agreed_price",
    "billing_period",
    "package",
    "kind",
    "notice_period_days",
    "renewal_date",
    "auto_renew",
    "exit_how_to_give_notice",
    "exit_data_to_take_back",
    "backup_candidate",
)


def _outsource_tasks(job: JobDescription, agreed_price: Decimal, billing_period: str) -> None:
    """The job's tasks become outsourced; a recurring price is spread evenly as their cost."""
    # Saving a task re-scores it against its business's hourly value: lock the business first
    # (as the task writes do, so a concurrent change of hourly value cannot slip in between),
    # then read it once with the tasks.
    outsourcing_services.business_lock_for_scoring(job.business)
    tasks = list(job.tasks.select_related("business").order_by("pk"))
    monthly = fit.monthly_equivalent(agreed_price, billing_period)
    shares = fit.spread_evenly(monthly, len(tasks)) if monthly is not None else []
    for i, task in enumerate(tasks):
        task.status = OwnerTask.Status.OUTSOURCED
        if shares:
            task.provider_monthly_cost = shares[i]
        task.save(update_fields=["status", "provider_monthly_cost", "updated_at"])


@transaction.atomic
def engagement_hire(*, candidate: Candidate, actor: User, **terms: Any) -> Engagement:
    """Hire a shortlisted candidate: an active engagement with its terms and exit plan.

    The job's tasks become "outsourced" and take the agreed price per month (spread evenly
    across them) as their provider cost. Refused for a candidate already under an active
    engagement or not on the shortlist.
    """
    job = candidate.job
    business = job.business
    _require_edit(actor, business)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status == Candidate.Status.REJECTED:
        raise ValidationError("Put this candidate back on the shortlist before hiring them.")
    if Engagement.objects.filter(candidate=candidate, status=Engagement.Status.ACTIVE).exists():
        raise ValidationError("This candidate is already hired for this job.")
    backup = terms.get("backup_candidate")
    if backup is not None and (backup.job_id != job.pk or backup.pk == candidate.pk):
        raise ValidationError("The backup must be another candidate on this job's shortlist.")
    package = terms.get("package")
    if package is not None and package.provider_id != candidate.provider_id:
        raise ValidationError("That package belongs to another provider.")
    try:
        with transaction.atomic():
            engagement = Engagement.objects.create(
                business=business,
                job=job,
                candidate=candidate,
                provider=candidate.provider,
                **{k: v for k, v in terms.items() if k in TERM_FIELDS},
            )
    except IntegrityError as exc:  # engagement_one_active_per_candidate: a concurrent hire won
        raise ValidationError("This candidate is already hired for this job.") from exc
    candidate.status = Candidate.Status.HIRED
    candidate.save(update_fields=["status"])
    _outsource_tasks(job, engagement.agreed_price, engagement.billing_period)
    return engagement


@transaction.atomic
def engagement_end(
    *, engagement: Engagement, actor: User, ended_on: date, reason: str
) -> Engagement:
    """End an engagement; it stays in the history. Ending twice is refused.

    When no other engagement of the job is still active, its tasks go back to "doing it
    myself" (their last provider cost stays as a reference figure).
    """
    _require_edit(actor, engagement.business)
    if ended_on < engagement.start_date:
        raise ValidationError("The end date cannot be before the start date.")
    updated = Engagement.objects.filter(pk=engagement.pk, status=Engagement.Status.ACTIVE).update(
        status=Engagement.Status.ENDED, ended_on=ended_on, ended_reason=reason
    )
    if updated != 1:
        raise ValidationError("This engagement has already ended.")
    engagement.refresh_from_db()
    still_active = (
        Engagement.objects.active().filter(job_id=engagement.job_id).exclude(pk=engagement.pk)
    )
    if not still_active.exists():
        engagement.job.tasks.filter(status=OwnerTask.Status.OUTSOURCED).update(
            status=OwnerTask.Status.DOING
        )
    return engagement


@transaction.atomic
def engagement_replace(
    *, engagement: Engagement, actor: User, backup: Candidate, reason: str, **terms: Any
) -> Engagement:
    """End this engagement and hire the backup candidate; the old one points at the new one."""
    if backup.job_id != engagement.job_id or backup.pk == engagement.candidate_id:
        raise ValidationError("Pick another candidate from this job's shortlist.")
    start = terms["start_date"]
    engagement_end(engagement=engagement, actor=actor, ended_on=start, reason=reason)
    if backup.status == Candidate.Status.REJECTED:
        backup.status = Candidate.Status.SHORTLISTED
        backup.save(update_fields=["status"])
    new = engagement_hire(candidate=backup, actor=actor, **terms)
    Engagement.objects.filter(pk=engagement.pk).update(replaced_by=new)
    engagement.refresh_from_db()
    return new
