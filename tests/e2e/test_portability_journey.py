"""Journey 17 in a real Chromium: the owner exports everything, then deletes the business."""

from __future__ import annotations

import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from outsourcing.models import Business, Membership, OwnerTask
from tests.conftest import make_member
from tests.factories import PASSWORD, OwnerTaskFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_exports_everything_then_deletes_the_business(
    page: Page, live_server, e2e_settings, tmp_path
):
    owner = make_member(role=Membership.Role.OWNER, business__name="Dana's Bakery")
    OwnerTaskFactory(business=owner.business, name="Bookkeeping")
    keep = make_member(role=Membership.Role.OWNER)
    OwnerTaskFactory(business=keep.business, name="Someone else's task")

    base = live_server.url
    page.goto(base + reverse("login"))
    page.get_by_label("E-mail").fill(owner.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base + owner.business.get_absolute_url())

    page.get_by_role("button", name=owner.user.email).click()  # the account menu
    page.get_by_role("link", name="Export everything").click()
    expect(page.get_by_role("heading", name="Export everything of Dana's Bakery")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    saved = tmp_path / "export.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        tasks = archive.read("outsourcing/OwnerTask.csv").decode()
    assert "Bookkeeping" in tasks and "Someone else's task" not in tasks

    page.get_by_role("link", name="delete this business").click()
    page.get_by_label("Type the business name to confirm").fill("Dana's bakery")
    page.get_by_role("button", name="Delete this business and all its data").click()
    expect(page.get_by_text("That is not this business's name.")).to_be_visible()
    assert Business.objects.filter(pk=owner.business.pk).exists()

    page.get_by_label("Type the business name to confirm").fill("Dana's Bakery")
    page.get_by_role("button", name="Delete this business and all its data").click()
    expect(page.get_by_text("“Dana's Bakery” and all of its data were deleted.")).to_be_visible()
    assert not Business.objects.filter(pk=owner.business.pk).exists()
    assert not OwnerTask.objects.filter(business_id=owner.business.pk).exists()
    assert OwnerTask.objects.filter(business=keep.business).count() == 1
