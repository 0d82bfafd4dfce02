"""Pages: review list, form, read-only review, scorecard, flags, notifications, calendar."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from outsourcing.models import Membership
from providers.models import Candidate, ReferenceCheck, ReferenceDutyFeedback
from reviews import services
from reviews.models import (
    DutyRating,
    Notification,
    NotificationPreference,
    ReplacementFlag,
    Review,
)
from reviews.selectors import engagement_panel, portfolio_summary
from tests.conftest import make_member

from .factories import engagement_for, ratings_all

UTC = dt.UTC


def due_review(business, **kwargs) -> Review:
    engagement = engagement_for(business, **kwargs)
    services.review_next_create(engagement=engagement)
    return Review.objects.get(engagement=engagement)


def form_data(review: Review, value: int = 4, decision: str = "keep") -> dict[str, object]:
    data: dict[str, object] = {"decision": decision, "notes": "Solid quarter"}
    for duty in review.engagement.job.duties.all():
        data[f"rating_{duty.pk}"] = value
        data[f"comment_{duty.pk}"] = f"ok {duty.pk}"
    return data


@pytest.mark.django_db
def test_review_list_shows_due_and_overdue(owner_client, owner):
    review = due_review(owner.business, start=dt.date(2020, 1, 1))  # long overdue
    url = reverse("reviews:review-list", args=[owner.business.pk])
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response.context["show"] == "overdue"  # nothing upcoming: open on overdue
    assert review.engagement.provider.name in response.content.decode()
    assert "Review now" in response.content.decode()
    response = owner_client.get(url + "?show=completed")
    assert review.engagement.provider.name not in response.content.decode()


@pytest.mark.django_db
def test_review_list_empty_state(owner_client, owner):
    response = owner_client.get(reverse("reviews:review-list", args=[owner.business.pk]))
    assert "No reviews yet" in response.content.decode()


@pytest.mark.django_db
def test_review_form_saves_and_then_is_read_only(owner_client, owner):
    review = due_review(owner.business)
    url = review.get_absolute_url()
    response = owner_client.get(url)
    assert response.status_code == 200
    assert 'data-testid="review-form"' in response.content.decode()
    response = owner_client.post(url, form_data(review, 4))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "reviews:scorecard", args=[owner.business.pk, review.engagement.provider_id]
    )
    review.refresh_from_db()
    assert review.is_completed and review.standing == "strong" and review.notes == "Solid quarter"
    page = owner_client.get(url).content.decode()
    assert 'data-testid="review-readonly"' in page and "review-form" not in page
    # posting again changes nothing
    response = owner_client.post(url, form_data(review, 1, "replace"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.standing == "strong"
    assert DutyRating.objects.filter(review=review).count() == 2


@pytest.mark.django_db
def test_review_form_bad_input_gets_specific_messages_and_saves_nothing(owner_client, owner):
    review = due_review(owner.business)
    data = form_data(review)
    first = review.engagement.job.duties.order_by("order").first()
    data[f"rating_{first.pk}"] = "9"
    del data["decision"]
    response = owner_client.post(review.get_absolute_url(), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "Choose keep, watch or replace." in page
    assert "Solid quarter" in page  # what was typed is kept
    assert not DutyRating.objects.exists()
    # the other duty's rating stays ticked; the bad one is ticked nowhere
    other = review.engagement.job.duties.exclude(pk=first.pk).get()
    assert (
        f'<input type="radio" name="rating_{other.pk}" value="4" class="form-check-input" '
        f'id="id_rating_{other.pk}_1" checked required>'
    ) in page
    assert (
        f'name="rating_{first.pk}" value="4" class="form-check-input" '
        f'id="id_rating_{first.pk}_1" required>' in page
    )
    assert page.count(" checked required>") == 1


@pytest.mark.django_db
def test_view_only_coach_cannot_submit_a_review(client, owner):
    coach = make_member(role=Membership.Role.COACH)
    Membership.objects.create(user=coach.user, business=owner.business, role="coach", access="view")
    review = due_review(owner.business)
    client.force_login(coach.user)
    assert client.get(review.get_absolute_url()).status_code == 200
    assert client.post(review.get_absolute_url(), form_data(review)).status_code == 403
    review.refresh_from_db()
    assert not review.is_completed


@pytest.mark.django_db
def test_coach_adds_a_second_opinion_and_the_round_uses_the_median(client, owner_client, owner):
    coach = make_member(role=Membership.Role.COACH)
    Membership.objects.create(user=coach.user, business=owner.business, role="coach")
    review = due_review(owner.business)
    owner_client.post(review.get_absolute_url(), form_data(review, 5))
    client.force_login(coach.user)
    response = client.post(
        reverse("reviews:review-second-opinion", args=[owner.business.pk, review.pk])
    )
    mine = Review.objects.get(reviewer=coach.user)
    assert response["Location"] == mine.get_absolute_url()
    client.post(mine.get_absolute_url(), form_data(mine, 1))
    page = client.get(review.get_absolute_url()).content.decode()
    assert "its standing uses their median" in page
    assert "3.00" in page


@pytest.mark.django_db
def test_scorecard_shows_points_duty_trends_and_reference_ratings(owner_client, owner):
    review = due_review(owner.business)
    engagement = review.engagement
    duty = engagement.job.duties.order_by("order").first()
    ref = ReferenceCheck.objects.create(candidate=engagement.candidate, name="Jo")
    ReferenceDutyFeedback.objects.create(reference=ref, duty=duty, rating=5)
    services.review_complete(
        review=review,
        actor=owner.user,
        ratings=ratings_all(engagement, 3),
        notes="",
        decision="keep",
    )
    url = reverse("reviews:scorecard", args=[owner.business.pk, engagement.provider_id])
    response = owner_client.get(url)
    page = response.content.decode()
    assert page.count('data-testid="score-point"') == 1
    assert 'data-points="1"' in page
    card = response.context["card"].engagements[0]
    trend = next(t for t in card.duties if t.duty == duty)
    assert trend.ratings[0][1] == 3 and trend.reference_mean == 5


@pytest.mark.django_db
def test_scorecard_of_a_provider_not_hired_here_is_404(owner_client, owner, outsider):
    other = engagement_for(outsider.business)
    url = reverse("reviews:scorecard", args=[owner.business.pk, other.provider_id])
    assert owner_client.get(url).status_code == 404


@pytest.mark.django_db
def test_flag_page_shows_reason_exit_plan_backups_and_resolves(owner_client, owner):
    engagement = engagement_for(owner.business)
    flag = services.flag_raise(engagement=engagement, reason="two_watch")
    url = flag.get_absolute_url()
    page = owner_client.get(url).content.decode()
    assert "Two reviews in a row" in page
    assert "E-mail the account manager" in page
    assert engagement.backup_candidate.provider.name in page
    response = owner_client.post(url, {"resolution": "keep_with_note", "note": ""})
    assert "the note is required" in response.content.decode()
    response = owner_client.post(url, {"resolution": "keep_with_note", "note": "New contact"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.resolution == "keep_with_note" and flag.note == "New contact"


@pytest.mark.django_db
def test_flag_replace_goes_to_the_replacement_flow(owner_client, owner):
    engagement = engagement_for(owner.business)
    flag = services.flag_raise(engagement=engagement, reason="owner_decision")
    response = owner_client.post(flag.get_absolute_url(), {"resolution": "replace", "note": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "providers:engagement-replace", args=[owner.business.pk, engagement.pk]
    )


@pytest.mark.django_db
def test_schedule_edit_validates_and_saves(owner_client, owner):
    review = due_review(owner.business, start=dt.date(2025, 1, 10))
    url = reverse("reviews:schedule-edit", args=[owner.business.pk, review.engagement.pk])
    response = owner_client.post(
        url, {"quarterly_interval_months": 6, "annual_interval_months": 3, "quarterly_count": 4}
    )
    assert "cannot be shorter" in response.content.decode()
    response = owner_client.post(
        url, {"quarterly_interval_months": 2, "annual_interval_months": 12, "quarterly_count": 4}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.due_date == dt.date(2025, 3, 10)


@pytest.mark.django_db
def test_notifications_list_bell_and_mark_read(owner_client, owner, outsider):
    n = Notification.objects.create(
        user=owner.user, business=owner.business, text="Review due", url="/somewhere/"
    )
    theirs = Notification.objects.create(
        user=outsider.user, business=outsider.business, text="Not yours", url="/"
    )
    response = owner_client.get(reverse("reviews:notification-list"))
    page = response.content.decode()
    assert "Review due" in page and "Not yours" not in page
    assert 'data-testid="unread-count">1' in page
    response = owner_client.post(reverse("reviews:notification-read", args=[n.pk]))
    assert response["Location"] == "/somewhere/"
    n.refresh_from_db()
    assert n.read_at is not None
    assert (
        owner_client.post(reverse("reviews:notification-read", args=[theirs.pk])).status_code == 404
    )
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_notification_open_never_redirects_off_site(owner_client, owner):
    n = Notification.objects.create(
        user=owner.user, business=owner.business, text="x", url="https://evil.example/"
    )
    response = owner_client.post(reverse("reviews:notification-read", args=[n.pk]))
    assert response["Location"] == reverse("reviews:notification-list")


@pytest.mark.django_db
def test_mark_all_read(owner_client, owner):
    for i in range(3):
        Notification.objects.create(user=owner.user, business=owner.business, text=f"n{i}")
    owner_client.post(reverse("reviews:notification-read-all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


@pytest.mark.django_db
def test_notification_settings_turn_email_off(owner_client, owner):
    url = reverse("reviews:notification-settings")
    assert owner_client.get(url).status_code == 200
    owner_client.post(url, {})  # unchecked box
    assert NotificationPreference.objects.get(user=owner.user).email_enabled is False
    owner_client.post(url, {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=owner.user).email_enabled is True


@pytest.mark.django_db
def test_calendar_link_feed_and_regeneration(owner_client, owner):
    from django.test import Client

    client = Client()
    review = due_review(owner.business, renewal=dt.date(2026, 3, 1), notice_days=30)
    page = owner_client.get(reverse("reviews:calendar")).content.decode()
    assert "Get my calendar link" in page
    owner_client.post(reverse("reviews:calendar"))
    token = NotificationPreference.objects.get(user=owner.user).calendar_token
    feed = reverse("reviews:calendar-feed", args=[token])
    assert feed in owner_client.get(reverse("reviews:calendar")).content.decode()
    response = client.get(feed)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = {str(e["summary"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    provider = review.engagement.provider.name
    assert events[f"Review {provider} ({owner.business.name})"] == review.due_date
    notice = f"Last day to give notice: {provider} ({owner.business.name})"
    assert events[notice] == dt.date(2026, 1, 30)
    owner_client.post(reverse("reviews:calendar"))  # regenerate: old link dies
    assert client.get(feed).status_code == 404


@pytest.mark.django_db
def test_calendar_feed_with_a_bad_token_is_404(client):
    assert client.get(reverse("reviews:calendar-feed", args=["x" * 43])).status_code == 404


@pytest.mark.django_db
def test_engagement_panel_context_and_template(owner, rf):
    from django.template.loader import render_to_string

    review = due_review(owner.business, renewal=dt.date(2026, 3, 1))
    services.flag_raise(engagement=review.engagement, reason="two_watch")
    ctx = engagement_panel(business=owner.business, engagement=review.engagement)
    panel = ctx["review_panel"]
    assert panel.next_review == review
    assert panel.notice_deadline == dt.date(2026, 1, 30)
    assert [f.reason for f in panel.open_flags] == ["two_watch"]
    assert panel.backups and panel.backups[0].pk == review.engagement.backup_candidate_id
    html = render_to_string("reviews/_engagement_panel.html", ctx)
    assert "Two reviews in a row" in html and "Review now" in html


@pytest.mark.django_db
def test_portfolio_summary_per_business_in_constant_queries(
    owner, outsider, django_assert_num_queries
):
    today = dt.date(2025, 4, 1)
    engagement_for(owner.business, start=dt.date(2025, 1, 15), renewal=dt.date(2025, 6, 1))
    overdue = engagement_for(owner.business, start=dt.date(2024, 10, 1))
    for e in owner.business.engagements.all():
        services.review_next_create(engagement=e)
    services.flag_raise(engagement=overdue, reason="overdue_attention")
    with django_assert_num_queries(1):
        summary = portfolio_summary(businesses=[owner.business, outsider.business], today=today)
    mine = summary[owner.business.pk]
    assert (mine.due_next_30, mine.overdue, mine.open_flags) == (1, 1, 1)
    assert mine.next_notice_deadline == dt.date(2025, 5, 2)
    assert summary[outsider.business.pk].due_next_30 == 0
    for _ in range(5):
        engagement_for(outsider.business)
    with django_assert_num_queries(1):
        portfolio_summary(businesses=[owner.business, outsider.business], today=today)


@pytest.mark.django_db
def test_pages_query_counts_do_not_grow(owner_client, owner, count_queries):
    def build(n: int) -> None:
        for _ in range(n):
            review = due_review(owner.business, provider_name="Same Co")
            services.review_complete(
                review=review,
                actor=owner.user,
                ratings=ratings_all(review.engagement, 3),
                notes="",
                decision="keep",
            )
            Notification.objects.create(user=owner.user, business=owner.business, text="t")

    build(2)
    provider_id = Review.objects.first().engagement.provider_id
    # all engagements share one provider so the scorecard grows too
    from providers.models import Engagement

    def urls() -> list[str]:
        return [
            reverse("reviews:review-list", args=[owner.business.pk]) + "?show=all",
            reverse("reviews:review-list", args=[owner.business.pk]) + "?show=completed",
            reverse("reviews:notification-list") + "?show=all",
            reverse("reviews:scorecard", args=[owner.business.pk, provider_id]),
            reverse("reviews:flag-list", args=[owner.business.pk]),
        ]

    Engagement.objects.filter(business=owner.business).update(provider_id=provider_id)
    few = [count_queries(lambda u=u: owner_client.get(u)) for u in urls()]
    build(12)
    Engagement.objects.filter(business=owner.business).update(provider_id=provider_id)
    many = [count_queries(lambda u=u: owner_client.get(u)) for u in urls()]
    assert few == many


@pytest.mark.django_db
def test_candidate_backup_listing_excludes_the_hired_provider(owner):
    engagement = engagement_for(owner.business)
    from reviews.selectors import backup_candidates

    names = [c.provider.name for c in backup_candidates(engagement=engagement)]
    assert engagement.provider.name not in names
    assert Candidate.objects.filter(job=engagement.job).count() == 2
    assert ReplacementFlag.objects.count() == 0


@pytest.mark.django_db
def test_engagement_page_shows_the_reviews_panel(owner_client, owner, count_queries):
    review = due_review(owner.business, renewal=dt.date(2026, 3, 1))
    engagement = review.engagement
    services.flag_raise(engagement=engagement, reason="two_watch")
    url = reverse("providers:engagement-detail", args=[owner.business.pk, engagement.pk])
    page = owner_client.get(url).content.decode()
    assert 'data-testid="review-panel"' in page
    assert "Two reviews in a row" in page
    assert review.get_absolute_url() in page
    few = count_queries(lambda: owner_client.get(url))
    for _ in range(6):
        services.review_complete(
            review=Review.objects.get(engagement=engagement, status="due"),
            actor=owner.user,
            ratings=ratings_all(engagement, 3),
            notes="",
            decision="keep",
        )
    assert count_queries(lambda: owner_client.get(url)) == few
