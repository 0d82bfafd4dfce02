"""Provider catalog, job descriptions, shortlist, reference checks and engagements.

Catalog rows (categories, expertise, providers without a business, packages) are global and
edited by staff in the admin; a provider with a `business` is private to that business.
Everything else belongs to one business, directly or through its job description.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from outsourcing.models import CURRENCY_CHOICES, Business, OwnerTask, money_field


class Importance(models.TextChoices):
    MUST = "must", _("Must have")
    NICE = "nice", _("Nice to have")


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("per month")
    QUARTERLY = "quarterly", _("per quarter")
    YEARLY = "yearly", _("per year")
    ONE_OFF = "one_off", _("one-off")


class ServiceCategory(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return self.name


class Expertise(models.Model):
    name = models.CharField(max_length=120, unique=True)
    category = models.ForeignKey(
        ServiceCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="expertise"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "expertise"

    def __str__(self) -> str:
        return self.name


class ProviderQuerySet(models.QuerySet["Provider"]):
    def visible_to(self, business: Business) -> ProviderQuerySet:
        """Active catalog providers plus the business's own private ones."""
        return self.filter(active=True).filter(Q(business__isnull=True) | Q(business=business))


class Provider(models.Model):
    business = models.ForeignKey(
        Business,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="private_providers",
        help_text=_("Set for a business's private provider; empty for the shared catalog."),
    )
    name = models.CharField(max_length=120)
    categories = models.ManyToManyField(ServiceCategory, blank=True, related_name="providers")
    description = models.TextField(blank=True, max_length=4000)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    city = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True)
    is_local_small_business = models.BooleanField(_("local small business"), default=False)
    expertise = models.ManyToManyField(Expertise, blank=True, related_name="providers")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # CSV import finds catalog providers by name.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(business__isnull=True),
                name="provider_catalog_name_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_private(self) -> bool:
        return self.business_id is not None


class Package(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=120)
    price = money_field()
    # The catalog serves businesses in any currency: a price counts as a candidate's cost only
    # for a business that uses the same currency (others need a quote).
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    billing_period = models.CharField(
        max_length=10, choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY
    )
    hours_included = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    included_services = models.TextField(
        blank=True, help_text=_("One service line per line: what the package includes.")
    )

    class Meta:
        ordering = ["provider__name", "price", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"], name="package_name_once_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider.name} — {self.name}"

    @property
    def service_lines(self) -> list[str]:
        return [line.strip() for line in self.included_services.splitlines() if line.strip()]


class JobDescriptionQuerySet(models.QuerySet["JobDescription"]):
    def for_business(self, business: Business) -> JobDescriptionQuerySet:
        return self.filter(business=business)


class JobDescription(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="jobs")
    title = models.CharField(max_length=120)
    category = models.ForeignKey(
        ServiceCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    tasks = models.ManyToManyField(OwnerTask, blank=True, related_name="jobs")
    goals = models.TextField(blank=True, max_length=4000)
    monthly_budget = money_field(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = JobDescriptionQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "providers:job-detail", kwargs={"business_id": self.business_id, "pk": self.pk}
        )


class Duty(models.Model):
    """One written duty: the list that runs from package fit through references to reviews."""

    job = models.ForeignKey(JobDescription, on_delete=models.CASCADE, related_name="duties")
    what = models.CharField(max_length=200)
    frequency = models.CharField(max_length=80, blank=True)
    success_measure = models.CharField(_("measure of success"), max_length=200, blank=True)
    importance = models.CharField(max_length=4, choices=Importance.choices, default=Importance.MUST)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "duties"

    def __str__(self) -> str:
        return self.what

    @property
    def is_must(self) -> bool:
        return self.importance == Importance.MUST


class ExpertiseRequirement(models.Model):
    job = models.ForeignKey(JobDescription, on_delete=models.CASCADE, related_name="requirements")
    expertise = models.ForeignKey(Expertise, on_delete=models.PROTECT, related_name="requirements")
    importance = models.CharField(max_length=4, choices=Importance.choices, default=Importance.MUST)

    class Meta:
        ordering = ["importance", "expertise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "expertise"], name="expertiserequirement_once_per_job"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expertise} ({self.get_importance_display()})"


class Candidate(models.Model):
    class Status(models.TextChoices):
        SHORTLISTED = "shortlisted", _("Shortlisted")
        HIRED = "hired", _("Hired")
        REJECTED = "rejected", _("Not chosen")

    job = models.ForeignKey(JobDescription, on_delete=models.CASCADE, related_name="candidates")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="candidacies")
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.SET_NULL, related_name="candidacies"
    )
    quoted_monthly_price = money_field(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SHORTLISTED)
    notes = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "provider"], name="candidate_once_per_job")
        ]

    def __str__(self) -> str:
        return f"{self.provider} for {self.job}"

    def get_absolute_url(self) -> str:
        return reverse(
            "providers:candidate-detail",
            kwargs={"business_id": self.job.business_id, "pk": self.pk},
        )


class DutyCoverage(models.Model):
    class Coverage(models.TextChoices):
        COVERED = "covered", _("Covered")
        NOT_COVERED = "not_covered", _("Not covered")
        EXTRA_COST = "extra_cost", _("Extra cost")

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="coverages")
    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="coverages")
    coverage = models.CharField(
        max_length=12, choices=Coverage.choices, default=Coverage.NOT_COVERED
    )
    package_line = models.CharField(
        max_length=200, blank=True, help_text=_("The package's service line that covers it.")
    )
    extra_monthly_cost = money_field(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "duty"], name="dutycoverage_once_per_duty")
        ]

    def __str__(self) -> str:
        return f"{self.duty}: {self.get_coverage_display()}"


class ExpertiseCheck(models.Model):
    class Result(models.TextChoices):
        HAS = "has", _("Has it")
        LACKS = "lacks", _("Lacks it")
        NOT_VERIFIED = "not_verified", _("Not verified")

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="expertise_checks"
    )
    expertise = models.ForeignKey(Expertise, on_delete=models.CASCADE, related_name="checks")
    result = models.CharField(max_length=12, choices=Result.choices, default=Result.NOT_VERIFIED)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "expertise"], name="expertisecheck_once_per_expertise"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expertise}: {self.get_result_display()}"


class ReferenceCheck(models.Model):
    class Status(models.TextChoices):
        TO_CONTACT = "to_contact", _("To contact")
        CONTACTED = "contacted", _("Contacted")
        ANSWERED = "answered", _("Answered")
        NO_ANSWER = "no_answer", _("No answer")

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="references")
    name = models.CharField(max_length=120)
    company = models.CharField(max_length=120, blank=True)
    contact = models.CharField(max_length=200, blank=True, help_text=_("E-mail or phone."))
    customer_for = models.CharField(
        _("customer for"), max_length=80, blank=True, help_text=_("e.g. 3 years")
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TO_CONTACT)
    would_hire_again = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=4000)
    # The private answer link: only a hash of its token is stored.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class ReferenceDutyFeedback(models.Model):
    reference = models.ForeignKey(ReferenceCheck, on_delete=models.CASCADE, related_name="feedback")
    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="reference_feedback")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "duty"], name="referencedutyfeedback_once_per_duty"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="referencedutyfeedback_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duty}: {self.rating}/5"


class EngagementQuerySet(models.QuerySet["Engagement"]):
    def for_business(self, business: Business) -> EngagementQuerySet:
        return self.filter(business=business)

    def active(self) -> EngagementQuerySet:
        return self.filter(status=Engagement.Status.ACTIVE)


class Engagement(models.Model):
    """A hired provider. Never deleted: ended engagements stay in the history."""

    class Kind(models.TextChoices):
        ONGOING = "ongoing", _("Ongoing")
        ONE_OFF = "one_off", _("One-off")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="engagements")
    job = models.ForeignKey(JobDescription, on_delete=models.PROTECT, related_name="engagements")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="engagements")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="engagements")
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ONGOING)
    start_date = models.DateField()
    end_date = models.DateField(
        null=True, blank=True, help_text=_("For one-off work: when it ends.")
    )
    agreed_price = money_field()
    billing_period = models.CharField(
        max_length=10, choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY
    )
    notice_period_days = models.PositiveIntegerField(
        default=30, validators=[MaxValueValidator(3650)]
    )
    renewal_date = models.DateField(null=True, blank=True)
    auto_renew = models.BooleanField(default=False)
    exit_how_to_give_notice = models.TextField(_("how to give notice"), blank=True, max_length=2000)
    exit_data_to_take_back = models.TextField(
        _("data and access to take back"), blank=True, max_length=2000
    )
    backup_candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="backup_for"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.TextField(blank=True, max_length=2000)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(status="active"),
                name="engagement_one_active_per_candidate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} — {self.job}"

    def get_absolute_url(self) -> str:
        return reverse(
            "providers:engagement-detail", kwargs={"business_id": self.business_id, "pk": self.pk}
        )

    @property
    def notice_deadline(self) -> date | None:
        """The last day to give notice before the renewal date (None without a renewal date)."""
        if self.renewal_date is None:
            return None
        return self.renewal_date - timedelta(days=self.notice_period_days)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class JobTemplateQuerySet(models.QuerySet["JobTemplate"]):
    def for_user(self, user: Any) -> JobTemplateQuerySet:
        return self.filter(owner=user)


class JobTemplate(models.Model):
    """A coach's (or owner's) reusable job description: duties and expertise, no business."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_templates"
    )
    title = models.CharField(max_length=120)
    category = models.ForeignKey(
        ServiceCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="job_templates",
    )
    goals = models.TextField(blank=True, max_length=4000)
    monthly_budget = money_field(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JobTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("providers:template-detail", kwargs={"pk": self.pk})


class JobTemplateDuty(models.Model):
    template = models.ForeignKey(JobTemplate, on_delete=models.CASCADE, related_name="duties")
    what = models.CharField(max_length=200)
    frequency = models.CharField(max_length=80, blank=True)
    success_measure = models.CharField(_("measure of success"), max_length=200, blank=True)
    importance = models.CharField(max_length=4, choices=Importance.choices, default=Importance.MUST)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "template duties"

    def __str__(self) -> str:
        return self.what


class JobTemplateExpertise(models.Model):
    template = models.ForeignKey(JobTemplate, on_delete=models.CASCADE, related_name="requirements")
    expertise = models.ForeignKey(
        Expertise, on_delete=models.PROTECT, related_name="template_requirements"
    )
    importance = models.CharField(max_length=4, choices=Importance.choices, default=Importance.MUST)

    class Meta:
        ordering = ["importance", "expertise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "expertise"], name="jobtemplateexpertise_once_per_template"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expertise} ({self.get_importance_display()})"
