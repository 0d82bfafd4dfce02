"""The sweep writes plain rows (no model instances): they must be the rows the models would
write, with their history, links and texts; a second sweep finds the claims before it builds
any text; a row a concurrent sweep wrote first is skipped, never doubled."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outsourcing.models import Membership
from reviews import services
from reviews.models import Notification, ReminderDelivery, ReplacementFlag, Review
from tests.conftest import make_member

from .factories import engagement_for

# Rounds due 1 Apr 2025 are 44 days overdue (round, flag, overdue reminder) and the notice
# deadline 21 May 2025 is 6 days away (notice reminder): every step writes rows.
NOW = dt.datetime(2025, 5, 15, 9, tzinfo=dt.UTC)


def _engagements(business, n: int) -> list:
    return [
        engagement_for(business, start=dt.date(2025, 1, 1), renewal=dt.date(2025, 6, 20))
        for _ in range(n)
    ]


def _same_as_a_new_instance(row, fresh, names: list[str]) -> None:
    assert {n: getattr(row, n) for n in names} == {n: getattr(fresh, n) for n in names}


@pytest.mark.django_db
def test_swept_rows_have_what_a_new_model_instance_would(owner):
    (engagement,) = _engagements(owner.business, 1)
    before = timezone.now()
    services.sweep_run(now=NOW)
    after = timezone.now()

    review = Review.objects.get(engagement=engagement)
    assert (review.due_date, review.offset_months, review.second_opinion) == (
        dt.date(2025, 4, 1),
        3,
        False,
    )
    _same_as_a_new_instance(
        review,
        Review(),
        ["status", "reviewer_id", "completed_at", "notes", "decision", "score", "standing"],
    )
    assert before <= review.created_at <= after

    flag = ReplacementFlag.objects.get(engagement=engagement)
    assert (flag.review_id, flag.reason, flag.detail) == (
        review.pk,
        "overdue_attention",
        "Review due 01 Apr 2025 is more than 30 days overdue.",
    )
    _same_as_a_new_instance(
        flag, ReplacementFlag(), ["status", "resolution", "note", "resolved_at", "resolved_by_id"]
    )
    assert before <= flag.raised_at <= after

    deliveries = ReminderDelivery.objects.filter(engagement=engagement).order_by("kind")
    assert [(d.kind, d.due_date, d.review_id) for d in deliveries] == [
        ("notice_7", dt.date(2025, 5, 21), None),
        ("review_overdue", dt.date(2025, 4, 1), review.pk),
    ]
    for d in deliveries:
        _same_as_a_new_instance(
            d, ReminderDelivery(), ["attempts", "last_error", "last_attempt_at"]
        )
        assert (d.recipient_id, d.channel, d.status, d.sent_at) == (
            owner.user.pk,
            "email",
            "claimed",
            None,
        )
        assert before <= d.claimed_at <= after
    for n in Notification.objects.filter(business=owner.business):
        assert n.user_id == owner.user.pk and n.read_at is None
        assert before <= n.created_at <= after


@pytest.mark.django_db
def test_swept_rounds_and_flags_have_their_created_history_row(owner):
    _engagements(owner.business, 3)
    services.sweep_run(now=NOW)
    for model in (Review, ReplacementFlag):
        rows = list(model.objects.order_by("pk"))
        history = list(model.history.order_by("history_id"))
        assert [h.id for h in history] == [r.pk for r in rows]
        for row, h in zip(rows, history, strict=True):
            assert (h.history_type, h.history_user_id) == ("+", None)
            for field in model.history.model.tracked_fields:
                assert getattr(h, field.attname) == getattr(row, field.attname), field.name


@pytest.mark.django_db
def test_sweep_links_and_texts_are_the_models_own(owner):
    (engagement,) = _engagements(owner.business, 1)
    services.sweep_run(now=NOW)
    review = Review.objects.get(engagement=engagement)
    flag = ReplacementFlag.objects.get(engagement=engagement)
    provider, job = engagement.provider.name, engagement.job.title
    by_kind = {
        d.kind: d for d in ReminderDelivery.objects.select_related("notification").order_by("pk")
    }
    assert by_kind["review_overdue"].notification.url == review.get_absolute_url()
    assert by_kind["review_overdue"].subject == f"Review of {provider} ({job}) 44 days overdue"
    assert by_kind["notice_7"].notification.url == engagement.get_absolute_url()
    assert by_kind["notice_7"].subject == (
        f"Last day to give notice to {provider} is in 6 days (21 May 2025); "
        "the contract renews on 20 Jun 2025"
    )
    assert owner.business.name in by_kind["notice_7"].body
    assert "http" in by_kind["notice_7"].body and engagement.get_absolute_url() in (
        by_kind["notice_7"].body
    )
    flag_note = Notification.objects.get(delivery__isnull=True)
    assert flag_note.url == flag.get_absolute_url()
    assert flag_note.text == f"{provider}: {flag.get_reason_display()}"


@pytest.mark.django_db
def test_a_second_sweep_finds_the_claims_before_building_any_text(monkeypatch, owner):
    _engagements(owner.business, 4)
    first = services.sweep_run(now=NOW)
    assert first.reminders_claimed == 8
    built = []
    real = services._reminder_specs

    def spy(dues, links):
        built.extend(dues)
        return real(dues, links)

    monkeypatch.setattr(services, "_reminder_specs", spy)
    again = services.sweep_run(now=NOW)
    assert (again.reviews_created, again.flags_raised, again.reminders_claimed) == (0, 0, 0)
    assert built == []
    # a member who joins later still gets the reminders due now; only theirs get a text
    coach = make_member(role=Membership.Role.COACH)
    Membership.objects.create(user=coach.user, business=owner.business, role="coach")
    later = services.sweep_run(now=NOW)
    assert later.reminders_claimed == 8
    assert len(built) == 8
    assert ReminderDelivery.objects.filter(recipient=coach.user).count() == 8


class _Rollback(Exception):
    pass


def _second_sweep_queries(monkeypatch, business, *, engagements: int, chunk: int) -> int:
    """Queries of a sweep right after the first one over fresh engagements (rolled back)."""
    monkeypatch.setattr(services, "SWEEP_BATCH_SIZE", chunk)
    try:
        with transaction.atomic():
            _engagements(business, engagements)
            services.sweep_run(now=NOW)
            with CaptureQueriesContext(connection) as ctx:
                report = services.sweep_run(now=NOW)
            raise _Rollback(len(ctx.captured_queries), report)
    except _Rollback as done:
        queries, report = done.args
    assert (report.reviews_created, report.flags_raised, report.reminders_claimed) == (0, 0, 0)
    assert report.notes == []
    return queries


@pytest.mark.django_db
def test_second_sweep_queries_grow_per_chunk_and_not_per_engagement(monkeypatch, owner):
    two = _second_sweep_queries(monkeypatch, owner.business, engagements=2, chunk=2)
    six = _second_sweep_queries(monkeypatch, owner.business, engagements=6, chunk=6)
    assert six == two  # the same number of chunks, three times the reminders
    four_chunks = _second_sweep_queries(monkeypatch, owner.business, engagements=8, chunk=2)
    assert four_chunks > two


@pytest.mark.django_db
def test_a_flag_raised_concurrently_inside_a_chunk_is_skipped(monkeypatch, owner):
    """Another sweep raises one of this chunk's flags between the read and the insert: the
    insert skips it (one open flag per engagement and reason), with no second history row and
    no second notification."""
    _engagements(owner.business, 3)
    services.sweep_run(now=dt.datetime(2025, 1, 2, 9, tzinfo=dt.UTC))  # rounds only
    real = services._flag_chunk
    raced = []

    def racing(chunk, reason, links):
        first = chunk[0]
        raced.append(
            services.flag_raise(
                engagement=Review.objects.get(pk=first.review_id).engagement,
                reason=reason,
                review=Review.objects.get(pk=first.review_id),
                detail="raised by the other sweep",
            )
        )
        return real(chunk, reason, links)

    monkeypatch.setattr(services, "_flag_chunk", racing)
    report = services.sweep_run(now=NOW)
    assert raced[0] is not None
    assert report.flags_raised == 2
    assert ReplacementFlag.objects.count() == 3
    assert ReplacementFlag.history.count() == 3
    assert Notification.objects.filter(delivery__isnull=True).count() == 3
    assert ReplacementFlag.objects.filter(detail="raised by the other sweep").count() == 1


@pytest.mark.django_db
def test_rows_insert_splits_big_inserts_and_returns_only_the_rows_inserted(owner):
    (engagement,) = _engagements(owner.business, 1)
    now = timezone.now()
    rows = [(owner.user.pk, owner.business.pk, f"note {i}", "/") for i in range(700)]
    inserted = services._rows_insert(
        Notification, ("user_id", "business_id", "text", "url"), rows, now=now, returning=("id",)
    )
    assert len(inserted) == 700
    assert sorted(Notification.objects.values_list("text", flat=True)) == sorted(r[2] for r in rows)
    round_rows = [(engagement.pk, dt.date(2025, 4, 1), 3, False)]
    columns = ("engagement_id", "due_date", "offset_months", "second_opinion")
    first = services._rows_insert(
        Review, columns, round_rows, now=now, returning=("id",), ignore_conflicts=True
    )
    again = services._rows_insert(
        Review, columns, round_rows, now=now, returning=("id",), ignore_conflicts=True
    )
    assert len(first) == 1 and again == []
    assert Review.objects.filter(engagement=engagement).count() == 1


@pytest.mark.django_db
def test_a_bulk_step_refreshes_the_planner_statistics_on_postgresql(monkeypatch, owner):
    _engagements(owner.business, 2)
    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 2)
    with CaptureQueriesContext(connection) as ctx:
        services.sweep_run(now=NOW)
    analyzed = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor != "postgresql":
        assert analyzed == []  # SQLite's planner does not need it
        return
    qn = connection.ops.quote_name
    tables = [qn(m._meta.db_table) for m in (Review, ReplacementFlag, ReminderDelivery)]
    assert analyzed == [f"ANALYZE {t}" for t in tables]
    # an ordinary sweep (fewer rows than the threshold) leaves it to autovacuum
    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 10_000)
    _engagements(owner.business, 1)
    with CaptureQueriesContext(connection) as ctx:
        services.sweep_run(now=NOW)
    assert not any(q["sql"].startswith("ANALYZE") for q in ctx.captured_queries)


@pytest.mark.django_db
def test_inserts_split_by_the_parameter_cap_write_every_row_once(monkeypatch, owner):
    """SQLite caps a statement's parameters: the rows and history rows go in several
    statements then (here forced on any database with a tiny cap), each written once."""
    monkeypatch.setattr(connection.features, "max_query_params", 20)
    _engagements(owner.business, 5)
    report = services.sweep_run(now=NOW)
    assert (report.reviews_created, report.flags_raised, report.reminders_claimed) == (5, 5, 10)
    assert Review.history.count() == 5 and ReplacementFlag.history.count() == 5
    assert sorted(Review.history.values_list("id", flat=True)) == sorted(
        Review.objects.values_list("pk", flat=True)
    )
    assert Notification.objects.count() == 15  # 5 flags + 10 claims, one member
    assert services.sweep_run(now=NOW).reminders_claimed == 0
    # the history copy splits its list of ids the same way
    Review.history.all().delete()
    monkeypatch.setattr(connection.features, "max_query_params", 5)  # 2 ids a statement
    pks = list(Review.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        services._history_insert(Review, pks, now=timezone.now())
    assert len(ctx.captured_queries) == 3
    assert sorted(Review.history.values_list("id", flat=True)) == sorted(pks)


@pytest.mark.django_db
def test_an_engagement_deleted_during_the_sweep_is_not_reminded_and_the_rest_are(
    monkeypatch, owner
):
    gone, *kept = _engagements(owner.business, 3)
    real = services._claim_chunk

    def deleting_first(chunk, recipients, links):
        if Review.objects.filter(engagement=gone).exists():
            gone.delete()  # someone deletes it after the sweep read the reminders due
        return real(chunk, recipients, links)

    monkeypatch.setattr(services, "_claim_chunk", deleting_first)
    report = services.sweep_run(now=NOW)
    assert report.notes == []
    assert report.reminders_claimed == 4  # two kept engagements x (overdue review + notice)
    assert set(ReminderDelivery.objects.values_list("engagement_id", flat=True)) == {
        e.pk for e in kept
    }


@pytest.mark.django_db
def test_local_today_per_business_zone_and_utc_for_one_the_step_did_not_read(owner):
    owner.business.timezone = "Asia/Tokyo"
    owner.business.save(update_fields=["timezone"])
    late = dt.datetime(2025, 5, 15, 20, tzinfo=dt.UTC)  # already 16 May in Tokyo
    today_in = services._local_todays(late)
    assert today_in(owner.business.pk) == dt.date(2025, 5, 16)
    assert today_in(uuid.uuid4()) == dt.date(2025, 5, 15)  # created or deleted meanwhile
