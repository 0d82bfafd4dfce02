"""The starter checklist ("What fills your week?"): common small-business tasks with
typical figures. Plain data; the owner adjusts the hours before anything is created."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import OwnerTask

Cat = OwnerTask.Category
Contact = OwnerTask.CustomerContact
Risk = OwnerTask.ComplianceRisk


@dataclass(frozen=True)
class StarterTask:
    key: str
    name: str
    category: str
    hours_per_month: Decimal
    customer_contact: str
    compliance_risk: str
    owner_skill: int
    hint: str


STARTER_TASKS: tuple[StarterTask, ...] = (
    StarterTask(
        "bookkeeping", "Bookkeeping", Cat.FINANCE, Decimal(8), Contact.NONE, Risk.LOW, 2,
        "Recording income and expenses, reconciling the bank.",
    ),
    StarterTask(
        "invoicing", "Invoicing", Cat.FINANCE, Decimal(4), Contact.INDIRECT, Risk.LOW, 3,
        "Sending invoices and chasing late payers.",
    ),
    StarterTask(
        "paying-bills", "Paying bills", Cat.FINANCE, Decimal(3), Contact.NONE, Risk.LOW, 4,
        "Suppliers, rent, subscriptions.",
    ),
    StarterTask(
        "payroll", "Payroll", Cat.HR, Decimal(4), Contact.NONE, Risk.HIGH, 2,
        "Pay runs, tax withholding and filings: penalties if wrong.",
    ),
    StarterTask(
        "marketing", "Marketing", Cat.MARKETING, Decimal(12), Contact.INDIRECT, Risk.NONE, 2,
        "Social media, newsletters, ads: customers see the result.",
    ),
    StarterTask(
        "customer-service", "Customer service", Cat.CUSTOMER_SERVICE, Decimal(15),
        Contact.DIRECT, Risk.NONE, 4,
        "Answering customers' questions and complaints.",
    ),
    StarterTask(
        "appointments", "Appointment setting", Cat.ADMIN, Decimal(6), Contact.INDIRECT,
        Risk.NONE, 3,
        "Booking, rescheduling and confirming appointments.",
    ),
    StarterTask(
        "website", "Website upkeep", Cat.IT, Decimal(4), Contact.INDIRECT, Risk.NONE, 2,
        "Updates, content, keeping it online.",
    ),
    StarterTask(
        "legal", "Legal paperwork", Cat.LEGAL, Decimal(2), Contact.NONE, Risk.HIGH, 1,
        "Contracts, licences, filings.",
    ),
    StarterTask(
        "it-support", "IT support", Cat.IT, Decimal(3), Contact.NONE, Risk.LOW, 2,
        "Computers, e-mail accounts, backups.",
    ),
)  # fmt: skip

STARTER_BY_KEY = {task.key: task for task in STARTER_TASKS}
