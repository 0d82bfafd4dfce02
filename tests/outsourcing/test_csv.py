"""CSV export (spreadsheet-safe) and import (all or nothing, row-by-row report)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outsourcing.models import OwnerTask
from outsourcing.task_csv import MAX_BYTES, neutralise
from tests.factories import OwnerTaskFactory

pytestmark = pytest.mark.django_db

HEADER = "name,category,hours_per_month,owner_skill,customer_contact,provider_monthly_cost\n"


def export_url(business) -> str:
    return reverse("outsourcing:task-export", kwargs={"business_id": business.pk})


def import_url(business) -> str:
    return reverse("outsourcing:task-import", kwargs={"business_id": business.pk})


def upload(client, business, content: bytes | str, name: str = "tasks.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(import_url(business), {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Plain", "Plain"),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_export_has_every_task_its_figures_and_neutralised_cells(owner_client, owner):
    OwnerTaskFactory(
        business=owner.business,
        name="=cmd|' /C calc'!A0",
        notes="@evil",
        hours_per_month=Decimal("10"),
        provider_monthly_cost=Decimal("1500"),
        owner_skill=4,
    )
    OwnerTaskFactory(business=owner.business, name="Payroll", hours_per_month=Decimal("2.5"))
    response = owner_client.get(export_url(owner.business))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {row["name"]: row for row in rows}
    evil = by_name["'=cmd|' /C calc'!A0"]
    assert evil["notes"] == "'@evil"
    assert evil["net_benefit"] == "'-300.00"  # a negative number starts with '-'
    assert evil["opportunity_cost"] == "1200.00"
    assert evil["call"] == "keep"
    assert by_name["Payroll"]["hours_per_month"] == "2.5"
    assert by_name["Payroll"]["reason"].startswith("Your 2.5 hours a month")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@"))


def test_export_is_only_this_businesss_tasks(owner_client, owner, outsider):
    OwnerTaskFactory(business=outsider.business, name="Secret")
    OwnerTaskFactory(business=owner.business, name="Mine")
    body = owner_client.get(export_url(owner.business)).content.decode("utf-8-sig")
    assert "Mine" in body and "Secret" not in body


def test_an_export_imports_back_as_it_is(owner_client, owner, outsider, client):
    OwnerTaskFactory(
        business=owner.business,
        name="-Dash first",
        notes="=not a formula",
        category="legal",
        customer_contact="indirect",
        compliance_risk="high",
        primary_focus=True,
        energy="gives",
        status="exploring",
        hours_per_month=Decimal("7.5"),
        provider_monthly_cost=Decimal("99.90"),
        owner_skill=5,
    )
    exported = owner_client.get(export_url(owner.business)).content
    client.force_login(outsider.user)
    response = upload(client, outsider.business, exported)
    assert response.status_code == 302, response.content.decode()[:2000]
    task = OwnerTask.objects.get(business=outsider.business)
    assert (task.name, task.notes, task.category, task.customer_contact) == (
        "-Dash first",
        "=not a formula",
        "legal",
        "indirect",
    )
    assert (task.compliance_risk, task.primary_focus, task.energy, task.status) == (
        "high",
        True,
        "gives",
        "exploring",
    )
    assert (task.hours_per_month, task.provider_monthly_cost, task.owner_skill) == (
        Decimal("7.5"),
        Decimal("99.90"),
        5,
    )


def test_import_accepts_labels_any_case_and_defaults(owner_client, owner):
    body = (
        "Name,Hours_per_month,Category,Customer_Contact,primary_focus\n"
        "Books,8,Finance & bookkeeping,NONE,no\n"
        "Sales calls,20,sales,direct,YES\n"
    )
    response = upload(owner_client, owner.business, body)
    assert response.status_code == 302
    tasks = {t.name: t for t in OwnerTask.objects.filter(business=owner.business)}
    assert tasks["Books"].category == "finance"
    assert tasks["Books"].owner_skill == 3
    assert tasks["Books"].provider_monthly_cost is None
    assert tasks["Sales calls"].primary_focus is True


def test_a_bad_row_imports_nothing_and_every_problem_is_listed(owner_client, owner):
    body = (
        HEADER
        + "Good one,finance,5,3,none,\n"
        + ",finance,5,3,none,\n"
        + "Too long,finance,800,3,none,\n"
        + "Bad money,finance,5,3,none,-10\n"
        + "Bad choice,planets,5,9,sideways,NaN\n"
    )
    response = upload(owner_client, owner.business, body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported: 4 rows need fixing." in page
    assert "<strong>Row 3:</strong> name: Give the task a name" in page
    assert "<strong>Row 4:</strong> hours_per_month: A month has at most 744 hours" in page
    assert "<strong>Row 5:</strong> provider_monthly_cost: An amount can&#x27;t be negative" in page
    row6 = page[page.index("<strong>Row 6:</strong>") :].split("</li>")[0]
    assert "category: Select a valid choice" in row6
    assert "owner_skill: Select a valid choice" in row6
    assert "customer_contact: Select a valid choice" in row6
    assert "NaN and Infinity are not amounts" in row6
    assert "Row 2" not in page
    assert not OwnerTask.objects.exists()


def test_a_row_with_extra_cells_is_reported(owner_client, owner):
    response = upload(owner_client, owner.business, HEADER + "A,finance,5,3,none,,extra\n")
    assert "more cells than the header row" in response.content.decode()
    assert not OwnerTask.objects.exists()


def test_a_bad_primary_focus_is_reported(owner_client, owner):
    body = "name,hours_per_month,primary_focus\nA,5,maybe\n"
    response = upload(owner_client, owner.business, body)
    assert "primary_focus: write yes or no" in response.content.decode()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "tasks.csv", "This is not a CSV file"),
        (b"name,hours_per_month\nA,5\n", "tasks.xlsx", "This is not a CSV file"),
        ("name,hours_per_month\nCaf\xe9,5\n".encode("latin-1"), "tasks.csv", "not UTF-8"),
        (b"", "tasks.csv", "The file is empty"),
        (b"   \n\n", "tasks.csv", "The file is empty"),
        (b"name,hours_per_month\n", "tasks.csv", "header row but no tasks"),
        (b"title,time\nA,5\n", "tasks.csv", "missing column(s): hours_per_month, name"),
        (b"name,hours_per_month,colour\nA,5,red\n", "tasks.csv", "unknown column(s): colour"),
        (b"name,hours_per_month\n" + b"A,1\n" * 1001, "tasks.csv", "import at most 1,000"),
        (b"x" * (MAX_BYTES + 1), "tasks.csv", "too large"),
    ],
)
def test_bad_files_get_a_clear_message(owner_client, owner, content, name, message):
    response = upload(owner_client, owner.business, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OwnerTask.objects.exists()


def test_no_file_at_all(owner_client, owner):
    response = owner_client.post(import_url(owner.business), {})
    assert "Choose a CSV file to import." in response.content.decode()


def test_utf8_with_bom_and_accents_imports(owner_client, owner):
    body = "\ufeffname,hours_per_month\nCafé accounts,3\n".encode()
    assert upload(owner_client, owner.business, body).status_code == 302
    assert OwnerTask.objects.get().name == "Café accounts"


def test_import_is_not_reachable_for_someone_else(client, owner, outsider):
    client.force_login(outsider.user)
    response = upload(client, owner.business, "name,hours_per_month\nA,5\n")
    assert response.status_code == 404
    assert not OwnerTask.objects.exists()
