"""Admin: staff keep the shared catalog; only superusers see tenant data.

Catalog staff (is_staff with the providers permissions) see categories, expertise and the
catalog providers with their packages, and can import/export them as CSV with a preview.
Private providers, job descriptions, shortlists and engagements belong to businesses:
only superusers see them.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from csp.decorators import csp_update
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin

from .models import (
    BillingPeriod,
    Candidate,
    Duty,
    Engagement,
    Expertise,
    ExpertiseRequirement,
    JobDescription,
    JobTemplate,
    JobTemplateDuty,
    JobTemplateExpertise,
    Package,
    Provider,
    ReferenceCheck,
    ServiceCategory,
)

# --- CSV import/export ----------------------------------------------------------------------


class CatalogProviderWidget(widgets.ForeignKeyWidget):
    """A package's provider, by name, among catalog providers only."""

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> QuerySet[Provider]:
        return Provider.objects.filter(business__isnull=True)


class ProviderResource(resources.ModelResource):
    """Catalog providers. Categories and expertise are names separated by "|"."""

    categories = fields.Field(
        attribute="categories",
        column_name="categories",
        widget=widgets.ManyToManyWidget(ServiceCategory, field="name", separator="|"),
    )
    expertise = fields.Field(
        attribute="expertise",
        column_name="expertise",
        widget=widgets.ManyToManyWidget(Expertise, field="name", separator="|"),
    )

    class Meta:
        model = Provider
        import_id_fields = ("name",)
        fields = (
            "name",
            "categories",
            "description",
            "website",
            "email",
            "phone",
            "city",
            "region",
            "is_local_small_business",
            "expertise",
            "active",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self) -> QuerySet[Provider]:
        # Imports and exports only ever touch the catalog, never a business's private rows.
        return Provider.objects.filter(business__isnull=True).prefetch_related(
            "categories", "expertise"
        )

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        """Unknown category or expertise names are a row error, not silently dropped."""
        errors = {}
        for column, model in (("categories", ServiceCategory), ("expertise", Expertise)):
            names = [n.strip() for n in str(row.get(column) or "").split("|") if n.strip()]
            known = set(model.objects.filter(name__in=names).values_list("name", flat=True))
            unknown = [n for n in names if n not in known]
            if unknown:
                errors[column] = f"Unknown {column}: {', '.join(unknown)} (add them first)."
        if errors:
            raise ValidationError(errors)


class PackageResource(resources.ModelResource):
    """Packages of catalog providers; `included_services` lines are separated by "|"."""

    provider = fields.Field(
        attribute="provider",
        column_name="provider",
        widget=CatalogProviderWidget(Provider, field="name"),
    )
    included_services = fields.Field(attribute="included_services", column_name="included_services")

    class Meta:
        model = Package
        import_id_fields = ("provider", "name")
        fields = (
            "provider",
            "name",
            "price",
            "currency",
            "billing_period",
            "hours_included",
            "included_services",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self) -> QuerySet[Package]:
        return Package.objects.filter(provider__business__isnull=True).select_related("provider")

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        services = row.get("included_services")
        if services:
            row["included_services"] = "\n".join(
                line.strip() for line in str(services).split("|") if line.strip()
            )
        period = row.get("billing_period")
        if period and period not in BillingPeriod.values:
            raise ValidationError(
                {
                    "billing_period": f"Use one of {', '.join(BillingPeriod.values)} "
                    f"(got {period!r})."
                }
            )

    def dehydrate_included_services(self, package: Package) -> str:
        return "|".join(package.service_lines)


# --- Catalog (staff) -------------------------------------------------------------------------


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "provider_count")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceCategory]:
        return super().get_queryset(request).annotate(n_providers=Count("providers", distinct=True))

    @admin.display(description="providers", ordering="n_providers")
    def provider_count(self, obj: Any) -> int:
        return obj.n_providers


@admin.register(Expertise)
class ExpertiseAdmin(admin.ModelAdmin):
    list_display = ("name", "category")
    list_filter = ("category",)
    search_fields = ("name",)
    list_select_related = ("category",)


class PackageInline(admin.TabularInline):
    model = Package
    extra = 1
    fields = ("name", "price", "currency", "billing_period", "hours_included", "included_services")


# django-import-export's export page wires its "Select all" box with an inline handler,
# onchange="onSelectToggleChange(event)", which the site's policy (no inline scripts) blocks.
# CSP's own answer for one known handler: allow exactly its hash, on that page only.
EXPORT_SELECT_ALL_HANDLER = "onSelectToggleChange(event)"
EXPORT_PAGE_CSP = {
    "script-src-attr": [
        "'unsafe-hashes'",
        "'sha256-"
        + base64.b64encode(hashlib.sha256(EXPORT_SELECT_ALL_HANDLER.encode()).digest()).decode()
        + "'",
    ]
}


class CatalogImportExportAdmin(ImportExportModelAdmin):
    """Import and export for the catalog, with the export page's one inline handler allowed."""

    @method_decorator(csp_update(EXPORT_PAGE_CSP))
    def export_action(self, request: HttpRequest) -> HttpResponse:
        return super().export_action(request)


@admin.register(Provider)
class ProviderAdmin(CatalogImportExportAdmin):
    resource_classes = [ProviderResource]
    list_display = (
        "name",
        "category_list",
        "city",
        "region",
        "is_local_small_business",
        "package_count",
        "active",
        "owner_business",
    )
    list_filter = ("active", "is_local_small_business", "categories", "expertise", "region")
    search_fields = ("name", "description", "city", "region", "email")
    filter_horizontal = ("categories", "expertise")
    inlines = [PackageInline]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Provider]:
        qs = (
            super()
            .get_queryset(request)
            .select_related("business")
            .prefetch_related("categories")
            .annotate(n_packages=Count("packages", distinct=True))
        )
        if not request.user.is_superuser:
            qs = qs.filter(business__isnull=True)
        return qs

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields_ = list(super().get_fields(request, obj))
        if not request.user.is_superuser and "business" in fields_:
            fields_.remove("business")
        return fields_

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = list(super().get_list_display(request))
        if not request.user.is_superuser:
            shown.remove("owner_business")
        return shown

    @admin.display(description="categories")
    def category_list(self, obj: Provider) -> str:
        return ", ".join(c.name for c in obj.categories.all())

    @admin.display(description="packages", ordering="n_packages")
    def package_count(self, obj: Any) -> int:
        return obj.n_packages

    @admin.display(description="private to", ordering="business__name")
    def owner_business(self, obj: Provider) -> str:
        return obj.business.name if obj.business else "— catalog —"


@admin.register(Package)
class PackageAdmin(CatalogImportExportAdmin):
    resource_classes = [PackageResource]
    list_display = ("name", "provider", "price", "currency", "billing_period", "hours_included")
    list_filter = ("currency", "billing_period", "provider__categories")
    search_fields = ("name", "provider__name", "included_services")
    list_select_related = ("provider",)
    autocomplete_fields = ("provider",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Package]:
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.filter(provider__business__isnull=True)
        return qs


# --- Tenant data (superusers only) -----------------------------------------------------------


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Business data: invisible to catalog staff, whatever permissions they hold."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class DutyInline(admin.TabularInline):
    model = Duty
    extra = 0


class RequirementInline(admin.TabularInline):
    model = ExpertiseRequirement
    extra = 0


@admin.register(JobDescription)
class JobDescriptionAdmin(SuperuserOnlyAdmin):
    list_display = ("title", "business", "category", "monthly_budget", "updated_at")
    list_filter = ("category",)
    search_fields = ("title", "business__name")
    list_select_related = ("business", "category")
    inlines = [DutyInline, RequirementInline]
    raw_id_fields = ("business", "tasks")


@admin.register(Candidate)
class CandidateAdmin(SuperuserOnlyAdmin):
    list_display = ("provider", "job", "package", "quoted_monthly_price", "status")
    list_filter = ("status",)
    search_fields = ("provider__name", "job__title")
    list_select_related = ("provider", "job", "package")
    raw_id_fields = ("job", "provider", "package")


@admin.register(ReferenceCheck)
class ReferenceCheckAdmin(SuperuserOnlyAdmin):
    list_display = ("name", "company", "candidate", "status", "answered_at")
    list_filter = ("status",)
    search_fields = ("name", "company")
    raw_id_fields = ("candidate",)
    exclude = ("token_hash",)


@admin.register(Engagement)
class EngagementAdmin(SuperuserOnlyAdmin):
    list_display = ("provider", "job", "business", "status", "start_date", "agreed_price")
    list_filter = ("status", "kind", "billing_period")
    search_fields = ("provider__name", "job__title", "business__name")
    list_select_related = ("provider", "job", "business")
    raw_id_fields = (
        "business",
        "job",
        "candidate",
        "provider",
        "package",
        "backup_candidate",
        "replaced_by",
    )


class TemplateDutyInline(admin.TabularInline):
    model = JobTemplateDuty
    extra = 0


class TemplateExpertiseInline(admin.TabularInline):
    model = JobTemplateExpertise
    extra = 0


@admin.register(JobTemplate)
class JobTemplateAdmin(SuperuserOnlyAdmin):
    list_display = ("title", "owner", "category", "created_at")
    search_fields = ("title", "owner__email")
    raw_id_fields = ("owner",)
    inlines = [TemplateDutyInline, TemplateExpertiseInline]
