"""Services: review rounds, cadence through the database, flags, reminders, the sweep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from outsourcing.models import Membership
from providers.models import Engagement, Importance
from reviews import services
from reviews.models import (
    DutyRating,
    Notification,
    NotificationPreference,
    ReminderDelivery,
    ReplacementFlag,
    Review,
)
from tests.conftest import make_member

from .factories import engagement_for, ratings_all

UTC = dt.UTC


def at(y: int, m: int, d: int, h: int = 12) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=UTC)


def snapshot() -> dict[str, list]:
    return {
        "reviews": list(Review.objects.order_by("pk").values()),
        "deliveries": list(ReminderDelivery.objects.order_by("pk").values()),
        "flags": list(ReplacementFlag.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
    }


def complete(review: Review, actor, value: int, decision: str = "keep") -> Review:
    return services.review_complete(
        review=review,
        actor=actor,
        ratings=ratings_all(review.engagement, value),
        notes="",
        decision=decision,
    )


def open_review(engagement: Engagement) -> Review:
    return Review.objects.get(engagement=engagement, status="due", second_opinion=False)


@pytest.mark.django_db
def test_sweep_creates_the_first_review_a_quarter_after_start(owner):
    engagement = engagement_for(owner.business, start=dt.date(2025, 1, 31))
    report = services.sweep_run(now=at(2025, 2, 1))
    assert report.reviews_created == 1
    assert open_review(engagement).due_date == dt.date(2025, 4, 30)


@pytest.mark.django_db
def test_sweep_twice_changes_nothing_the_second_time(owner, django_capture_on_commit_callbacks):
    engagement_for(owner.business, start=dt.date(2025, 1, 1), renewal=dt.date(2025, 5, 1))
    now = at(2025, 3, 20)  # review due 1 Apr (in 12 days); notice deadline 1 Apr too
    with django_capture_on_commit_callbacks(execute=False):
        first = services.sweep_run(now=now)
    assert first.reviews_created == 1
    assert first.reminders_claimed == 2  # review soon + notice in 30 days, one member
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = services.sweep_run(now=now)
    assert (second.reviews_created, second.reminders_claimed, second.flags_raised) == (0, 0, 0)
    assert callbacks == []
    assert snapshot() == before


@pytest.mark.django_db
def test_cadence_quarterly_then_annual_then_back_to_quarterly(owner):
    engagement = engagement_for(owner.business, start=dt.date(2024, 2, 29))
    services.sweep_run(now=at(2024, 3, 1))
    dues = []
    for _ in range(4):
        review = open_review(engagement)
        dues.append(review.due_date)
        complete(review, owner.user, 4)
    annual = open_review(engagement)
    assert dues == [
        dt.date(2024, 5, 29),
        dt.date(2024, 8, 29),
        dt.date(2024, 11, 29),
        dt.date(2025, 2, 28),  # leap day start, clamped
    ]
    assert annual.due_date == dt.date(2026, 2, 28)
    complete(annual, owner.user, 2)  # watch → back to quarterly
    back = open_review(engagement)
    assert back.due_date == dt.date(2026, 5, 29)  # from the due date, not from completion
    for _ in range(4):
        complete(open_review(engagement), owner.user, 3)
    assert open_review(engagement).due_date == dt.date(2028, 2, 29)  # annual again, leap year


@pytest.mark.django_db
def test_schedule_change_redates_the_open_review(owner):
    engagement = engagement_for(owner.business, start=dt.date(2025, 1, 10))
    services.sweep_run(now=at(2025, 1, 11))
    services.review_schedule_update(
        engagement=engagement,
        actor=owner.user,
        quarterly_interval_months=2,
        annual_interval_months=6,
        quarterly_count=2,
    )
    assert open_review(engagement).due_date == dt.date(2025, 3, 10)
    complete(open_review(engagement), owner.user, 5)
    complete(open_review(engagement), owner.user, 5)
    assert open_review(engagement).due_date == dt.date(2025, 11, 10)


@pytest.mark.django_db
def test_one_off_engagement_gets_one_review_at_its_end(owner):
    engagement = engagement_for(
        owner.business,
        kind=Engagement.Kind.ONE_OFF,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 2, 14),
    )
    services.sweep_run(now=at(2025, 1, 2))
    review = open_review(engagement)
    assert review.due_date == dt.date(2025, 2, 14)
    complete(review, owner.user, 4)
    services.sweep_run(now=at(2025, 6, 1))
    assert Review.objects.filter(engagement=engagement).count() == 1


@pytest.mark.django_db
def test_ended_engagement_gets_no_new_review(owner):
    engagement = engagement_for(owner.business)
    engagement.status = Engagement.Status.ENDED
    engagement.save()
    assert services.sweep_run(now=at(2025, 3, 1)).reviews_created == 0


@pytest.mark.django_db
def test_review_complete_scores_with_must_have_twice_and_is_read_only(owner):
    engagement = engagement_for(owner.business)
    services.sweep_run(now=at(2025, 2, 1))
    review = open_review(engagement)
    must, nice = engagement.job.duties.order_by("order")
    done = services.review_complete(
        review=review,
        actor=owner.user,
        ratings={must.pk: (5, "great"), nice.pk: (2, "slow")},
        notes="Fine",
        decision="keep",
    )
    assert done.score == Decimal("4.00")
    assert done.standing == "strong"
    assert done.reviewer == owner.user
    assert DutyRating.objects.filter(review=done).count() == 2
    with pytest.raises(services.ReviewError, match="read-only"):
        complete(done, owner.user, 1)
    assert Review.objects.get(pk=done.pk).score == Decimal("4.00")


@pytest.mark.django_db
def test_review_complete_needs_every_duty_and_a_decision(owner):
    engagement = engagement_for(owner.business)
    services.sweep_run(now=at(2025, 2, 1))
    review = open_review(engagement)
    must = engagement.job.duties.order_by("order").first()
    with pytest.raises(services.ReviewError, match="Rate every duty"):
        services.review_complete(
            review=review, actor=owner.user, ratings={must.pk: (3, "")}, notes="", decision="keep"
        )
    with pytest.raises(services.ReviewError, match="decision"):
        services.review_complete(
            review=review,
            actor=owner.user,
            ratings=ratings_all(engagement, 3),
            notes="",
            decision="maybe",
        )
    assert not DutyRating.objects.exists()
    assert open_review(engagement).pk == review.pk


@pytest.mark.django_db
def test_second_opinion_median_drives_the_standing(owner):
    coach = make_member(role=Membership.Role.COACH)
    Membership.objects.create(user=coach.user, business=owner.business, role="coach")
    engagement = engagement_for(owner.business)
    services.sweep_run(now=at(2025, 2, 1))
    review = open_review(engagement)
    complete(review, owner.user, 5)
    second = services.review_second_opinion_start(review=review, actor=coach.user)
    assert second.second_opinion and second.due_date == review.due_date
    assert services.review_second_opinion_start(review=review, actor=coach.user) == second
    complete(second, coach.user, 1)  # median of 5 and 1 = 3 → meets
    (_, round_), *_ = services.engagement_rounds(engagement)
    assert round_.score == Decimal("3.00")
    assert round_.standing == "meets"
    assert not ReplacementFlag.objects.filter(reason="replace_score").exists()


@pytest.mark.django_db
def test_flags_raised_by_the_rules_once_per_open_reason(owner):
    engagement = engagement_for(owner.business)
    services.sweep_run(now=at(2025, 2, 1))
    complete(open_review(engagement), owner.user, 2)  # watch
    assert not ReplacementFlag.objects.exists()
    complete(open_review(engagement), owner.user, 1, decision="replace")  # replace, must-have 1
    reasons = set(ReplacementFlag.objects.values_list("reason", flat=True))
    assert reasons == {"replace_score", "two_watch", "owner_decision"}
    complete(open_review(engagement), owner.user, 1)
    reasons = list(ReplacementFlag.objects.values_list("reason", flat=True))
    assert sorted(reasons) == sorted(
        ["replace_score", "two_watch", "owner_decision", "must_have_one_twice"]
    )
    # the business's members hear about it in the app
    assert Notification.objects.filter(user=owner.user, url__contains="/flags/").count() == 4


@pytest.mark.django_db
def test_one_open_flag_per_engagement_and_reason_is_a_database_constraint(owner):
    engagement = engagement_for(owner.business)
    ReplacementFlag.objects.create(engagement=engagement, reason="two_watch")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplacementFlag.objects.create(engagement=engagement, reason="two_watch")
    ReplacementFlag.objects.update(status="resolved")
    ReplacementFlag.objects.create(engagement=engagement, reason="two_watch")


@pytest.mark.django_db
def test_must_have_rated_one_twice_flags_even_when_the_score_is_fine(owner):
    engagement = engagement_for(
        owner.business,
        duties=(("Payroll on time", Importance.MUST),) + (("x", Importance.NICE),) * 0,
    )
    extra = [("A", Importance.NICE), ("B", Importance.NICE), ("C", Importance.NICE)]
    for i, (what, imp) in enumerate(extra, start=1):
        engagement.job.duties.create(what=what, importance=imp, order=i)
    services.sweep_run(now=at(2025, 2, 1))
    for _ in range(2):
        review = open_review(engagement)
        ratings = {d.pk: (5, "") for d in engagement.job.duties.all()}
        ratings[engagement.job.duties.get(what="Payroll on time").pk] = (1, "late")
        services.review_complete(
            review=review, actor=owner.user, ratings=ratings, notes="", decision="keep"
        )
    assert list(ReplacementFlag.objects.values_list("reason", flat=True)) == ["must_have_one_twice"]


@pytest.mark.django_db
def test_overdue_attention_flag_after_thirty_days_once(owner):
    engagement = engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=at(2025, 1, 2))
    assert services.sweep_run(now=at(2025, 5, 1)).flags_raised == 0  # due 1 Apr: 30 days
    assert services.sweep_run(now=at(2025, 5, 2)).flags_raised == 1
    assert services.sweep_run(now=at(2025, 5, 3)).flags_raised == 0
    flag = ReplacementFlag.objects.get(engagement=engagement)
    assert flag.reason == "overdue_attention"
    services.flag_resolve(flag=flag, actor=owner.user, resolution="keep_with_note", note="Busy")
    assert services.sweep_run(now=at(2025, 5, 9)).flags_raised == 0  # not for the same review


@pytest.mark.django_db
def test_flag_resolve_keep_needs_a_note_and_happens_once(owner):
    engagement = engagement_for(owner.business)
    flag = services.flag_raise(engagement=engagement, reason="owner_decision")
    assert services.flag_raise(engagement=engagement, reason="owner_decision") is None
    with pytest.raises(services.ValidationError, match="note"):
        services.flag_resolve(flag=flag, actor=owner.user, resolution="keep_with_note", note=" ")
    services.flag_resolve(flag=flag, actor=owner.user, resolution="replace", note="")
    flag.refresh_from_db()
    assert (flag.status, flag.resolution, flag.resolved_by) == ("resolved", "replace", owner.user)
    with pytest.raises(services.ValidationError, match="already"):
        services.flag_resolve(flag=flag, actor=owner.user, resolution="replace", note="")
    assert flag.history.count() == 2


@pytest.mark.django_db
def test_reminders_fourteen_days_before_on_the_day_and_seven_days_after(
    owner, eager_celery, django_capture_on_commit_callbacks
):
    engagement = engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=at(2025, 1, 2))  # review due 1 Apr 2025
    kinds = []
    for day in (at(2025, 3, 17), at(2025, 3, 18), at(2025, 4, 1), at(2025, 4, 7), at(2025, 4, 8)):
        with django_capture_on_commit_callbacks(execute=True):
            services.sweep_run(now=day)
        kinds.append(list(ReminderDelivery.objects.order_by("pk").values_list("kind", flat=True)))
    assert kinds == [
        [],
        ["review_soon"],
        ["review_soon", "review_today"],
        ["review_soon", "review_today"],
        ["review_soon", "review_today", "review_overdue"],
    ]
    assert [m.subject for m in mail.outbox] == [
        f"Review of {engagement.provider.name} ({engagement.job.title}) due in 14 days",
        f"Review of {engagement.provider.name} ({engagement.job.title}) due today",
        f"Review of {engagement.provider.name} ({engagement.job.title}) 7 days overdue",
    ]
    assert mail.outbox[0].to == [owner.user.email]
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.filter(user=owner.user).count() == 3


@pytest.mark.django_db
def test_reminders_for_the_notice_deadline(owner, eager_celery, django_capture_on_commit_callbacks):
    # renewal 1 Jul, 30 days' notice → deadline 1 Jun
    engagement_for(owner.business, start=dt.date(2025, 6, 1), renewal=dt.date(2025, 7, 1))
    for day in (at(2025, 5, 1), at(2025, 5, 2), at(2025, 5, 25), at(2025, 5, 26), at(2025, 6, 2)):
        with django_capture_on_commit_callbacks(execute=True):
            services.sweep_run(now=day)
    kinds = list(
        ReminderDelivery.objects.filter(review__isnull=True).values_list("kind", "due_date")
    )
    assert sorted(kinds) == [("notice_30", dt.date(2025, 6, 1)), ("notice_7", dt.date(2025, 6, 1))]
    assert any("Last day to give notice" in m.subject for m in mail.outbox)


@pytest.mark.django_db
def test_email_off_still_notifies_in_app(owner, eager_celery, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=owner.user, email_enabled=False)
    engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=at(2025, 1, 2))
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_run(now=at(2025, 3, 20))
    delivery = ReminderDelivery.objects.get()
    assert (delivery.channel, delivery.status) == ("in_app", "sent")
    assert mail.outbox == []
    assert Notification.objects.filter(user=owner.user, delivery=delivery).exists()


@pytest.mark.django_db
def test_reminder_follows_the_business_time_zone(owner):
    owner.business.timezone = "Pacific/Kiritimati"  # UTC+14
    owner.business.save()
    engagement_for(owner.business, start=dt.date(2025, 1, 2))  # due 2 Apr
    services.sweep_run(now=at(2025, 1, 3))
    # 11:00 UTC on 1 April is already 2 April in Kiritimati: due today there
    services.sweep_run(now=dt.datetime(2025, 4, 1, 11, tzinfo=UTC))
    assert ReminderDelivery.objects.get().kind == "review_today"
    assert dt.datetime(2025, 4, 1, 11, tzinfo=UTC).astimezone(
        ZoneInfo("Pacific/Kiritimati")
    ).date() == dt.date(2025, 4, 2)


@pytest.mark.django_db
def test_pago_pago_is_still_the_day_before(owner):
    owner.business.timezone = "Pacific/Pago_Pago"  # UTC-11
    owner.business.save()
    engagement_for(owner.business, start=dt.date(2025, 1, 2))  # due 2 Apr
    services.sweep_run(now=at(2025, 1, 3))
    services.sweep_run(now=dt.datetime(2025, 4, 2, 10, tzinfo=UTC))  # 1 Apr 23:00 there
    assert ReminderDelivery.objects.get().kind == "review_soon"


@pytest.mark.django_db
def test_deliver_sends_once_even_when_the_task_runs_twice(owner):
    engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=at(2025, 1, 2))
    services.sweep_run(now=at(2025, 3, 20))
    delivery = ReminderDelivery.objects.get()
    assert services.reminder_deliver(delivery.pk) == "sent"
    assert services.reminder_deliver(delivery.pk) == "skipped"
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


@pytest.mark.django_db
def test_failed_send_is_marked_and_retried_then_listed_for_staff(owner, settings, monkeypatch):
    from reviews.admin import stuck_q

    engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=at(2025, 1, 2))
    services.sweep_run(now=at(2025, 3, 20))
    delivery = ReminderDelivery.objects.get()

    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(services, "send_mail", broken)
    for _ in range(services.MAX_SEND_ATTEMPTS):
        with pytest.raises(OSError):
            services.reminder_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", services.MAX_SEND_ATTEMPTS)
    assert "SMTP down" in delivery.last_error
    assert services.reminder_deliver(delivery.pk) == "skipped"  # out of attempts: not resent
    from django.utils import timezone

    assert ReminderDelivery.objects.filter(stuck_q(timezone.now())).count() == 1


@pytest.mark.django_db
def test_a_send_that_crashed_midway_is_not_resent(owner):
    engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=at(2025, 1, 2))
    services.sweep_run(now=at(2025, 3, 20))
    ReminderDelivery.objects.update(status="sending", attempts=1)  # worker died after sending
    assert services.reminder_deliver(ReminderDelivery.objects.get().pk) == "skipped"
    assert services.reminders_requeue(now=at(2030, 1, 1)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failing_step_does_not_stop_the_others(owner, monkeypatch):
    engagement_for(owner.business, start=dt.date(2025, 1, 1))
    services.sweep_run(now=at(2025, 1, 2))

    def broken(*, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "overdue_flags_raise", broken)
    report = services.sweep_run(now=at(2025, 3, 20))
    assert report.reminders_claimed == 1
    assert "overdue_flags_raise failed: boom" in str(report)


@pytest.mark.django_db
def test_a_broken_engagement_does_not_stop_the_others(owner, monkeypatch):
    good = engagement_for(owner.business, start=dt.date(2025, 1, 1))
    bad = engagement_for(owner.business, start=dt.date(2025, 1, 1))
    real = services._plan_next_due  # the sweep plans each engagement's next round with it

    def flaky(engagement, *args, **kwargs):
        if engagement.pk == bad.pk:
            raise ValueError("bad data")
        return real(engagement, *args, **kwargs)

    monkeypatch.setattr(services, "_plan_next_due", flaky)
    assert services.sweep_run(now=at(2025, 1, 2)).reviews_created == 1
    assert Review.objects.filter(engagement=good).exists()
