"""Journeys 1-4 in a real Chromium: sign up, create a business, tick starter tasks, edit one,
and see its call on the dashboard; then the same dashboard on a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def screenshot_dir(tmp_path: Path) -> Path:
    """Screenshots go to $E2E_SCREENSHOTS when set (to look at them), else a temp folder."""
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_owner_signs_up_lists_tasks_and_sees_the_calls(
    page: Page, live_server, e2e_settings, tmp_path
):
    page.goto(live_server.url + reverse("outsourcing:signup"))
    page.get_by_label("E-mail").fill("dana@bakery.example")
    page.locator("#id_password1").fill("flour-and-water-2026")
    page.locator("#id_password2").fill("flour-and-water-2026")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Create your business")).to_be_visible()
    page.get_by_label("Business name").fill("Dana's Bakery")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Time zone").select_option("America/New_York")
    # The calculator: 144,000 a year over 1,800 hours = 80.00 an hour.
    page.get_by_text("Calculator: what is an hour of my time worth?").click()
    page.get_by_label("Yearly income target").fill("144000")
    page.get_by_label("Working hours a year").fill("1800")
    expect(page.locator("#calc-result")).to_have_text("80.00")
    page.get_by_role("button", name="Use this").click()
    expect(page.get_by_label("Your hourly value")).to_have_value("80.00")
    page.get_by_role("button", name="Create business").click()

    expect(page.get_by_role("heading", name="What fills your week?")).to_be_visible()
    expect(page.get_by_test_id("current-business")).to_have_text("Dana's Bakery")
    for key in ("bookkeeping", "payroll", "marketing", "customer-service"):
        page.get_by_test_id(f"starter-{key}").check()
    page.locator("#id_starter-0-hours_per_month").fill("10")  # bookkeeping: 10 h, not 8
    page.get_by_test_id("starter-submit").click()

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    headline = page.get_by_test_id("headline")
    # Payroll (high risk, skill 2) is the one Outsource call so far: 4 h x 80.
    expect(headline).to_contain_text("Outsourcing 1 task would free 4 hours a month")
    expect(headline).to_contain_text("worth 320 USD")
    ranked = page.get_by_test_id("ranked-list")
    expect(ranked).to_contain_text("Keep: customer-facing")
    expect(ranked).to_contain_text("Consider: get a quote")
    expect(page.get_by_test_id("matrix")).to_be_visible()

    # Edit Bookkeeping: a quote of 300 a month against 10 h x 80 = 800 of the owner's time.
    page.get_by_role("link", name="Tasks", exact=True).click()
    page.get_by_role("link", name="Bookkeeping").click()
    expect(page.get_by_test_id("task-call")).to_contain_text("Consider: get a quote")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Provider's monthly cost").fill("300")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("task-call")).to_contain_text("Outsource: saves 500.00 USD a month")

    page.get_by_role("link", name="Dashboard").click()
    expect(ranked).to_contain_text("Outsource: saves 500.00 USD a month")
    expect(headline).to_contain_text("Outsourcing 2 tasks would free 14 hours a month")
    expect(headline).to_contain_text("worth 1,120 USD")
    expect(page.get_by_test_id("net-month")).to_have_text("500 USD")

    # A bad value on the form gets a message, not a 500, and nothing is lost.
    page.get_by_role("link", name="Tasks", exact=True).click()
    page.get_by_role("link", name="Marketing").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Hours a month").fill("900")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A month has at most 744 hours")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Marketing")

    # The dashboard on a phone: nothing wider than the screen, and a picture to look at.
    page.set_viewport_size(PHONE)
    page.goto(page.url.split("/tasks/")[0] + "/")
    expect(page.get_by_test_id("headline")).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the dashboard is {overflow}px wider than a 390px phone"
    box = page.get_by_test_id("matrix").bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    page.screenshot(path=str(screenshot_dir(tmp_path) / "dashboard-390.png"), full_page=True)

    for name, link, heading in (
        ("tasks", "All tasks, sortable and filterable", "Your tasks"),
        ("task", "Bookkeeping", "Bookkeeping"),
    ):
        page.get_by_role("link", name=link).first.click()
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the {name} page is {overflow}px wider than a 390px phone"
        page.screenshot(path=str(screenshot_dir(tmp_path) / f"{name}-390.png"), full_page=True)
