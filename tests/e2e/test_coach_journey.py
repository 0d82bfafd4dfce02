"""Journeys 12-13 and 16 in Chromium: the owner invites a coach, the coach signs up through
the link and sees the client in the portfolio, the owner revokes, the client is gone."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.conftest import make_member
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COACH_EMAIL = "casey.coach@example.com"
COACH_PASSWORD = "a-long-coach-pass-phrase-77"


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_owner_invites_coach_accepts_owner_revokes(
    page: Page, browser: Browser, live_server, e2e_settings
):
    owner = make_member()
    business = owner.business
    base = live_server.url
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "Remove …'s access?"

    # The owner invites a coach from People.
    log_in(page, base, owner.user.username, PASSWORD)
    expect(page.get_by_test_id("current-business")).to_have_text(business.name)
    page.goto(base + reverse("coach:people", args=[business.pk]))
    page.get_by_label("Coach's e-mail").fill(COACH_EMAIL)
    page.get_by_label("Can edit").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation e-mailed")).to_be_visible()
    link = page.get_by_test_id("invitation-link").input_value()
    assert re.search(r"/invitations/[\w-]{40,}/$", link)
    invitation_path = urlparse(link).path

    # The coach opens the link in a fresh browser, signs up through it and accepts.
    coach_context = browser.new_context()
    coach = coach_context.new_page()
    coach.set_default_timeout(10_000)
    coach.goto(base + invitation_path)
    expect(coach.get_by_role("heading", name=f"Join {business.name}")).to_be_visible()
    coach.get_by_role("link", name=f"Sign up as {COACH_EMAIL}").click()
    expect(coach.locator("#id_email")).to_have_value(COACH_EMAIL)
    coach.locator("#id_password1").fill(COACH_PASSWORD)
    coach.locator("#id_password2").fill(COACH_PASSWORD)
    coach.get_by_role("button", name="Sign up").click()
    coach.get_by_role("button", name="Accept invitation").click()
    expect(coach).to_have_url(base + reverse("coach:portfolio"))
    row = coach.get_by_test_id("portfolio-row").filter(has_text=business.name)
    expect(row).to_be_visible()

    # Into the client: its name is in the header.
    row.get_by_role("link", name=business.name).click()
    expect(coach.get_by_test_id("current-business")).to_have_text(business.name)
    coach.go_back()

    # The owner sees the coach and revokes the access.
    page.goto(base + reverse("coach:people", args=[business.pk]))
    coach_row = page.get_by_test_id("coach-row").filter(has_text=COACH_EMAIL)
    expect(coach_row).to_be_visible()
    coach_row.get_by_role("button", name="Revoke access").click()
    expect(page.get_by_role("status").filter(has_text="no longer has access")).to_be_visible()
    expect(page.get_by_test_id("coach-row")).to_have_count(0)

    # The coach's next click on the (stale) portfolio row finds nothing.
    with coach.expect_navigation() as nav:
        coach.get_by_test_id("portfolio-row").filter(has_text=business.name).get_by_role(
            "link", name=business.name
        ).click()
    response = nav.value
    assert response is not None and response.status == 404
    coach.goto(base + reverse("coach:portfolio"))
    expect(coach.get_by_test_id("portfolio-row")).to_have_count(0)
    expect(coach.get_by_test_id("portfolio-empty")).to_be_visible()
    coach_context.close()


def test_coach_signs_up_adds_a_client_and_its_owner_takes_over(
    page: Page, browser: Browser, live_server, e2e_settings
):
    base = live_server.url
    page.set_default_timeout(10_000)

    # Journey 12: sign up as a coach → the empty portfolio → "Add a client".
    page.goto(base + reverse("outsourcing:signup"))
    page.get_by_role("link", name="Sign up as a coach").click()
    page.locator("#id_email").fill(COACH_EMAIL)
    page.locator("#id_password1").fill(COACH_PASSWORD)
    page.locator("#id_password2").fill(COACH_PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_test_id("portfolio-empty")).to_be_visible()
    page.get_by_test_id("portfolio-empty").get_by_role("link", name="Add a client").click()
    page.locator("#id_name").fill("Rivera Plumbing")
    page.locator("#id_hourly_value").fill("80")
    page.locator("#id_owner_email").fill("rosa@example.com")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_test_id("current-business")).to_have_text("Rivera Plumbing")
    link = page.get_by_test_id("invitation-link").input_value()
    expect(page.get_by_test_id("pending-invitations")).to_contain_text("rosa@example.com")

    # The owner signs up through the link and becomes the owner.
    owner_context = browser.new_context()
    owner = owner_context.new_page()
    owner.set_default_timeout(10_000)
    owner.goto(base + urlparse(link).path)
    expect(owner.get_by_text("to take ownership of")).to_be_visible()
    owner.get_by_role("link", name="Sign up as rosa@example.com").click()
    owner.locator("#id_password1").fill("rosas-own-long-pass-31")
    owner.locator("#id_password2").fill("rosas-own-long-pass-31")
    owner.get_by_role("button", name="Sign up").click()
    owner.get_by_role("button", name="Accept invitation").click()
    expect(owner.get_by_test_id("current-business")).to_have_text("Rivera Plumbing")
    owner.goto(owner.url.rstrip("/") + "/people/")
    expect(owner.get_by_role("heading", name="Invite a coach")).to_be_visible()
    expect(owner.get_by_test_id("coach-row")).to_contain_text(COACH_EMAIL)
    owner_context.close()

    # The coach's portfolio lists the client.
    page.goto(base + reverse("coach:portfolio"))
    expect(page.get_by_test_id("portfolio-row")).to_contain_text("Rivera Plumbing")
