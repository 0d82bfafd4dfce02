"""A view-only coach is shown no write action: no link to a page they would be refused, and
no form that posts to an action they would be refused, on any business page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from outsourcing.models import Membership
from tests.conftest import make_member
from tests.test_url_tenancy import BUSINESS_URLS, _classify

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b[^>]*>", re.I)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def _write_actions_shown(client: Any, url: str, html: str, business_id: str) -> list[str]:
    shown = []
    scope = f"/b/{business_id}/"
    for tag in FORM.findall(html):
        attrs = dict(ATTR.findall(tag))
        if attrs.get("method", "get").lower() != "post":
            continue
        action = attrs.get("action") or url
        if not action.startswith(scope):
            continue
        if client.post(action).status_code == 403:
            shown.append(f"form posting to {action}")
    for href in set(re.findall(r'href="(' + re.escape(scope) + r'[^"#?]*)', html)):
        if client.get(href).status_code == 403:
            shown.append(f"link to {href}")
    return shown


@pytest.mark.parametrize("name", BUSINESS_URLS)
def test_view_only_coach_sees_no_write_action(name: str, client: Any):
    owner = make_member(role=Membership.Role.OWNER)
    kind, kwargs = _classify(name, owner.business)
    if kind != "business":
        return
    kwargs.setdefault("business_id", owner.business.pk)
    url = reverse(name, kwargs=kwargs)
    viewer = make_member(
        business=owner.business, role=Membership.Role.COACH, access=Membership.Access.VIEW
    )
    client.force_login(viewer.user)
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    shown = _write_actions_shown(client, url, response.content.decode(), str(owner.business.pk))
    assert not shown, f"{name}: a view-only coach is shown write actions: {shown}"
