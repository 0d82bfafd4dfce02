"""Admin: tenant data for superusers only; reminder claims that never completed for staff."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    DutyRating,
    Notification,
    NotificationPreference,
    ReminderDelivery,
    ReplacementFlag,
    Review,
    ReviewSchedule,
)

STUCK_AFTER = dt.timedelta(minutes=30)


class SuperuserOnlyMixin:
    """Tenant data: only superusers see it in the admin."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser


class DutyRatingInline(admin.TabularInline):
    model = DutyRating
    extra = 0
    raw_id_fields = ["duty"]


@admin.register(Review)
class ReviewAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    list_display = ["engagement", "due_date", "status", "reviewer", "score", "standing"]
    list_filter = ["status", "standing"]
    raw_id_fields = ["engagement", "reviewer"]
    inlines = [DutyRatingInline]


@admin.register(ReviewSchedule)
class ReviewScheduleAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = [
        "engagement",
        "quarterly_interval_months",
        "annual_interval_months",
        "quarterly_count",
    ]
    raw_id_fields = ["engagement"]


@admin.register(ReplacementFlag)
class ReplacementFlagAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    list_display = ["engagement", "reason", "status", "resolution", "raised_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["engagement", "review", "resolved_by"]


class StuckFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", "Claims that never completed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(stuck_q(timezone.now()))
        return queryset


def stuck_q(now: dt.datetime) -> Q:
    """Claims a person should look at: started and never finished, or out of retries.

    These are never resent automatically (a send may have gone out before the crash).
    """
    from .services import MAX_SEND_ATTEMPTS

    return Q(status=ReminderDelivery.Status.SENDING, last_attempt_at__lt=now - STUCK_AFTER) | Q(
        status=ReminderDelivery.Status.FAILED, attempts__gte=MAX_SEND_ATTEMPTS
    )


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    """Staff see deliveries (no business data beyond the reminder text) to chase stuck claims."""

    list_display = [
        "kind",
        "recipient",
        "due_date",
        "channel",
        "status",
        "attempts",
        "claimed_at",
        "sent_at",
        "last_error",
    ]
    list_filter = [StuckFilter, "status", "kind", "channel"]
    search_fields = ["recipient__email", "subject"]
    readonly_fields = [f.name for f in ReminderDelivery._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_list_display(self, request):
        fields = list(super().get_list_display(request))
        return fields if request.user.is_superuser else [f for f in fields if f != "last_error"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if request.user.is_superuser:
            return fields
        # staff chase stuck claims; the reminder's wording (tenant data) is for superusers
        return [f for f in fields if f not in ("subject", "body")]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return (
            ["recipient__email", "subject"] if request.user.is_superuser else ["recipient__email"]
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReminderDelivery]:
        return super().get_queryset(request).select_related("recipient")


@admin.register(Notification)
class NotificationAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "business", "text", "created_at", "read_at"]
    raw_id_fields = ["user", "business", "delivery"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "email_enabled"]
    exclude = ["calendar_token"]
    raw_id_fields = ["user"]
