"""The header on wide screens: a coach inside a client's business has the most in it (seven
sections, the business switcher, the bell, the account). Its menus wrap onto a second line
rather than widening the page past the screen, and the business's name is never squeezed out.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from outsourcing.models import Membership
from tests.conftest import make_member
from tests.factories import PASSWORD, BusinessFactory, MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEASURE = """() => {
    const name = document.querySelector('[data-testid=current-business]');
    return {
        page: document.documentElement.scrollWidth,
        nameShown: Math.round(name.getBoundingClientRect().width),
        nameNeeded: name.scrollWidth,
    };
}"""


@pytest.mark.parametrize("width", [1200, 1280, 1366, 1920])
def test_a_coach_header_fits_the_screen_and_shows_the_business(
    page: Page, live_server, e2e_settings, width
):
    client = make_member(
        role=Membership.Role.COACH, business=BusinessFactory(name="Greenline Landscaping Ltd")
    )
    client.user.email = "a.rather.long.coach.address@example.com"
    client.user.save()
    for name in ("Atlas Bike Repair", "Northside Dental"):
        MembershipFactory(
            business=BusinessFactory(name=name), user=client.user, role=Membership.Role.COACH
        )
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("E-mail").fill(client.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(
        live_server.url
        + reverse("outsourcing:dashboard", kwargs={"business_id": client.business.pk})
    )
    assert page.get_by_role("link", name="Job descriptions").is_visible()
    assert page.get_by_role("link", name="Portfolio").is_visible()
    sizes = page.evaluate(MEASURE)
    assert sizes["page"] <= width, sizes
    assert sizes["nameShown"] >= sizes["nameNeeded"], sizes
