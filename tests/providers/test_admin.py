"""Admin: catalog CSV import/export with preview and row errors; tenant data for superusers only."""

from __future__ import annotations

from decimal import Decimal

import pytest
import tablib
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from providers.admin import EXPORT_SELECT_ALL_HANDLER, PackageResource, ProviderResource
from providers.models import Package, Provider
from tests.factories import UserFactory
from tests.providers.factories import (
    ExpertiseFactory,
    JobFactory,
    ProviderFactory,
    ServiceCategoryFactory,
)

PROVIDERS_CSV = (
    "name,categories,description,website,email,phone,city,region,"
    "is_local_small_business,expertise,active\n"
    "Acme Books,Bookkeeping|Payroll,Small-business books,https://acme.example,"
    "hi@acme.example,,Leeds,Yorkshire,1,Payroll law,1\n"
    "Bad Row Ltd,Astrology,,,,,,,0,,1\n"
)


@pytest.fixture
def catalog_names(db):
    ServiceCategoryFactory(name="Bookkeeping", slug="bookkeeping")
    ServiceCategoryFactory(name="Payroll", slug="payroll")
    ExpertiseFactory(name="Payroll law")


def test_provider_import_creates_catalog_rows_and_reports_unknown_names(catalog_names, owner):
    private_twin = ProviderFactory(name="Acme Books", business=owner.business)
    dataset = tablib.Dataset().load(PROVIDERS_CSV, format="csv")
    result = ProviderResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    invalid = result.invalid_rows[0]
    assert "Unknown categories: Astrology" in str(invalid.error_dict)
    acme = Provider.objects.get(name="Acme Books", business__isnull=True)
    assert acme.is_local_small_business and acme.city == "Leeds"
    assert sorted(c.name for c in acme.categories.all()) == ["Bookkeeping", "Payroll"]
    assert [e.name for e in acme.expertise.all()] == ["Payroll law"]
    private_twin.refresh_from_db()
    assert private_twin.business == owner.business and private_twin.city == "Springfield"
    again = ProviderResource().import_data(
        tablib.Dataset().load(
            PROVIDERS_CSV.splitlines()[0] + "\n" + PROVIDERS_CSV.splitlines()[1], format="csv"
        )
    )
    assert not again.has_errors() and Provider.objects.filter(business__isnull=True).count() == 1


def test_package_import_by_provider_name_with_row_errors(db):
    ProviderFactory(name="Acme Books")
    csv = (
        "provider,name,price,billing_period,hours_included,included_services\n"
        "Acme Books,Starter,250.00,monthly,5,Bookkeeping|Bank reconciliation\n"
        "Acme Books,Odd,100,weekly,,x\n"
        "Nobody Inc,Ghost,100,monthly,,x\n"
        "Acme Books,Negative,-5,monthly,,x\n"
    )
    result = PackageResource().import_data(tablib.Dataset().load(csv, format="csv"), dry_run=True)
    assert len(result.invalid_rows) + len(result.row_errors()) == 3
    assert not Package.objects.exists()
    good = "\n".join(csv.splitlines()[:2])
    result = PackageResource().import_data(tablib.Dataset().load(good, format="csv"), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    starter = Package.objects.get()
    assert starter.price == Decimal("250.00")
    assert starter.service_lines == ["Bookkeeping", "Bank reconciliation"]
    exported = PackageResource().export()
    assert "Bookkeeping|Bank reconciliation" in exported.csv


def test_export_never_includes_private_providers(owner):
    ProviderFactory(name="Catalog Co")
    ProviderFactory(name="Secret Co", business=owner.business)
    csv = ProviderResource().export().csv
    assert "Catalog Co" in csv and "Secret Co" not in csv


def staff_user():
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="providers",
            codename__regex=r"_(provider|package|servicecategory|expertise)$",
        )
    )
    return user


def test_catalog_staff_see_the_catalog_but_no_tenant_data(client, owner):
    ProviderFactory(name="Catalog Co")
    secret = ProviderFactory(name="Secret Co", business=owner.business)
    job = JobFactory(business=owner.business)
    client.force_login(staff_user())
    page = client.get(reverse("admin:providers_provider_changelist")).content.decode()
    assert "Catalog Co" in page and "Secret Co" not in page
    assert client.get(reverse("admin:providers_provider_change", args=[secret.pk])).status_code in (
        302,
        404,
    )
    assert client.get(reverse("admin:providers_jobdescription_changelist")).status_code == 403
    assert client.get(
        reverse("admin:providers_jobdescription_change", args=[job.pk])
    ).status_code in (302, 403)
    assert "Job descriptions" not in client.get(reverse("admin:index")).content.decode()


def test_superuser_sees_tenant_data(client, owner):
    ProviderFactory(name="Secret Co", business=owner.business)
    JobFactory(business=owner.business, title="Their bookkeeper")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert (
        "Secret Co" in client.get(reverse("admin:providers_provider_changelist")).content.decode()
    )
    assert (
        "Their bookkeeper"
        in client.get(reverse("admin:providers_jobdescription_changelist")).content.decode()
    )


def test_admin_import_shows_a_preview_with_row_errors(client, catalog_names):
    client.force_login(staff_user())
    url = reverse("admin:providers_provider_import")
    page = client.get(url)
    assert page.status_code == 200
    formats = page.context["form"].fields["format"].choices
    csv_index = next(value for value, label in formats if str(label).lower() == "csv")
    upload = SimpleUploadedFile("providers.csv", PROVIDERS_CSV.encode(), content_type="text/csv")
    response = client.post(url, {"resource": "0", "format": csv_index, "import_file": upload})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Unknown categories: Astrology" in body
    assert not Provider.objects.exists()  # a preview changes nothing


@pytest.mark.django_db
def test_only_the_export_page_allows_its_select_all_handler(client):

    client.force_login(staff_user())
    export = client.get(reverse("admin:providers_provider_export"))
    assert export.status_code == 200
    assert f'onchange="{EXPORT_SELECT_ALL_HANDLER}"' in export.content.decode()
    policy = export.headers["Content-Security-Policy"]
    assert "script-src-attr 'unsafe-hashes' 'sha256-" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    for url in (
        reverse("admin:providers_package_export"),
        reverse("admin:providers_provider_changelist"),
        reverse("admin:providers_provider_import"),
    ):
        policy = client.get(url).headers["Content-Security-Policy"]
        if url.endswith("/export/"):
            assert "'unsafe-hashes'" in policy
        else:
            assert "script-src-attr" not in policy, url
