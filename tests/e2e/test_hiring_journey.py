"""Journeys 5-8 in Chromium: write a job description with three duties, shortlist two
providers, a reference answers through the private link in a fresh browser (no account),
compare, hire."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from outsourcing.models import OwnerTask
from providers.models import Engagement, ReferenceCheck
from tests.conftest import make_member
from tests.factories import PASSWORD, OwnerTaskFactory
from tests.providers.factories import PackageFactory, ProviderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + reverse("login"))
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_write_shortlist_reference_compare_hire(
    page: Page, browser: Browser, live_server, e2e_settings
):
    owner = make_member()
    business = owner.business
    OwnerTaskFactory(business=business, name="Bookkeeping", hours_per_month=Decimal("10"))
    local = ProviderFactory(name="Ledger and Loaf", is_local_small_business=True)
    package = PackageFactory(
        provider=local,
        name="Books and Payroll",
        price=Decimal("600"),
        included_services="Monthly bookkeeping\nPayroll runs\nSales tax filing\nCFO call",
    )
    ProviderFactory(name="Summit Books")
    base = live_server.url
    page.set_default_timeout(10_000)
    problems: list[str] = []
    # CSP violations and failed scripts/styles show up as console errors or failed responses.
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )

    log_in(page, base, owner.user.username, PASSWORD)

    # 5. Job description: title, the task it covers, three duties (rows added by JS).
    page.goto(base + reverse("providers:job-list", args=[business.pk]))
    page.get_by_role("link", name="Write a job description").first.click()
    page.get_by_label("Title").fill("Bookkeeper")
    page.get_by_label("Bookkeeping").check()
    page.get_by_label("Goals for the relationship").fill("Books closed by the 5th, no penalties")
    page.get_by_label("Monthly budget").fill("700")
    page.locator("[name='duties-0-what']").fill("Monthly bookkeeping")
    page.get_by_role("button", name="Add a duty").click()
    page.locator("[name='duties-1-what']").fill("Payroll runs")
    page.get_by_role("button", name="Add a duty").click()
    page.locator("[name='duties-2-what']").fill("Answer questions")
    page.locator("[name='duties-2-importance']").select_option("nice")
    page.get_by_role("button", name="Save job description").click()
    expect(page.get_by_role("heading", name="Bookkeeper")).to_be_visible()
    expect(page.get_by_test_id("duty-row")).to_have_count(3)

    # 6. Shortlist two providers: one with a package, one with a quote.
    page.get_by_role("link", name="Shortlist a provider").first.click()
    page.get_by_label("Provider").select_option(label="Ledger and Loaf")
    page.get_by_label("Package").select_option(value=str(package.pk))
    page.get_by_role("button", name="Add to the shortlist").click()
    expect(page.get_by_role("heading", name="Ledger and Loaf")).to_be_visible()
    # 7. Candidate page: coverage suggested from the package, extras priced.
    expect(page.get_by_test_id("must-covered")).to_have_text("100%")
    expect(page.get_by_test_id("extras")).to_contain_text("CFO call")

    # A reference, and the private link for them.
    page.get_by_label("Name").fill("Maria Lopez")
    page.get_by_label("Company").fill("Lopez Coffee")
    page.get_by_label("Contact").fill("by phone")
    page.get_by_role("button", name="Add reference").click()
    page.get_by_role("button", name="Send private link").click()
    link = page.get_by_test_id("reference-link").input_value()
    answer_path = urlparse(link).path
    assert answer_path.startswith("/r/")

    page.get_by_role("link", name="Bookkeeper").first.click()
    page.get_by_role("link", name="Shortlist another provider").click()
    page.get_by_label("Provider").select_option(label="Summit Books")
    page.get_by_label("Quoted monthly price").fill("450")
    page.get_by_role("button", name="Add to the shortlist").click()
    expect(page.get_by_role("heading", name="Summit Books")).to_be_visible()

    # The reference answers in a fresh browser: no account, only this questionnaire.
    reference_context = browser.new_context()
    ref_page = reference_context.new_page()
    ref_page.set_default_timeout(10_000)
    ref_page.goto(base + answer_path)
    expect(
        ref_page.get_by_role("heading", name="A few questions about Ledger and Loaf")
    ).to_be_visible()
    expect(ref_page.get_by_text("Books closed by the 5th, no penalties")).to_have_count(0)
    questions = ref_page.get_by_test_id("duty-question")
    expect(questions).to_have_count(3)
    for i, rating in enumerate(("5", "4", "3")):
        questions.nth(i).get_by_label("How well do they do it?").select_option(rating)
    questions.nth(0).get_by_label("Comment (optional)").fill("Always closed by the 3rd")
    ref_page.get_by_label("Yes").check()
    ref_page.get_by_role("button", name="Send my answers").click()
    expect(ref_page.get_by_role("heading", name="Thank you, Maria Lopez!")).to_be_visible()
    ref_page.goto(base + answer_path)
    expect(ref_page.get_by_test_id("link-problem")).to_have_text("These answers are already in")
    reference_context.close()
    assert ReferenceCheck.objects.get().status == ReferenceCheck.Status.ANSWERED

    # 8. Compare, then hire the top-ranked candidate.
    page.goto(base + reverse("providers:job-list", args=[business.pk]))
    page.get_by_role("link", name="Bookkeeper").click()
    page.get_by_role("link", name="Compare candidates").first.click()
    expect(page.get_by_test_id("fit-rule")).to_contain_text("must-have duties")
    rows = page.get_by_test_id("compare-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Ledger and Loaf")
    expect(rows.first).to_contain_text("4.2 / 5")  # (5*2 + 4*2 + 3) / 5, must-haves twice
    rows.first.get_by_role("link", name="Hire").click()
    page.get_by_label("Renewal date").fill("2027-12-31")
    page.get_by_label("How to give notice").fill("E-mail 30 days before renewal")
    page.get_by_label("Backup candidate (if this does not work out)").select_option(
        label="Summit Books for Bookkeeper"
    )
    page.get_by_role("button", name="Hire Ledger and Loaf").click()
    expect(page.get_by_role("heading", name="Ledger and Loaf")).to_contain_text("Active")
    expect(page.get_by_text("E-mail 30 days before renewal")).to_be_visible()

    engagement = Engagement.objects.get()
    assert engagement.backup_candidate.provider.name == "Summit Books"
    task = OwnerTask.objects.get(business=business)
    assert (task.status, task.provider_monthly_cost) == ("outsourced", Decimal("600.00"))
    assert not [p for p in problems if "Failed to load resource" not in p], problems
