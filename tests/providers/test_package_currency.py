"""A catalog package's price is a cost only for a business that uses the package's currency:
elsewhere the candidate needs a quote, and the pages say so."""

from __future__ import annotations

from decimal import Decimal

import pytest
import tablib
from django.apps import apps
from django.urls import reverse

from providers import selectors
from providers.admin import PackageResource
from providers.models import Package
from tests.factories import OwnerTaskFactory
from tests.providers.factories import (
    CandidateFactory,
    JobFactory,
    PackageFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def cad_job(owner):
    business = owner.business
    business.currency = "CAD"
    business.save()
    job = JobFactory(business=business)
    OwnerTaskFactory(business=business, hours_per_month=D("10")).jobs.add(job)
    return job


def _rows_by_provider(owner, job):
    loaded = selectors.job_get(business=owner.business, pk=job.pk)
    full = {r.candidate.provider.name: r.fit for r in selectors.job_comparison(job=loaded)}
    fast = {
        r.provider_name: r.fit
        for r in selectors.job_compare_get(business=owner.business, pk=job.pk).rows
    }
    assert {k: f.monthly_cost for k, f in full.items()} == {
        k: f.monthly_cost for k, f in fast.items()
    }
    return full


def test_a_package_in_another_currency_is_no_price_but_a_quote_or_same_currency_is(owner, cad_job):
    usd = PackageFactory(price=D("600.00"), currency="USD")
    cad = PackageFactory(price=D("300.00"), currency="CAD", billing_period="quarterly")
    CandidateFactory(
        job=cad_job,
        provider=ProviderFactory(name="Usd Only"),
        package=usd,
        quoted_monthly_price=None,
    )
    CandidateFactory(
        job=cad_job,
        provider=ProviderFactory(name="Usd Quoted"),
        package=usd,
        quoted_monthly_price=D("700.00"),
    )
    CandidateFactory(
        job=cad_job,
        provider=ProviderFactory(name="Cad Package"),
        package=cad,
        quoted_monthly_price=None,
    )
    rows = _rows_by_provider(owner, cad_job)
    assert rows["Usd Only"].monthly_cost is None
    assert "no monthly price yet" in rows["Usd Only"].notes
    assert rows["Usd Quoted"].monthly_cost == D("700.00")
    assert rows["Cad Package"].monthly_cost == D("100.00")  # 300 a quarter


def test_candidate_page_names_the_other_currency_and_hire_leaves_the_price_empty(
    owner_client, owner, cad_job
):
    usd = PackageFactory(name="Books Plus", price=D("600.00"), currency="USD")
    candidate = CandidateFactory(job=cad_job, package=usd, quoted_monthly_price=None)
    b = owner.business.pk
    page = owner_client.get(
        reverse("providers:candidate-detail", kwargs={"business_id": b, "pk": candidate.pk})
    ).content.decode()
    assert "600.00 USD" in page
    assert "priced in USD, not CAD: ask them for a quote in CAD" in page
    hire = owner_client.get(
        reverse("providers:candidate-hire", kwargs={"business_id": b, "pk": candidate.pk})
    )
    assert hire.status_code == 200
    assert hire.context["form"].initial["agreed_price"] is None
    # with a quote, no warning, and the quote is the price to agree
    candidate.quoted_monthly_price = D("650.00")
    candidate.save()
    page = owner_client.get(
        reverse("providers:candidate-detail", kwargs={"business_id": b, "pk": candidate.pk})
    ).content.decode()
    assert "ask them for a quote" not in page
    hire = owner_client.get(
        reverse("providers:candidate-hire", kwargs={"business_id": b, "pk": candidate.pk})
    )
    assert hire.context["form"].initial["agreed_price"] == D("650.00")


def test_provider_page_shows_each_package_in_its_own_currency(owner_client, owner, cad_job):
    provider = ProviderFactory(name="Two Markets")
    PackageFactory(provider=provider, name="US plan", price=D("100.00"), currency="USD")
    PackageFactory(provider=provider, name="Canada plan", price=D("130.00"), currency="CAD")
    url = reverse(
        "providers:provider-detail", kwargs={"business_id": owner.business.pk, "pk": provider.pk}
    )
    page = owner_client.get(url).content.decode()
    assert "100.00 USD" in page and "130.00 CAD" in page


def test_catalog_import_reads_the_currency_and_refuses_an_unknown_one(db):
    ProviderFactory(name="Acme Books")
    csv = (
        "provider,name,price,currency,billing_period,hours_included,included_services\n"
        "Acme Books,Euro plan,250.00,EUR,monthly,5,Bookkeeping\n"
        "Acme Books,Odd money,100,XYZ,monthly,,x\n"
    )
    result = PackageResource().import_data(tablib.Dataset().load(csv, format="csv"), dry_run=True)
    assert len(result.invalid_rows) == 1
    assert "currency" in str(result.invalid_rows[0].error_dict)
    good = "\n".join(csv.splitlines()[:2])
    result = PackageResource().import_data(tablib.Dataset().load(good, format="csv"))
    assert not result.has_errors() and not result.has_validation_errors()
    assert Package.objects.get().currency == "EUR"
    assert ",EUR," in PackageResource().export().csv


def test_migration_puts_private_packages_in_their_business_currency(owner):
    from importlib import import_module

    step = import_module("providers.migrations.0003_package_currency")
    owner.business.currency = "GBP"
    owner.business.save()
    private = PackageFactory(provider=ProviderFactory(business=owner.business), currency="USD")
    catalog = PackageFactory(currency="USD")
    step.private_packages_in_their_business_currency(apps, None)
    private.refresh_from_db()
    catalog.refresh_from_db()
    assert (private.currency, catalog.currency) == ("GBP", "USD")
