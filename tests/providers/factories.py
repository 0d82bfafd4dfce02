"""Provider factories. Related rows stay in the same business (a job's candidates, duties...)."""

from __future__ import annotations

from decimal import Decimal

import factory

from providers.models import (
    Candidate,
    Duty,
    Expertise,
    Importance,
    JobDescription,
    Package,
    Provider,
    ReferenceCheck,
    ServiceCategory,
)
from tests.factories import BusinessFactory


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ExpertiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expertise
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Expertise {n}")


class ProviderFactory(factory.django.DjangoModelFactory):
    """A catalog provider (business=None) unless a business is given."""

    class Meta:
        model = Provider

    business = None
    name = factory.Sequence(lambda n: f"Provider {n}")
    city = "Springfield"


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Package {n}")
    price = Decimal("600.00")
    billing_period = "monthly"
    included_services = "Monthly bookkeeping\nPayroll runs\nAnnual tax return\nCFO call"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobDescription

    business = factory.SubFactory(BusinessFactory)
    title = factory.Sequence(lambda n: f"Job {n}")
    monthly_budget = Decimal("800.00")


class DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duty

    job = factory.SubFactory(JobFactory)
    what = factory.Sequence(lambda n: f"Duty {n}")
    importance = Importance.MUST
    order = factory.Sequence(int)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    job = factory.SubFactory(JobFactory)
    provider = factory.SubFactory(ProviderFactory)
    quoted_monthly_price = Decimal("500.00")


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferenceCheck

    candidate = factory.SubFactory(CandidateFactory)
    name = factory.Sequence(lambda n: f"Reference {n}")
    company = "Client Co"
    contact = "ref@example.com"
