"""The business form's time zone drop-down: written out in Python, same meaning as Django's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from outsourcing.forms import BusinessForm, PlainSelect
from outsourcing.models import timezone_choices


def test_plain_select_marks_the_chosen_option_and_escapes():
    widget = PlainSelect(choices=[("a&b", "A <b>"), ("x", "X")])
    html = widget.render("zone", "a&b", attrs={"id": "id_zone", "required": True})
    assert html.startswith('<select name="zone" id="id_zone" required>')
    assert '<option value="a&amp;b" selected>A &lt;b&gt;</option>' in html
    assert '<option value="x">X</option>' in html
    assert "<b>" not in html


def test_business_form_lists_every_time_zone_once():
    html = str(BusinessForm(initial={"timezone": "Europe/Paris"})["timezone"])
    assert html.count("<option ") == len(timezone_choices())
    assert html.count(" selected") == 1
    assert '<option value="Europe/Paris" selected>' in html


def test_timezone_choices_are_read_once():
    assert timezone_choices() is timezone_choices()


@pytest.mark.django_db
def test_settings_page_shows_the_business_time_zone(owner_client, owner):
    owner.business.timezone = "Asia/Tokyo"
    owner.business.save()
    url = reverse("outsourcing:business-settings", kwargs={"business_id": owner.business.pk})
    page = owner_client.get(url).content.decode()
    assert '<option value="Asia/Tokyo" selected>' in page
    assert page.count(" selected>") >= 2  # the currency drop-down has its own
