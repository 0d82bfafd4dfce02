"""In a real Chromium, the Content Security Policy blocks inline JavaScript and our pages break
none of its rules: the project's own scripts (static/js) still run."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.conftest import make_member
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def watch(page: Page) -> list[str]:
    """Collect every CSP complaint the browser makes, from the console and from events."""
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", on_console)
    page.add_init_script(WATCH_VIOLATIONS)
    return complaints


def violations(page: Page) -> list[str]:
    return page.evaluate("() => window.__cspViolations || []")


def test_pages_keep_the_policy_and_our_scripts_run(page: Page, live_server, e2e_settings):
    owner = make_member()
    complaints = watch(page)
    visited: list[str] = []

    def visit(url: str) -> None:
        page.goto(live_server.url + url)
        visited.append(url)
        assert violations(page) == [], f"{url}: {violations(page)}"

    visit(reverse("outsourcing:landing"))
    visit(reverse("login"))
    page.get_by_label("E-mail").fill(owner.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("current-business")).to_have_text(owner.business.name)
    assert violations(page) == []

    # Bootstrap's bundle (a static file) runs: the account menu opens.
    page.get_by_role("button", name=owner.user.email).or_(
        page.get_by_role("link", name=owner.user.email)
    ).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Our own script runs: the hourly value calculator fills the field.
    visit(reverse("outsourcing:business-create"))
    page.get_by_text("Calculator: what is an hour of my time worth?").click()
    page.get_by_label("Yearly income target").fill("90000")
    page.get_by_label("Working hours a year").fill("1800")
    page.get_by_role("button", name="Use this").click()
    expect(page.get_by_label("Hourly value")).to_have_value("50.00")

    visit("/no-such-page/")
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()

    assert complaints == [], complaints


def test_an_injected_inline_script_is_blocked(page: Page, live_server, e2e_settings):
    """The positive control: the policy is enforced, so the watch above would see a breach."""
    complaints = watch(page)
    page.goto(live_server.url + reverse("outsourcing:landing"))
    ran = page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.__injected = true";
            document.body.appendChild(s);
            return window.__injected === true;
        }"""
    )
    assert ran is False
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any(v.startswith("script-src") for v in violations(page))
    assert complaints
