"""Admin: the record each business deletion leaves behind (who deleted what, and when)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from .models import Business

DeletedBusiness = Business.history.model


@admin.register(DeletedBusiness)
class DeletedBusinessAdmin(admin.ModelAdmin):
    """Read-only: the "deleted" history entry of every business deleted by its owner."""

    list_display = ("name", "id", "history_date", "history_user", "history_change_reason")
    list_select_related = ("history_user",)
    search_fields = ("name", "id", "history_user__username", "history_user__email")
    date_hierarchy = "history_date"
    ordering = ("-history_date",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(history_type="-")

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().changelist_view(
            request, {**(extra_context or {}), "title": "Deleted businesses"}
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
