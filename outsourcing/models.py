"""Core models: the business (tenant), who may reach it, and the owner's task inventory."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import scoring

MAX_MONEY = Decimal("99999999.99")
MAX_HOURS_PER_MONTH = Decimal("744")  # 31 days x 24 hours

CURRENCY_CHOICES = [
    ("USD", "USD — US dollar"),
    ("EUR", "EUR — Euro"),
    ("GBP", "GBP — Pound sterling"),
    ("CAD", "CAD — Canadian dollar"),
    ("AUD", "AUD — Australian dollar"),
    ("NZD", "NZD — New Zealand dollar"),
    ("CHF", "CHF — Swiss franc"),
    ("SEK", "SEK — Swedish krona"),
    ("NOK", "NOK — Norwegian krone"),
    ("DKK", "DKK — Danish krone"),
    ("JPY", "JPY — Japanese yen"),
    ("INR", "INR — Indian rupee"),
    ("ZAR", "ZAR — South African rand"),
    ("BRL", "BRL — Brazilian real"),
    ("MXN", "MXN — Mexican peso"),
    ("SGD", "SGD — Singapore dollar"),
]


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    # available_timezones() walks the tz database on disk (≈ 50 ms); it does not change while
    # the process runs.
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def money_field(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_MONEY)],
        **kwargs,  # type: ignore[arg-type]
    )


class BusinessQuerySet(models.QuerySet["Business"]):
    def for_user(self, user: User) -> BusinessQuerySet:
        return self.filter(memberships__user=user).distinct()


class Business(models.Model):
    # A random UUID in every URL: ids cannot be guessed or enumerated.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("business name"), max_length=120)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    hourly_value = money_field(
        verbose_name=_("your hourly value"),
        help_text=_("What one hour of your time is worth to the business."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = BusinessQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "businesses"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("outsourcing:dashboard", kwargs={"business_id": self.pk})

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        COACH = "coach", _("Coach")

    class Access(models.TextChoices):
        EDIT = "edit", _("Can edit")
        VIEW = "view", _("View only")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    access = models.CharField(max_length=10, choices=Access.choices, default=Access.EDIT)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["business__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "business"], name="membership_once_per_user_business"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.business}"

    @property
    def can_edit(self) -> bool:
        return self.role == self.Role.OWNER or self.access == self.Access.EDIT


class OwnerTaskQuerySet(models.QuerySet["OwnerTask"]):
    def for_business(self, business: Business) -> OwnerTaskQuerySet:
        return self.filter(business=business)


class OwnerTask(models.Model):
    """One task in the owner's inventory. Not `Task`: Celery owns that word."""

    class Category(models.TextChoices):
        FINANCE = "finance", _("Finance & bookkeeping")
        ADMIN = "admin", _("Administration")
        MARKETING = "marketing", _("Marketing")
        SALES = "sales", _("Sales")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        OPERATIONS = "operations", _("Operations & delivery")
        HR = "hr", _("People & payroll")
        LEGAL = "legal", _("Legal & compliance")
        IT = "it", _("IT & website")
        OTHER = "other", _("Other")

    class CustomerContact(models.TextChoices):
        NONE = "none", _("None")
        INDIRECT = "indirect", _("Indirect (customers see the result)")
        DIRECT = "direct", _("Direct (talks to customers)")

    class ComplianceRisk(models.TextChoices):
        NONE = "none", _("None")
        LOW = "low", _("Low")
        HIGH = "high", _("High (penalties if done wrong)")

    class Energy(models.TextChoices):
        DRAINS = "drains", _("Drains my energy")
        NEUTRAL = "neutral", _("Neutral")
        GIVES = "gives", _("Gives me energy")

    class Status(models.TextChoices):
        DOING = "doing", _("Doing it myself")
        EXPLORING = "exploring", _("Exploring providers")
        OUTSOURCED = "outsourced", _("Outsourced")
        ELIMINATED = "eliminated", _("Eliminated")

    class Call(models.TextChoices):
        OUTSOURCE = "outsource", _("Outsource")
        CONSIDER = "consider", _("Consider")
        KEEP = "keep", _("Keep")

    SKILL_CHOICES = [
        (1, _("1 — I struggle with it")),
        (2, _("2 — Weak")),
        (3, _("3 — Competent")),
        (4, _("4 — Good")),
        (5, _("5 — Expert")),
    ]

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    notes = models.TextField(blank=True, max_length=4000)
    hours_per_month = models.DecimalField(
        _("hours a month"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_HOURS_PER_MONTH)],
        help_text=_("Between 0 and 744 (every hour of a 31-day month)."),
    )
    customer_contact = models.CharField(
        max_length=10, choices=CustomerContact.choices, default=CustomerContact.NONE
    )
    owner_skill = models.PositiveSmallIntegerField(
        _("your skill"),
        choices=SKILL_CHOICES,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        default=3,
        help_text=_("1 = I struggle with it, 5 = I am an expert."),
    )
    compliance_risk = models.CharField(
        max_length=10, choices=ComplianceRisk.choices, default=ComplianceRisk.NONE
    )
    primary_focus = models.BooleanField(
        default=False, help_text=_("Landing customers or delivering the work they pay for.")
    )
    energy = models.CharField(max_length=10, choices=Energy.choices, default=Energy.NEUTRAL)
    provider_monthly_cost = money_field(
        null=True,
        blank=True,
        verbose_name=_("provider's monthly cost"),
        help_text=_("Leave empty until you have a quote."),
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DOING)
    override_call = models.CharField(
        max_length=10, choices=Call.choices, blank=True, verbose_name=_("your call")
    )
    override_reason = models.TextField(blank=True, max_length=2000)
    # A cache of scoring.score() for this task at its business's hourly value, so that the
    # dashboard, the inventory and the coach portfolio sum, filter and sort in SQL. The rules
    # stay in scoring.py. save() refreshes it when a scoring field changes; bulk writes call
    # score() themselves, and a change of the business's hourly value rescores all its tasks
    # (services.business_update).
    suggested_call = models.CharField(
        max_length=10, choices=Call.choices, default=Call.KEEP, editable=False
    )
    opportunity_cost = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal(0), editable=False
    )
    net_benefit = models.DecimalField(max_digits=14, decimal_places=2, null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The cached figures are not the owner's edits: the history (and the activity log) leaves
    # them out.
    history = HistoricalRecords(
        excluded_fields=["suggested_call", "opportunity_cost", "net_benefit"]
    )

    objects = OwnerTaskQuerySet.as_manager()

    # What the cached figures depend on, besides the business's hourly value.
    SCORING_FIELDS = frozenset(
        {
            "hours_per_month",
            "owner_skill",
            "customer_contact",
            "compliance_risk",
            "primary_focus",
            "provider_monthly_cost",
        }
    )
    SCORED_FIELDS = ("suggested_call", "opportunity_cost", "net_benefit")

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            # Covers the summaries (selectors.GROUP_SUMS): they read the index, not the table.
            models.Index(
                fields=[
                    "business",
                    "status",
                    "override_call",
                    "suggested_call",
                    "hours_per_month",
                    "opportunity_cost",
                    "provider_monthly_cost",
                    "net_benefit",
                ],
                name="ownertask_summary_idx",
            ),
            # The inventory's default order (selectors.INVENTORY_SORTS["name"]): a page of it
            # reads 25 index entries instead of sorting every task.
            models.Index(F("business"), Lower("name"), F("id"), name="ownertask_name_idx"),
            # The coach portfolio's "Called Outsource" sums (selectors._OUTSOURCE_SUMS, whose
            # WHERE this condition must stay implied by): a page of clients reads their few
            # open tasks called Outsource, not every task of every client (PostgreSQL,
            # 200 clients: 1.4 -> 0.8 ms).
            models.Index(
                fields=["business"],
                condition=~models.Q(status__in=["outsourced", "eliminated"])
                & (
                    models.Q(override_call="outsource")
                    | models.Q(override_call="", suggested_call="outsource")
                ),
                name="ownertask_outsource_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours_per_month__gte=0, hours_per_month__lte=744),
                name="ownertask_hours_within_a_month",
            ),
            models.CheckConstraint(
                condition=models.Q(owner_skill__gte=1, owner_skill__lte=5),
                name="ownertask_skill_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(provider_monthly_cost__isnull=True)
                | models.Q(provider_monthly_cost__gte=0),
                name="ownertask_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(override_call="") | ~models.Q(override_reason=""),
                name="ownertask_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(
        self,
        *,
        force_insert: Any = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        # The one place every single-row write passes through (this app's services, the
        # providers' hire, factories, the demo seed): the cached figures cannot go stale here.
        if update_fields is None or not self.SCORING_FIELDS.isdisjoint(update_fields):
            self.score(self.business.hourly_value)
            if update_fields is not None:
                update_fields = {*update_fields, *self.SCORED_FIELDS}
        super().save(
            force_insert=force_insert,
            force_update=force_update,
            using=using,
            update_fields=update_fields,
        )

    def get_absolute_url(self) -> str:
        return reverse(
            "outsourcing:task-detail", kwargs={"business_id": self.business_id, "pk": self.pk}
        )

    def figures(self) -> scoring.TaskFigures:
        cost = self.provider_monthly_cost
        return scoring.TaskFigures(
            hours_per_month=scoring.as_decimal(self.hours_per_month),
            owner_skill=int(self.owner_skill),
            customer_contact=self.customer_contact,
            compliance_risk=self.compliance_risk,
            primary_focus=bool(self.primary_focus),
            provider_monthly_cost=None if cost is None else scoring.as_decimal(cost),
        )

    def score(self, hourly_value: Decimal) -> None:
        """Set the cached call and figures from the rules (no save)."""
        result = scoring.score(self.figures(), scoring.as_decimal(hourly_value))
        self.suggested_call = result.call
        self.opportunity_cost = result.opportunity_cost
        self.net_benefit = result.net_benefit


class Invitation(models.Model):
    """A single-use, expiring invitation to join a business as owner or coach.

    Only a hash of the token is stored; the link carries the token itself.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    access = models.CharField(
        max_length=10, choices=Membership.Access.choices, default=Membership.Access.EDIT
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_role_display()} of {self.business}"
