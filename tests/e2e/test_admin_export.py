"""The catalog's export page in the admin works under the Content Security Policy: its
"Select all" box (wired by django-import-export with an inline handler, whose hash that page's
policy allows) unticks and ticks every field, and the browser reports no violation; any other
inline handler there is still refused."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.test_csp import violations, watch
from tests.factories import PASSWORD
from tests.providers.test_admin import staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _open_export_page_as_staff(page: Page, live_server) -> None:
    staff = staff_user()
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + reverse("admin:providers_provider_export"))


def test_export_select_all_box_works_without_inline_script(page: Page, live_server, e2e_settings):
    complaints = watch(page)
    _open_export_page_as_staff(page, live_server)
    toggle = page.locator("input.select-toggle")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]:visible')
    expect(toggle).to_be_checked()
    assert fields.count() > 1
    for i in range(fields.count()):
        expect(fields.nth(i)).to_be_checked()

    toggle.uncheck()
    for i in range(fields.count()):
        expect(fields.nth(i)).not_to_be_checked()
    toggle.check()
    for i in range(fields.count()):
        expect(fields.nth(i)).to_be_checked()

    assert violations(page) == []
    assert complaints == [], complaints


def test_export_page_allows_that_one_handler_only(page: Page, live_server, e2e_settings):
    watch(page)
    _open_export_page_as_staff(page, live_server)
    ran = page.evaluate(
        """() => {
            const b = document.createElement("button");
            b.setAttribute("onclick", "window.__other = true");
            document.body.appendChild(b);
            b.click();
            return window.__other === true;
        }"""
    )
    assert ran is False
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert violations(page) == ["script-src-attr inline"]
