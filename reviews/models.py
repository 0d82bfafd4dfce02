"""Reviews of engagements, their schedule, replacement flags, reminders and notifications.

The database is the one source of truth for scheduling: the sweep (services.sweep_run) derives
from these rows what is due. Reminder deliveries are claimed by inserting a row under a unique
constraint before anything is sent, so a redelivered or concurrent sweep sends nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from outsourcing.models import Business
from providers.models import Duty, Engagement


class Standing(models.TextChoices):
    STRONG = "strong", _("Strong")
    MEETS = "meets", _("Meets expectations")
    WATCH = "watch", _("Watch")
    REPLACE = "replace", _("Replace")


class ReviewSchedule(models.Model):
    """One engagement's cadence settings: defaults follow the advice; owners may change them."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="review_schedule"
    )
    quarterly_interval_months = models.PositiveSmallIntegerField(
        _("months between close reviews"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    annual_interval_months = models.PositiveSmallIntegerField(
        _("months between relaxed reviews"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    quarterly_count = models.PositiveSmallIntegerField(
        _("close reviews before relaxing"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("How many reviews in a row at 'meets' or better step out to the relaxed one."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Schedule for {self.engagement}"


class ReviewQuerySet(models.QuerySet["Review"]):
    def for_business(self, business: Business) -> ReviewQuerySet:
        return self.filter(engagement__business=business)

    def due(self) -> ReviewQuerySet:
        return self.filter(status=Review.Status.DUE)

    def completed(self) -> ReviewQuerySet:
        return self.filter(status=Review.Status.COMPLETED)


class Review(models.Model):
    """One review of an engagement for one due date ("round").

    The sweep creates the primary review of a round (second_opinion=False, one per engagement
    and due date). A coach or the owner may add a second opinion for the same round; the
    round's standing is the median of its completed reviews' scores.
    """

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        COMPLETED = "completed", _("Completed")

    class Decision(models.TextChoices):
        KEEP = "keep", _("Keep")
        WATCH = "watch", _("Keep, but watch closely")
        REPLACE = "replace", _("Replace")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reviews")
    due_date = models.DateField(help_text=_("A date in the business's time zone."))
    offset_months = models.PositiveIntegerField(
        default=0, help_text=_("Months from the engagement's start to this due date.")
    )
    second_opinion = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews_written",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    standing = models.CharField(max_length=10, choices=Standing.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "due_date"],
                condition=Q(second_opinion=False),
                name="review_once_per_engagement_due_date",
            ),
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(second_opinion=False, status="due"),
                name="review_one_open_round_per_engagement",
            ),
            models.UniqueConstraint(
                fields=["engagement", "due_date", "reviewer"],
                condition=Q(second_opinion=True),
                name="review_second_opinion_once_per_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="review_status_due_idx")]

    def __str__(self) -> str:
        return f"Review of {self.engagement} due {self.due_date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse(
            "reviews:review-detail",
            kwargs={"business_id": self.engagement.business_id, "pk": self.pk},
        )

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class DutyRating(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="review_ratings")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["duty__order", "duty__pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "duty"], name="dutyrating_once_per_duty"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="dutyrating_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duty}: {self.rating}/5"


class ReplacementFlagQuerySet(models.QuerySet["ReplacementFlag"]):
    def for_business(self, business: Business) -> ReplacementFlagQuerySet:
        return self.filter(engagement__business=business)

    def open(self) -> ReplacementFlagQuerySet:
        return self.filter(status=ReplacementFlag.Status.OPEN)


class ReplacementFlag(models.Model):
    class Reason(models.TextChoices):
        REPLACE_SCORE = "replace_score", _("A review scored in 'replace'")
        TWO_WATCH = "two_watch", _("Two reviews in a row at 'watch' or worse")
        MUST_HAVE_ONE_TWICE = "must_have_one_twice", _("A must-have duty rated 1 twice in a row")
        OWNER_DECISION = "owner_decision", _("The reviewer decided to replace")
        OVERDUE_ATTENTION = "overdue_attention", _("A review is more than 30 days overdue")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Resolution(models.TextChoices):
        KEEP_WITH_NOTE = "keep_with_note", _("Keep, with a note")
        REPLACE = "replace", _("Replace")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="flags")
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    reason = models.CharField(max_length=24, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags_resolved",
    )
    history = HistoricalRecords()

    objects = ReplacementFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "reason"],
                condition=Q(status="open"),
                name="replacementflag_one_open_per_engagement_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.engagement}"

    def get_absolute_url(self) -> str:
        return reverse(
            "reviews:flag-detail",
            kwargs={"business_id": self.engagement.business_id, "pk": self.pk},
        )

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ReminderDelivery(models.Model):
    """The claim row of one reminder to one person. Inserted BEFORE anything is sent.

    The unique constraint (engagement, due date, kind, recipient) is what makes a reminder go
    out once, whatever the broker redelivers or however many sweeps run at once.
    """

    class Kind(models.TextChoices):
        REVIEW_SOON = "review_soon", _("Review due in 14 days")
        REVIEW_TODAY = "review_today", _("Review due today")
        REVIEW_OVERDUE = "review_overdue", _("Review 7 days overdue")
        NOTICE_30 = "notice_30", _("Notice deadline in 30 days")
        NOTICE_7 = "notice_7", _("Notice deadline in 7 days")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail and in-app")
        IN_APP = "in_app", _("In-app only")

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed, not sent yet")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    due_date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLAIMED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "pk"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "due_date", "kind", "recipient"],
                name="reminder_once_per_target_due_kind_recipient",
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="reminder_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="notifications")
    delivery = models.OneToOneField(
        ReminderDelivery,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notification",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    """Per user: e-mail on or off, and the private calendar feed token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(
        _("send reminders by e-mail"),
        default=True,
        help_text=_("Reminders always appear in your notification list."),
    )
    calendar_token = models.CharField(max_length=64, unique=True, null=True, blank=True)

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
