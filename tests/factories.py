"""Factories. Related rows always stay inside the same business."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from outsourcing.models import Business, Membership, OwnerTask

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Business {n}")
    currency = "USD"
    timezone = "America/New_York"
    hourly_value = Decimal("120.00")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    business = factory.SubFactory(BusinessFactory)
    role = Membership.Role.OWNER
    access = Membership.Access.EDIT


class OwnerTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OwnerTask

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Task {n}")
    category = OwnerTask.Category.FINANCE
    hours_per_month = Decimal("10")
    owner_skill = 3
    provider_monthly_cost = None
