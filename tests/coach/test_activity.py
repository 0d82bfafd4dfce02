"""The activity log: who created, changed or deleted what, read from simple_history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from outsourcing import activity, coach_services
from outsourcing.models import OwnerTask
from tests.factories import OwnerTaskFactory
from tests.reviews.factories import engagement_for

pytestmark = pytest.mark.django_db


def as_user(obj, user):
    obj._history_user = user
    return obj


def texts(page):
    return [f"{e.who} ({e.role}) {e.text}" for e in page.object_list]


def test_log_names_who_changed_what_with_before_and_after(owner, coach):
    task = as_user(
        OwnerTask(business=owner.business, name="Payroll", hours_per_month=Decimal("10")),
        owner.user,
    )
    task.save()
    task.hours_per_month = Decimal("12")
    as_user(task, coach.user).save()
    page = activity.activity_page(business=owner.business)
    changed, created = page.object_list[0], page.object_list[1]
    assert changed.who == coach.user.email and changed.role == "coach"
    assert changed.text == "changed task 'Payroll'"
    label = str(OwnerTask._meta.get_field("hours_per_month").verbose_name)
    assert changed.changes == [(label, "10.0", "12.0")]
    assert created.who == owner.user.email and created.role == "owner"
    assert created.text == "created task 'Payroll'"
    as_user(task, owner.user).delete()
    assert activity.activity_page(business=owner.business).object_list[0].text == (
        "deleted task 'Payroll'"
    )


def test_log_shows_invitations_access_changes_and_revocations(owner, coach):
    sent = coach_services.invitation_create(
        business=owner.business, actor=owner.user, email="v@example.com", role="coach"
    )
    coach_services.invitation_revoke(invitation=sent.invitation, actor=owner.user)
    coach_services.membership_access_set(
        membership=coach.membership, actor=owner.user, access="view"
    )
    coach_services.membership_revoke(membership=coach.membership, actor=owner.user)
    lines = texts(activity.activity_page(business=owner.business))
    me = f"{owner.user.email} (owner)"
    assert lines[:4] == [
        f"{me} removed coach {coach.user.email}",
        f"{me} changed {coach.user.email}'s access",
        f"{me} withdrew the invitation to v@example.com",
        f"{me} invited v@example.com as coach (can edit)",
    ]
    changes = activity.activity_page(business=owner.business).object_list[1].changes
    assert changes == [("access", "Can edit", "View only")]


def test_log_covers_provider_and_review_models_of_this_business_only(owner, outsider):
    engagement_for(owner.business, provider_name="Acme Books")
    engagement_for(outsider.business, provider_name="Elsewhere Ltd")
    lines = texts(activity.activity_page(business=owner.business))
    assert any("created engagement 'Acme Books'" in line for line in lines)
    assert any("created candidate 'Acme Books'" in line for line in lines)
    assert any("created job description" in line for line in lines)
    assert not any("Elsewhere" in line for line in lines)


def _edit_tasks(owner, n):
    for task in OwnerTaskFactory.create_batch(n, business=owner.business):
        task.hours_per_month = Decimal("3")
        as_user(task, owner.user).save()
        engagement_for(owner.business)


def test_activity_page_is_paginated_with_bounded_constant_queries(client, owner, count_queries):
    client.force_login(owner.user)
    url = reverse("coach:activity", args=[owner.business.pk])
    _edit_tasks(owner, 6)  # more than a page: tasks, jobs, candidates, engagements
    few = count_queries(lambda: client.get(url))
    # per tracked model at most rows + previous versions + names, plus count, page, people
    assert few <= 3 * len(activity.SOURCES) + 12
    _edit_tasks(owner, 20)
    assert count_queries(lambda: client.get(url)) == few
    response = client.get(url)
    assert len(response.context["page"].object_list) == activity.PAGE_SIZE
    assert "Page 1 of" in response.content.decode()
    assert client.get(url + "?page=3").status_code == 200
    assert client.get(url + "?page=nope").status_code == 200


def test_coaches_can_read_the_log_outsiders_cannot(client, owner, coach, outsider):
    url = reverse("coach:activity", args=[owner.business.pk])
    client.force_login(coach.user)
    assert client.get(url).status_code == 200
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404


def test_activity_filters_by_person_and_kind(client, owner, coach):
    task = as_user(
        OwnerTask(business=owner.business, name="Payroll", hours_per_month=Decimal("10")),
        owner.user,
    )
    task.save()
    task.hours_per_month = Decimal("12")
    as_user(task, coach.user).save()
    client.force_login(owner.user)
    url = reverse("coach:activity", args=[owner.business.pk])
    by_coach = client.get(url, {"who": coach.user.pk}).context["page"].object_list
    assert [e.text for e in by_coach] == ["changed task 'Payroll'"]
    tasks = client.get(url, {"what": "task"}).context["page"].object_list
    assert [e.text for e in tasks] == ["changed task 'Payroll'", "created task 'Payroll'"]
    body = client.get(url, {"who": "999999", "what": "nonsense"}).content.decode()
    assert "Payroll" in body  # unknown filters are ignored, not errors
    empty = client.get(url, {"who": coach.user.pk, "what": "engagement"})
    assert "Nothing matches this filter" in empty.content.decode()
