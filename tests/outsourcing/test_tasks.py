"""The task inventory pages: create, edit, delete, override, list, starter checklist."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from outsourcing.models import Membership, OwnerTask
from outsourcing.starter import STARTER_TASKS
from tests.conftest import make_member
from tests.factories import OwnerTaskFactory

pytestmark = pytest.mark.django_db


def url(name: str, business, **kwargs) -> str:
    return reverse(f"outsourcing:{name}", kwargs={"business_id": business.pk, **kwargs})


def valid(**overrides) -> dict[str, str]:
    data = {
        "name": "Bookkeeping",
        "category": "finance",
        "hours_per_month": "8",
        "owner_skill": "2",
        "customer_contact": "none",
        "compliance_risk": "low",
        "energy": "drains",
        "provider_monthly_cost": "",
        "status": "doing",
        "notes": "Monthly close",
    }
    data.update(overrides)
    return data


# --- create / edit / delete ------------------------------------------------------------------


def test_create_saves_the_task_and_shows_its_call(owner_client, owner):
    response = owner_client.post(url("task-create", owner.business), valid())
    task = OwnerTask.objects.get()
    assert response["Location"] == task.get_absolute_url()
    assert task.business == owner.business
    assert task.hours_per_month == Decimal("8")
    page = owner_client.get(task.get_absolute_url()).content.decode()
    assert "Consider: get a quote" in page
    assert "960.00 USD" in page  # 8 h x 120


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("hours_per_month", "745", "at most 744 hours"),
        ("hours_per_month", "-1", "can&#x27;t be negative"),
        ("hours_per_month", "lots", "Enter the hours as a number"),
        ("hours_per_month", "NaN", "NaN and Infinity are not amounts"),
        ("hours_per_month", "Infinity", "NaN and Infinity are not amounts"),
        ("hours_per_month", "-inf", "NaN and Infinity are not amounts"),
        ("hours_per_month", "", "Enter the hours you spend"),
        ("hours_per_month", "2.25", "at most one decimal place"),
        ("hours_per_month", "99999999", "at most 744 hours"),
        ("provider_monthly_cost", "-5", "can&#x27;t be negative"),
        ("provider_monthly_cost", "100000000", "more than 99,999,999.99"),
        ("provider_monthly_cost", "1e20", "more than 99,999,999.99"),
        ("provider_monthly_cost", "1,200", "without thousands separators"),
        ("provider_monthly_cost", "cheap", "Enter an amount as a number"),
        ("provider_monthly_cost", "nan", "NaN and Infinity are not amounts"),
        ("provider_monthly_cost", "10.555", "at most two decimal places"),
        ("name", "", "Give the task a name"),
        ("name", "   ", "Give the task a name"),
        ("name", "x" * 121, "Keep the name to 120 characters (it has 121)"),
        ("notes", "n" * 4001, "Keep notes to 4000 characters"),
        ("owner_skill", "6", "Select a valid choice"),
        ("category", "nonsense", "Select a valid choice"),
    ],
)
def test_create_rejects_bad_input_with_a_specific_message(
    owner_client, owner, field, value, message
):
    response = owner_client.post(url("task-create", owner.business), valid(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OwnerTask.objects.exists()


def test_create_keeps_what_was_typed_when_a_field_is_wrong(owner_client, owner):
    response = owner_client.post(
        url("task-create", owner.business), valid(hours_per_month="800", notes="keep me")
    )
    page = response.content.decode()
    assert 'value="Bookkeeping"' in page
    assert "keep me" in page


def test_edit_changes_the_task_and_keeps_the_override(owner_client, owner):
    task = OwnerTaskFactory(
        business=owner.business, override_call="keep", override_reason="I like it"
    )
    response = owner_client.post(
        url("task-edit", owner.business, pk=task.pk),
        valid(name="Books", hours_per_month="12.5", provider_monthly_cost="300"),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.name, task.hours_per_month, task.provider_monthly_cost) == (
        "Books",
        Decimal("12.5"),
        Decimal("300"),
    )
    assert task.override_call == "keep"


def test_edit_with_bad_input_changes_nothing(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business, name="Books")
    response = owner_client.post(
        url("task-edit", owner.business, pk=task.pk), valid(name="", hours_per_month="1000")
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.name == "Books"


def test_delete_asks_first_then_deletes(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business, name="Filing")
    page = owner_client.get(url("task-delete", owner.business, pk=task.pk)).content.decode()
    assert "Delete “Filing”?" in page
    assert OwnerTask.objects.filter(pk=task.pk).exists()
    response = owner_client.post(url("task-delete", owner.business, pk=task.pk))
    assert response["Location"] == url("task-list", owner.business)
    assert not OwnerTask.objects.filter(pk=task.pk).exists()


def test_someone_elses_task_is_404_under_either_business(client, owner, outsider):
    task = OwnerTaskFactory(business=owner.business)
    client.force_login(outsider.user)
    for name in ("task-detail", "task-edit", "task-delete", "task-override"):
        assert client.get(url(name, owner.business, pk=task.pk)).status_code == 404
        assert client.get(url(name, outsider.business, pk=task.pk)).status_code == 404
    assert client.post(url("task-delete", outsider.business, pk=task.pk)).status_code == 404
    assert OwnerTask.objects.filter(pk=task.pk).exists()


def test_view_only_coach_sees_but_cannot_change(client, owner):
    coach = make_member(
        business=owner.business, role=Membership.Role.COACH, access=Membership.Access.VIEW
    )
    task = OwnerTaskFactory(business=owner.business)
    client.force_login(coach.user)
    assert client.get(url("task-list", owner.business)).status_code == 200
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Save my call" not in page and "Edit</a>" not in page
    assert client.post(url("task-create", owner.business), valid()).status_code == 403
    assert client.post(url("task-delete", owner.business, pk=task.pk)).status_code == 403
    assert OwnerTask.objects.count() == 1


# --- override --------------------------------------------------------------------------------


def test_override_needs_a_reason_and_both_calls_are_shown(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business, provider_monthly_cost=Decimal("100"))
    target = url("task-override", owner.business, pk=task.pk)
    response = owner_client.post(target, {"override_call": "keep", "override_reason": "  "})
    assert response.status_code == 200
    assert "Write a reason for overriding the call" in response.content.decode()
    task.refresh_from_db()
    assert task.override_call == ""

    owner_client.post(target, {"override_call": "keep", "override_reason": "My cousin does it"})
    task.refresh_from_db()
    assert (task.override_call, task.override_reason) == ("keep", "My cousin does it")
    page = owner_client.get(task.get_absolute_url()).content.decode()
    assert "Keep: your call" in page
    assert "My cousin does it" in page
    assert "Outsource: saves 1,100.00 USD a month" in page  # the rules' call stays visible


def test_clearing_the_override_drops_the_reason(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business, override_call="keep", override_reason="x")
    owner_client.post(
        url("task-override", owner.business, pk=task.pk),
        {"override_call": "", "override_reason": "ignored"},
    )
    task.refresh_from_db()
    assert (task.override_call, task.override_reason) == ("", "")


def test_override_rejects_an_unknown_call(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business)
    response = owner_client.post(
        url("task-override", owner.business, pk=task.pk),
        {"override_call": "fire", "override_reason": "x"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# --- list: sort, filter, paginate ------------------------------------------------------------


@pytest.fixture
def three_tasks(owner):
    b = owner.business
    return [
        OwnerTaskFactory(business=b, name="Alpha", hours_per_month=Decimal("5")),  # consider
        OwnerTaskFactory(
            business=b, name="Bravo", hours_per_month=Decimal("20"), customer_contact="direct"
        ),  # keep
        OwnerTaskFactory(
            business=b,
            name="Charlie",
            hours_per_month=Decimal("1"),
            category="marketing",
            provider_monthly_cost=Decimal("10"),
            status="exploring",
        ),  # outsource
    ]


def names_in(page: str, *names: str) -> list[str]:
    return sorted(names, key=page.index)


def test_list_sorts_by_each_column(owner_client, owner, three_tasks):
    base = url("task-list", owner.business)

    def order(sort):
        return names_in(owner_client.get(f"{base}?sort={sort}").content.decode(), *"ABC")

    def by(sort):
        page = owner_client.get(f"{base}?sort={sort}").content.decode()
        return names_in(page, "Alpha", "Bravo", "Charlie")

    assert by("name") == ["Alpha", "Bravo", "Charlie"]
    assert by("-name") == ["Charlie", "Bravo", "Alpha"]
    assert by("-hours") == ["Bravo", "Alpha", "Charlie"]
    assert by("cost") == ["Charlie", "Alpha", "Bravo"]
    assert by("call") == ["Charlie", "Alpha", "Bravo"]
    assert by("-call") == ["Bravo", "Alpha", "Charlie"]
    assert by("bogus") == ["Alpha", "Bravo", "Charlie"]  # bad sort falls back, no 500


def test_list_filters_by_category_status_and_call(owner_client, owner, three_tasks):
    base = url("task-list", owner.business)

    def shown(query):
        page = owner_client.get(f"{base}?{query}").content.decode()
        return {n for n in ("Alpha", "Bravo", "Charlie") if f">{n}</a>" in page}

    assert shown("category=marketing") == {"Charlie"}
    assert shown("status=exploring") == {"Charlie"}
    assert shown("call=keep") == {"Bravo"}
    assert shown("call=consider") == {"Alpha"}
    assert shown("call=outsource&category=finance") == set()
    assert shown("q=brav") == {"Bravo"}
    assert shown("call=nonsense") == {"Alpha", "Bravo", "Charlie"}


def test_list_counts_an_override_as_the_call(owner_client, owner, three_tasks):
    alpha = three_tasks[0]
    alpha.override_call, alpha.override_reason = "keep", "mine"
    alpha.save()
    page = owner_client.get(url("task-list", owner.business) + "?call=keep").content.decode()
    assert ">Alpha</a>" in page


def test_list_paginates_and_keeps_the_filters(owner_client, owner):
    OwnerTaskFactory.create_batch(30, business=owner.business, category="legal")
    base = url("task-list", owner.business)
    page1 = owner_client.get(f"{base}?category=legal&sort=-hours").content.decode()
    assert "Page 1 of 2" in page1
    assert "category=legal" in page1 and "page=2" in page1
    page2 = owner_client.get(f"{base}?category=legal&sort=-hours&page=2").content.decode()
    assert page2.count('class="fw-semibold"') >= 5
    assert owner_client.get(f"{base}?page=999").status_code == 200
    assert owner_client.get(f"{base}?page=abc").status_code == 200


def test_empty_list_points_to_the_starter_checklist(owner_client, owner):
    page = owner_client.get(url("task-list", owner.business)).content.decode()
    assert "No tasks yet" in page
    assert url("task-starter", owner.business) in page


# --- the starter checklist -------------------------------------------------------------------


def starter_post(ticks: dict[str, str]) -> dict[str, str]:
    data = {"starter-TOTAL_FORMS": str(len(STARTER_TASKS)), "starter-INITIAL_FORMS": "0"}
    for i, starter in enumerate(STARTER_TASKS):
        data[f"starter-{i}-key"] = starter.key
        data[f"starter-{i}-hours_per_month"] = ticks.get(starter.key, str(starter.hours_per_month))
        if starter.key in ticks:
            data[f"starter-{i}-selected"] = "on"
    return data


def test_starter_lists_the_ten_common_tasks(owner_client, owner):
    page = owner_client.get(url("task-starter", owner.business)).content.decode()
    assert "What fills your week?" in page
    for name in (
        "Bookkeeping",
        "Invoicing",
        "Paying bills",
        "Payroll",
        "Marketing",
        "Customer service",
        "Appointment setting",
        "Website upkeep",
        "Legal paperwork",
        "IT support",
    ):
        assert name in page


def test_starter_creates_the_ticked_tasks_with_defaults_and_adjusted_hours(owner_client, owner):
    response = owner_client.post(
        url("task-starter", owner.business),
        starter_post({"payroll": "6", "customer-service": "20", "marketing": "12"}),
    )
    assert response["Location"] == owner.business.get_absolute_url()
    tasks = {t.name: t for t in OwnerTask.objects.filter(business=owner.business)}
    assert set(tasks) == {"Payroll", "Customer service", "Marketing"}
    assert tasks["Payroll"].hours_per_month == Decimal("6")
    assert tasks["Payroll"].compliance_risk == "high"
    assert tasks["Customer service"].customer_contact == "direct"
    assert tasks["Marketing"].customer_contact == "indirect"


def test_starter_with_a_bad_hours_value_creates_nothing_and_says_why(owner_client, owner):
    response = owner_client.post(
        url("task-starter", owner.business), starter_post({"payroll": "6", "marketing": "900"})
    )
    assert response.status_code == 200
    assert "at most 744 hours" in response.content.decode()
    assert not OwnerTask.objects.exists()


def test_starter_ignores_bad_hours_on_unticked_rows(owner_client, owner):
    data = starter_post({"payroll": "6"})
    data["starter-4-hours_per_month"] = "abc"  # marketing, not ticked
    response = owner_client.post(url("task-starter", owner.business), data)
    assert response.status_code == 302
    assert OwnerTask.objects.count() == 1


def test_starter_twice_does_not_duplicate(owner_client, owner):
    owner_client.post(url("task-starter", owner.business), starter_post({"payroll": "6"}))
    owner_client.post(url("task-starter", owner.business), starter_post({"payroll": "6"}))
    assert OwnerTask.objects.filter(name="Payroll").count() == 1


def test_starter_with_nothing_ticked_goes_to_the_dashboard(owner_client, owner):
    response = owner_client.post(url("task-starter", owner.business), starter_post({}))
    assert response.status_code == 302
    assert not OwnerTask.objects.exists()


def test_starter_tampered_management_form_is_not_a_500(owner_client, owner):
    response = owner_client.post(
        url("task-starter", owner.business),
        {"starter-TOTAL_FORMS": "5000", "starter-INITIAL_FORMS": "x"},
    )
    assert response.status_code == 200
    assert not OwnerTask.objects.exists()


def test_business_creation_leads_to_the_starter_checklist(client, django_user_model):
    user = django_user_model.objects.create_user("new@example.com", "new@example.com", "pw")
    client.force_login(user)
    response = client.post(
        reverse("outsourcing:business-create"),
        {"name": "New Co", "currency": "USD", "timezone": "UTC", "hourly_value": "100"},
    )
    business = Membership.objects.get(user=user).business
    assert response["Location"] == url("task-starter", business)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"starter-TOTAL_FORMS": "3", "starter-INITIAL_FORMS": "0", "starter-0-selected": "on"},
    ],
)
def test_starter_truncated_post_starts_over_without_a_500(owner_client, owner, data):
    response = owner_client.post(url("task-starter", owner.business), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "tick your tasks again" in page or "What fills your week?" in page
    assert page.count('type="checkbox"') == len(STARTER_TASKS)
    assert not OwnerTask.objects.exists()
