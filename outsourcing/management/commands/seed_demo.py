"""`manage.py seed_demo`: demo logins and a realistic inventory. Safe to run again.

Creates (or leaves as they are):
- owner@demo.example, owner of Harbor Street Bakery with a task inventory;
- coach@demo.example, coaching three client businesses, each with an owner of its own;
- admin@demo.example, a staff superuser for the admin.
All with the password `demo-pass-2026`. Then it calls the providers' and reviews' demo hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction

from outsourcing import coach_services
from outsourcing.models import Business, Membership, OwnerTask
from providers import demo as providers_demo
from reviews import demo as reviews_demo

PASSWORD = "demo-pass-2026"  # noqa: S105 (the documented demo password)
OWNER_EMAIL = "owner@demo.example"
COACH_EMAIL = "coach@demo.example"
ADMIN_EMAIL = "admin@demo.example"

C = OwnerTask.Category
D = Decimal


def task(**fields: Any) -> dict[str, Any]:
    return fields


@dataclass(frozen=True)
class DemoBusiness:
    name: str
    owner_email: str
    currency: str
    timezone: str
    hourly_value: Decimal
    tasks: tuple[dict[str, Any], ...]


OWNER_BUSINESS = DemoBusiness(
    "Harbor Street Bakery",
    OWNER_EMAIL,
    "USD",
    "America/New_York",
    D("95"),
    (
        task(name="Bookkeeping", category=C.FINANCE, hours_per_month=D("10"), owner_skill=2,
             compliance_risk="low", energy="drains", provider_monthly_cost=D("450"),
             status="exploring", notes="Receipts pile up; the bank reconciliation takes a Sunday."),
        task(name="Payroll", category=C.HR, hours_per_month=D("4"), owner_skill=2,
             compliance_risk="high", energy="drains", provider_monthly_cost=D("180"),
             notes="Six staff, two of them part-time; state withholding changed last year."),
        task(name="Invoicing wholesale customers", category=C.FINANCE, hours_per_month=D("5"),
             customer_contact="indirect", owner_skill=3,
             override_call="keep",
             override_reason="I phone each café when I invoice them: it keeps the orders coming."),
        task(name="Social media and newsletter", category=C.MARKETING, hours_per_month=D("14"),
             customer_contact="indirect", owner_skill=2, energy="drains",
             provider_monthly_cost=D("900")),
        task(name="Customer orders and complaints", category=C.CUSTOMER_SERVICE,
             hours_per_month=D("20"), customer_contact="direct", owner_skill=4, energy="gives"),
        task(name="Baking and new recipes", category=C.OPERATIONS, hours_per_month=D("60"),
             primary_focus=True, owner_skill=5, energy="gives"),
        task(name="Website updates", category=C.IT, hours_per_month=D("3"),
             customer_contact="indirect", owner_skill=2, provider_monthly_cost=D("400")),
        task(name="Paying suppliers", category=C.FINANCE, hours_per_month=D("3"), owner_skill=4,
             compliance_risk="low", provider_monthly_cost=D("350")),
        task(name="Cleaning the shop", category=C.OPERATIONS, hours_per_month=D("12"),
             owner_skill=4, provider_monthly_cost=D("600"), status="exploring"),
        task(name="Licences and health permits", category=C.LEGAL, hours_per_month=D("1.5"),
             owner_skill=1, compliance_risk="high"),
        task(name="Catering quotes", category=C.SALES, hours_per_month=D("6"),
             customer_contact="direct", primary_focus=True, owner_skill=4),
        task(name="Printing flyers", category=C.MARKETING, hours_per_month=D("2"),
             owner_skill=3, status="eliminated", notes="Stopped: they never brought anyone in."),
    ),
)  # fmt: skip

CLIENT_BUSINESSES = (
    DemoBusiness(
        "Northside Dental",
        "dental@demo.example",
        "USD",
        "America/Chicago",
        D("150"),
        (
            task(name="Insurance claims", category=C.ADMIN, hours_per_month=D("16"),
                 owner_skill=2, compliance_risk="high", provider_monthly_cost=D("1100")),
            task(name="Bookkeeping", category=C.FINANCE, hours_per_month=D("6"), owner_skill=3,
                 compliance_risk="low", provider_monthly_cost=D("380")),
            task(name="Patient appointments", category=C.CUSTOMER_SERVICE,
                 hours_per_month=D("25"), customer_contact="direct", owner_skill=3),
            task(name="Marketing", category=C.MARKETING, hours_per_month=D("8"),
                 customer_contact="indirect", owner_skill=2),
            task(name="IT support", category=C.IT, hours_per_month=D("4"), owner_skill=2,
                 provider_monthly_cost=D("250")),
        ),
    ),
    DemoBusiness(
        "Greenline Landscaping",
        "greenline@demo.example",
        "CAD",
        "America/Toronto",
        D("70"),
        (
            task(name="Quotes and site visits", category=C.SALES, hours_per_month=D("18"),
                 customer_contact="direct", primary_focus=True, owner_skill=5),
            task(name="Payroll", category=C.HR, hours_per_month=D("5"), owner_skill=2,
                 compliance_risk="high", provider_monthly_cost=D("220")),
            task(name="Invoicing", category=C.FINANCE, hours_per_month=D("6"),
                 customer_contact="indirect", owner_skill=3, provider_monthly_cost=D("300")),
            task(name="Equipment maintenance", category=C.OPERATIONS, hours_per_month=D("10"),
                 owner_skill=4, provider_monthly_cost=D("900")),
        ),
    ),
    DemoBusiness(
        "Atlas Bike Repair",
        "atlas@demo.example",
        "GBP",
        "Europe/London",
        D("45"),
        (
            task(name="Bookkeeping", category=C.FINANCE, hours_per_month=D("8"), owner_skill=1,
                 compliance_risk="low"),
            task(name="VAT returns", category=C.LEGAL, hours_per_month=D("3"), owner_skill=2,
                 compliance_risk="high", provider_monthly_cost=D("120")),
            task(name="Online shop listings", category=C.MARKETING, hours_per_month=D("10"),
                 customer_contact="indirect", owner_skill=3, provider_monthly_cost=D("350")),
            task(name="Repairs", category=C.OPERATIONS, hours_per_month=D("90"),
                 primary_focus=True, owner_skill=5, energy="gives"),
        ),
    ),
)  # fmt: skip


def user_ensure(email: str, *, staff: bool = False) -> User:
    """The demo user with this e-mail, created if missing; the demo password restored."""
    user, created = User.objects.get_or_create(username=email, defaults={"email": email})
    changed = created
    if staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        changed = True
    if created or not user.check_password(PASSWORD):
        user.set_password(PASSWORD)
        changed = True
    if changed:
        user.save()
    return user


def business_ensure(spec: DemoBusiness, owner: User) -> Business:
    business = Business.objects.filter(
        name=spec.name, memberships__user=owner, memberships__role=Membership.Role.OWNER
    ).first()
    if business is None:
        business = Business.objects.create(
            name=spec.name,
            currency=spec.currency,
            timezone=spec.timezone,
            hourly_value=spec.hourly_value,
        )
        Membership.objects.create(user=owner, business=business, role=Membership.Role.OWNER)
    for fields in spec.tasks:
        values = dict(fields)
        name = values.pop("name")
        if not OwnerTask.objects.filter(business=business, name=name).exists():
            task = OwnerTask(business=business, name=name, **values)
            task.full_clean()
            task.save()
    return business


class Command(BaseCommand):
    help = "Create the demo logins and businesses (idempotent: safe to run again)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        owner = user_ensure(OWNER_EMAIL)
        coach = user_ensure(COACH_EMAIL)
        user_ensure(ADMIN_EMAIL, staff=True)
        coach_services.coach_register(coach)

        owner_business = business_ensure(OWNER_BUSINESS, owner)
        clients = []
        for spec in CLIENT_BUSINESSES:
            business = business_ensure(spec, user_ensure(spec.owner_email))
            Membership.objects.get_or_create(
                user=coach,
                business=business,
                defaults={"role": Membership.Role.COACH, "access": Membership.Access.EDIT},
            )
            clients.append(business)

        providers_demo.seed(owner_business=owner_business, client_businesses=clients)
        reviews_demo.seed(owner_business=owner_business, client_businesses=clients)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {owner_business.name} ({OWNER_EMAIL}), "
                f"{len(clients)} client businesses ({COACH_EMAIL}), admin {ADMIN_EMAIL}; "
                f"password {PASSWORD}"
            )
        )
