"""Reads for the review pages, the engagement panel, the coach portfolio and the calendar.

Every function is scoped by business (or by user) first, and runs a constant number of
queries whatever the amount of data.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from outsourcing.models import Business, Membership
from providers.models import (
    Candidate,
    Duty,
    Engagement,
    Provider,
    ReferenceDutyFeedback,
)

from . import cadence, scoring
from .models import DutyRating, Notification, ReplacementFlag, Review, ReviewSchedule

# --- lists and single objects --------------------------------------------------------------

REVIEW_FILTERS = ("due", "overdue", "completed", "all")
REVIEW_SORTS = {"due": "due_date", "-due": "-due_date", "provider": "engagement__provider__name"}


# Open reviews still worth doing: those of active engagements, and a one-off engagement's
# single review (due at its end, so often after it was marked ended).
LIVE = Q(engagement__status=Engagement.Status.ACTIVE) | Q(engagement__kind=Engagement.Kind.ONE_OFF)


def business_today(business: Business, now: dt.datetime) -> dt.date:
    return cadence.local_today(now, business.tzinfo)


def review_list(
    *, business: Business, today: dt.date, show: str = "due", sort: str = "due"
) -> QuerySet[Review]:
    qs = Review.objects.for_business(business).select_related(
        "engagement__provider", "engagement__job", "reviewer"
    )
    if show == "due":
        qs = qs.filter(LIVE, status=Review.Status.DUE, due_date__gte=today)
    elif show == "overdue":
        qs = qs.filter(LIVE, status=Review.Status.DUE, due_date__lt=today)
    elif show == "completed":
        qs = qs.filter(status=Review.Status.COMPLETED)
    order = REVIEW_SORTS.get(sort, "due_date")
    if show == "completed" and sort == "due":
        order = "-due_date"
    return qs.order_by(order, "pk")


def review_counts(*, business: Business, today: dt.date) -> dict[str, int]:
    agg = Review.objects.for_business(business).aggregate(
        due=Count("pk", filter=LIVE & Q(status=Review.Status.DUE, due_date__gte=today)),
        overdue=Count("pk", filter=LIVE & Q(status=Review.Status.DUE, due_date__lt=today)),
        completed=Count("pk", filter=Q(status=Review.Status.COMPLETED)),
        all=Count("pk"),
    )
    return {k: int(v or 0) for k, v in agg.items()}


def review_get(*, business: Business, pk: int) -> Review:
    review = get_object_or_404(
        Review.objects.for_business(business).select_related(
            "engagement__provider", "engagement__job", "reviewer"
        ),
        pk=pk,
    )
    # for_business guarantees the engagement is `business`'s: attach it rather than join the
    # business table again (each join costs PostgreSQL planning time on the review form).
    review.engagement.business = business
    return review


@dataclass
class RatedDuty:
    duty: Duty
    rating: int | None
    comment: str


def review_ratings(*, review: Review) -> list[RatedDuty]:
    """The duties of the review's job with this review's ratings (two queries)."""
    ratings = {r.duty_id: r for r in DutyRating.objects.filter(review=review)}
    rows = []
    for duty in Duty.objects.filter(job_id=review.engagement.job_id).order_by("order", "pk"):
        r = ratings.get(duty.pk)
        rows.append(RatedDuty(duty, r.rating if r else None, r.comment if r else ""))
    return rows


def round_reviews(*, review: Review) -> list[Review]:
    """Every review of the same engagement and due date (the owner's and a coach's)."""
    return list(
        Review.objects.filter(engagement_id=review.engagement_id, due_date=review.due_date)
        .select_related("reviewer")
        .order_by("second_opinion", "pk")
    )


def flag_get(*, business: Business, pk: int) -> ReplacementFlag:
    return get_object_or_404(
        ReplacementFlag.objects.for_business(business).select_related(
            "engagement__provider",
            "engagement__job",
            "engagement__backup_candidate__provider",
            "review",
            "resolved_by",
        ),
        pk=pk,
    )


def backup_candidates(*, engagement: Engagement) -> list[Candidate]:
    """The named backup first, then the rest of the job's shortlist (one query)."""
    shortlisted = Q(job_id=engagement.job_id, status=Candidate.Status.SHORTLISTED)
    if engagement.backup_candidate_id:
        shortlisted |= Q(pk=engagement.backup_candidate_id)
    candidates = list(
        Candidate.objects.filter(shortlisted)
        .exclude(provider_id=engagement.provider_id)
        .select_related("provider", "package")
    )
    candidates.sort(key=lambda c: (c.pk != engagement.backup_candidate_id, c.pk))
    return candidates


def engagement_for_business(*, business: Business, pk: int) -> Engagement:
    return get_object_or_404(
        Engagement.objects.for_business(business).select_related("provider", "job"), pk=pk
    )


def schedule_for(*, engagement: Engagement) -> ReviewSchedule:
    try:
        return engagement.review_schedule
    except ReviewSchedule.DoesNotExist:
        return ReviewSchedule(engagement=engagement)


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("business")


# --- scores over time -----------------------------------------------------------------------


@dataclass
class Point:
    due_date: dt.date
    score: Decimal
    standing: str


@dataclass
class Chart:
    """A server-rendered SVG line chart of scores (1 to 5) over time."""

    points: list[Point]
    width: int = 640
    height: int = 220
    pad_left: int = 36
    pad_right: int = 16
    pad_top: int = 12
    pad_bottom: int = 28

    def _x(self, i: int) -> float:
        inset = 24  # keeps the first and last dots and their labels inside the frame
        inner = self.width - self.pad_left - self.pad_right - 2 * inset
        if len(self.points) <= 1:
            return self.pad_left + inset + inner / 2
        return self.pad_left + inset + inner * i / (len(self.points) - 1)

    def _y(self, score: Decimal | float) -> float:
        inner = self.height - self.pad_top - self.pad_bottom
        return self.pad_top + inner * (5 - float(score)) / 4

    @property
    def dots(self) -> list[dict[str, object]]:
        return [
            {
                "x": round(self._x(i), 1),
                "y": round(self._y(p.score), 1),
                "score": p.score,
                "due_date": p.due_date,
                "standing": p.standing,
            }
            for i, p in enumerate(self.points)
        ]

    @property
    def polyline(self) -> str:
        return " ".join(f"{d['x']},{d['y']}" for d in self.dots)

    @property
    def gridlines(self) -> list[dict[str, object]]:
        return [
            {"y": round(self._y(v), 1), "label": v, "band": band}
            for v, band in ((5, ""), (4, "strong"), (3, "meets"), (2, "watch"), (1, ""))
        ]

    @property
    def x_end(self) -> int:
        return self.width - self.pad_right

    @property
    def label_y(self) -> int:
        return self.height - 8

    @property
    def summary(self) -> str:
        if not self.points:
            return "No completed reviews yet."
        parts = [f"{p.due_date:%d %b %Y}: {p.score}" for p in self.points]
        return "Scores over time — " + "; ".join(parts)


def _rounds_by_engagement(
    engagement_ids: Sequence[int],
) -> tuple[dict[int, list[Point]], list[Review]]:
    """Completed rounds (median of reviewers) per engagement, oldest first: one query."""
    reviews = list(
        Review.objects.completed()
        .filter(engagement_id__in=engagement_ids, score__isnull=False)
        .order_by("due_date", "pk")
    )
    grouped: dict[int, dict[dt.date, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for r in reviews:
        if r.score is not None:
            grouped[r.engagement_id][r.due_date].append(r.score)
    points: dict[int, list[Point]] = {}
    for eid, by_date in grouped.items():
        pts = []
        for due, scores in sorted(by_date.items()):
            score = scoring.round_score(scores)
            if score is not None:
                pts.append(Point(due, score, scoring.standing_for(score)))
        points[eid] = pts
    return points, reviews


@dataclass
class DutyTrend:
    duty: Duty
    ratings: list[tuple[dt.date, float]] = field(default_factory=list)  # round mean per date
    reference_ratings: list[int] = field(default_factory=list)

    @property
    def latest(self) -> float | None:
        return self.ratings[-1][1] if self.ratings else None

    @property
    def review_mean(self) -> float | None:
        if not self.ratings:
            return None
        return round(statistics.mean(r for _, r in self.ratings), 1)

    @property
    def reference_mean(self) -> float | None:
        if not self.reference_ratings:
            return None
        return round(statistics.mean(self.reference_ratings), 1)

    @property
    def direction(self) -> str:
        if len(self.ratings) < 2:
            return ""
        a, b = self.ratings[-2][1], self.ratings[-1][1]
        return "up" if b > a else "down" if b < a else "same"


@dataclass
class EngagementScorecard:
    engagement: Engagement
    chart: Chart
    duties: list[DutyTrend]
    open_flags: list[ReplacementFlag]

    @property
    def latest(self) -> Point | None:
        return self.chart.points[-1] if self.chart.points else None


@dataclass
class Scorecard:
    provider: Provider
    engagements: list[EngagementScorecard]


def scorecard(*, business: Business, provider_pk: int) -> Scorecard:
    """A provider's record in this business: six queries whatever the history's length."""
    engagements = list(
        Engagement.objects.for_business(business)
        .filter(provider_id=provider_pk)
        .select_related("provider", "job")
        .order_by("-start_date", "pk")
    )
    if not engagements:
        from django.http import Http404

        raise Http404("No engagement with this provider in this business.")
    provider = engagements[0].provider
    ids = [e.pk for e in engagements]
    points, reviews = _rounds_by_engagement(ids)
    review_by_id = {r.pk: r for r in reviews}
    duties_by_job: dict[int, list[Duty]] = defaultdict(list)
    for duty in Duty.objects.filter(job_id__in={e.job_id for e in engagements}).order_by(
        "order", "pk"
    ):
        duties_by_job[duty.job_id].append(duty)
    per_duty: dict[int, dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for rating in DutyRating.objects.filter(review_id__in=list(review_by_id)).only(
        "review_id", "duty_id", "rating"
    ):
        per_duty[rating.duty_id][review_by_id[rating.review_id].due_date].append(rating.rating)
    refs: dict[tuple[int, int], list[int]] = defaultdict(list)
    for candidate_id, duty_id, value in ReferenceDutyFeedback.objects.filter(
        reference__candidate_id__in={e.candidate_id for e in engagements}
    ).values_list("reference__candidate_id", "duty_id", "rating"):
        refs[(candidate_id, duty_id)].append(value)
    flags: dict[int, list[ReplacementFlag]] = defaultdict(list)
    for flag in ReplacementFlag.objects.open().filter(engagement_id__in=ids):
        flags[flag.engagement_id].append(flag)
    cards = []
    for e in engagements:
        trends = []
        for duty in duties_by_job[e.job_id]:
            by_date = per_duty.get(duty.pk, {})
            trends.append(
                DutyTrend(
                    duty=duty,
                    ratings=[(d, round(statistics.mean(v), 1)) for d, v in sorted(by_date.items())],
                    reference_ratings=refs.get((e.candidate_id, duty.pk), []),
                )
            )
        cards.append(
            EngagementScorecard(
                engagement=e,
                chart=Chart(points.get(e.pk, [])),
                duties=trends,
                open_flags=flags.get(e.pk, []),
            )
        )
    return Scorecard(provider=provider, engagements=cards)


# --- the engagement page's panel ------------------------------------------------------------


@dataclass
class EngagementPanel:
    engagement: Engagement
    chart: Chart
    standing: str
    score: Decimal | None
    next_review: Review | None
    notice_deadline: dt.date | None
    open_flags: list[ReplacementFlag]
    backups: list[Candidate]
    schedule: ReviewSchedule
    cadence_label: str


def engagement_panel(*, business: Business, engagement: Engagement) -> dict[str, object]:
    """Context for templates/reviews/_engagement_panel.html (`review_panel`): standing, score
    chart, next review date, notice deadline, open flags with exit plan and backups.

    The engagement must already be scoped to `business` by the caller. Five queries.
    """
    if engagement.business_id != business.pk:
        from django.http import Http404

        raise Http404
    points, _ = _rounds_by_engagement([engagement.pk])
    pts = points.get(engagement.pk, [])
    next_review = (
        Review.objects.filter(engagement=engagement, second_opinion=False, status=Review.Status.DUE)
        .order_by("due_date")
        .first()
    )
    flags = list(ReplacementFlag.objects.open().filter(engagement=engagement))
    schedule = ReviewSchedule.objects.filter(engagement=engagement).first() or ReviewSchedule(
        engagement=engagement
    )
    cfg = cadence.CadenceSettings(
        close_interval_months=schedule.quarterly_interval_months,
        relaxed_interval_months=schedule.annual_interval_months,
        close_count=schedule.quarterly_count,
    )
    state = cadence.cadence_state([p.standing for p in pts], cfg)
    label = (
        f"every {cfg.close_interval_months} months"
        if state.mode is cadence.Mode.CLOSE
        else f"every {cfg.relaxed_interval_months} months"
    )
    panel = EngagementPanel(
        engagement=engagement,
        chart=Chart(pts),
        standing=pts[-1].standing if pts else "",
        score=pts[-1].score if pts else None,
        next_review=next_review,
        notice_deadline=cadence.notice_deadline(
            engagement.renewal_date, engagement.notice_period_days
        ),
        open_flags=flags,
        backups=backup_candidates(engagement=engagement) if flags else [],
        schedule=schedule,
        cadence_label=label,
    )
    return {"review_panel": panel}


# --- the coach portfolio --------------------------------------------------------------------


@dataclass
class BusinessReviewSummary:
    active_engagements: int = 0
    due_next_30: int = 0
    overdue: int = 0
    open_flags: int = 0
    next_notice_deadline: dt.date | None = None


# The portfolio's figures in hand-written SQL: the ORM's building and compiling of these
# aggregates cost twice what the database spends on them, on a page that runs them for every
# client. Table and column names come from the models; every value is a parameter.
_REVIEW = Review._meta.db_table
_ENGAGEMENT = Engagement._meta.db_table
_FLAG = ReplacementFlag._meta.db_table
_BUSINESS = Business._meta.db_table
_MEMBERSHIP = Membership._meta.db_table
# Through the businesses (not the memberships alone): PostgreSQL plans this one well even
# before it has statistics (a freshly filled database), at the same cost after.
_COACHED = f"""SELECT cb.id FROM {_BUSINESS} cb
    INNER JOIN {_MEMBERSHIP} cm ON cm.business_id = cb.id
    WHERE cm.user_id = %s AND cm.role = %s"""  # noqa: S608 — no user input in the text


def _notice_deadline_sql(vendor: str) -> str:
    """`cadence.notice_deadline` in SQL: renewal date minus the notice period, as a date."""
    if vendor == "sqlite":
        return "date(e.renewal_date, '-' || e.notice_period_days || ' days')"
    return "(e.renewal_date - e.notice_period_days)"


def _their_day(today: dt.date | Mapping[str, dt.date], days: int = 0) -> tuple[str, list[Any]]:
    """SQL for each business's own today (plus `days` days), from its time zone (`b.timezone`):
    `today` is one date for all, or a date per time zone name (every zone of the businesses
    concerned). One `CASE` on the zone, worked out once per business in the statement's scope,
    so the conditions compare plain columns: PostgreSQL plans that in half the time of one
    condition per date (the attention count at 200 clients: 3.0 -> 2.2 ms). Returns the SQL
    and its parameters."""
    adapt = connection.ops.adapt_datefield_value
    shift = dt.timedelta(days=days)
    if not isinstance(today, dt.date) and len(set(today.values())) == 1:
        today = next(iter(today.values()))
    if isinstance(today, dt.date):
        return "%s", [adapt(today + shift)]
    cases = " ".join(["WHEN %s THEN %s"] * len(today))
    params = [value for zone, day in today.items() for value in (zone, adapt(day + shift))]
    return f"CASE b.timezone {cases} END", params


def _portfolio_scope(
    businesses: Iterable[Business], coach: User | None
) -> tuple[str, list[Any]] | None:
    """The businesses asked about, as SQL for `e.business_id IN (...)` and its parameters: the
    ones `coach` coaches (a subquery: their ids are never loaded), else `businesses` (None when
    there are none)."""
    if coach is not None:
        return _COACHED, [coach.pk, Membership.Role.COACH.value]
    business_pk = Business._meta.pk
    assert business_pk is not None  # noqa: S101 — for the type checker
    ids = [business_pk.get_db_prep_value(b.pk, connection) for b in businesses]
    return (", ".join(["%s"] * len(ids)), ids) if ids else None


class _Statement(NamedTuple):
    """A part of a portfolio statement: its `WITH` entry and the query that reads it, each with
    its parameters (a `WITH` comes first in the text, so its parameters do too)."""

    cte: str
    cte_params: list[Any]
    body: str
    body_params: list[Any]


def _run(*parts: _Statement) -> list[tuple[Any, ...]]:
    """The parts as one statement (one round trip): their `WITH` entries, then their queries
    joined by UNION ALL. The first part's columns give the union its types on PostgreSQL."""
    sql = f"WITH {', '.join(p.cte for p in parts)} " + " UNION ALL ".join(p.body for p in parts)
    params = [v for p in parts for v in p.cte_params] + [v for p in parts for v in p.body_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _figures_statement(
    today: dt.date | Mapping[str, dt.date], scope: str, scope_params: list[Any]
) -> _Statement:
    """`portfolio_summary`'s rows: ('figures', business id, active engagements, next notice
    deadline, reviews due in the next 30 days, overdue reviews, open flags), one per business
    with any engagement. `asked` holds each business's today and the end of its next 30 days.

    One pass over the businesses' engagements, each joined to its open review round and its
    count of open flags: a third less planning and a third of the rows of one aggregate per
    figure. The review join adds no rows: an engagement has at most one due round that is
    not a second opinion (`review_one_open_round_per_engagement`); the flags are counted per
    engagement before the join for the same reason."""
    deadline = _notice_deadline_sql(connection.vendor)
    today_sql, today_params = _their_day(today)
    horizon_sql, horizon_params = _their_day(today, 30)
    cte = f"""asked(id, today, horizon) AS (
        SELECT b.id, {today_sql}, {horizon_sql} FROM {_BUSINESS} b WHERE b.id IN ({scope}))"""  # noqa: S608 — model names and placeholders only
    body = f"""SELECT 'figures', e.business_id,
            COUNT(CASE WHEN e.status = %s THEN 1 END),
            MIN(CASE WHEN e.status = %s AND e.renewal_date >= a.today AND {deadline} >= a.today
                THEN {deadline} END),
            COUNT(CASE WHEN e.status = %s AND r.due_date >= a.today AND r.due_date <= a.horizon
                THEN 1 END),
            COUNT(CASE WHEN e.status = %s AND r.due_date < a.today THEN 1 END),
            COALESCE(SUM(f.open_flags), 0)
        FROM {_ENGAGEMENT} e INNER JOIN asked a ON a.id = e.business_id
            LEFT JOIN {_REVIEW} r
                ON r.engagement_id = e.id AND r.status = %s AND NOT r.second_opinion
            LEFT JOIN (SELECT engagement_id, COUNT(*) AS open_flags FROM {_FLAG}
                    WHERE status = %s GROUP BY engagement_id) f
                ON f.engagement_id = e.id
        GROUP BY e.business_id"""  # noqa: S608 — model names and placeholders only
    active = Engagement.Status.ACTIVE.value
    return _Statement(
        cte,
        [*today_params, *horizon_params, *scope_params],
        body,
        [*[active] * 4, Review.Status.DUE.value, ReplacementFlag.Status.OPEN.value],
    )


def _attention_statement(
    today: dt.date | Mapping[str, dt.date], coach: User, days: int
) -> _Statement:
    """`portfolio_attention_count`'s row: ('attention', NULL, the count, NULL, 0, 0, 0).

    The coached businesses written once, as a common table expression with each one's today
    and the end of its notice window; then one pass over their engagements, each kept when
    its notice deadline falls in the window, it has an open flag, or (active) its open review
    round is overdue. Written as one scan with two semi-joins rather than a union of three
    scans: 2.4 -> 1.8 ms on PostgreSQL for 200 clients (a fifth less planning, a third less
    execution). Each review is looked up by its engagement (an index), so SQLite never walks
    the reviews due before a business's today."""
    deadline = _notice_deadline_sql(connection.vendor)
    today_sql, today_params = _their_day(today)
    horizon_sql, horizon_params = _their_day(today, days)
    cte = f"""coached(id, today, horizon) AS (
        SELECT b.id, {today_sql}, {horizon_sql} FROM {_BUSINESS} b
            INNER JOIN {_MEMBERSHIP} m ON m.business_id = b.id
            WHERE m.user_id = %s AND m.role = %s)"""  # noqa: S608 — model names and placeholders only
    body = f"""SELECT 'attention', NULL, COUNT(DISTINCT e.business_id), NULL, 0, 0, 0
        FROM coached c INNER JOIN {_ENGAGEMENT} e ON e.business_id = c.id
        WHERE (e.status = %s AND e.renewal_date >= c.today
                AND {deadline} >= c.today AND {deadline} <= c.horizon)
            OR EXISTS (SELECT 1 FROM {_FLAG} f WHERE f.engagement_id = e.id AND f.status = %s)
            OR (e.status = %s AND EXISTS (
                SELECT 1 FROM {_REVIEW} r WHERE r.engagement_id = e.id AND r.status = %s
                    AND NOT r.second_opinion AND r.due_date < c.today))"""  # noqa: S608 — model names and placeholders only
    active = Engagement.Status.ACTIVE.value
    return _Statement(
        cte,
        [*today_params, *horizon_params, coach.pk, Membership.Role.COACH.value],
        body,
        [active, ReplacementFlag.Status.OPEN.value, active, Review.Status.DUE.value],
    )


def _figures_from(rows: Iterable[tuple[Any, ...]]) -> dict[UUID, BusinessReviewSummary]:
    date_field = Engagement._meta.get_field("renewal_date")
    business_pk = Business._meta.pk
    assert business_pk is not None  # noqa: S101 — for the type checker
    out: defaultdict[UUID, BusinessReviewSummary] = defaultdict(BusinessReviewSummary)
    for _kind, business_id, active, first, due_soon, late, flags in rows:
        out[business_pk.to_python(business_id)] = BusinessReviewSummary(
            active_engagements=active,
            due_next_30=due_soon,
            overdue=late,
            open_flags=int(flags),  # a SUM: numeric on PostgreSQL
            next_notice_deadline=date_field.to_python(first),
        )
    return out


def portfolio_summary(
    *,
    today: dt.date | Mapping[str, dt.date],
    businesses: Iterable[Business] = (),
    coach: User | None = None,
) -> dict[UUID, BusinessReviewSummary]:
    """Per business: active engagements, reviews due in the next 30 days, overdue reviews, open
    flags, the next notice deadline (the earliest `renewal_date - notice_period_days` of an
    active engagement that is not past). Any business without any of them gets zeros.

    For `businesses`, or for every business `coach` coaches. `today` is one date for all, or
    each business's own: a date per time zone name, for every zone of those businesses. One
    query (one pass over their engagements) for any number of businesses and engagements."""
    scoped = _portfolio_scope(businesses, coach)
    if scoped is None:
        return defaultdict(BusinessReviewSummary)
    return _figures_from(_run(_figures_statement(today, *scoped)))


def portfolio_attention_count(
    *, coach: User, today: dt.date | Mapping[str, dt.date], days: int
) -> int:
    """How many of the businesses `coach` coaches have an overdue review, an open flag or a
    notice deadline within `days` days: what `portfolio_summary`'s figures would tell for each
    of them, counted by the database (a coach's page shows only some businesses' figures).
    `today` as for `portfolio_summary`. One query."""
    ((_kind, _none, count, *_zeros),) = _run(_attention_statement(today, coach, days))
    return int(count)


def portfolio_summary_and_attention(
    *,
    today: dt.date | Mapping[str, dt.date],
    businesses: Iterable[Business],
    coach: User,
    days: int,
) -> tuple[dict[UUID, BusinessReviewSummary], int]:
    """`portfolio_summary` for `businesses` and `portfolio_attention_count` for `coach`, in one
    statement: a round trip less for the portfolio page, which needs both."""
    scoped = _portfolio_scope(businesses, None)
    if scoped is None:
        return defaultdict(BusinessReviewSummary), portfolio_attention_count(
            coach=coach, today=today, days=days
        )
    # The figures first: their columns give the union its types.
    rows = _run(_figures_statement(today, *scoped), _attention_statement(today, coach, days))
    count = next(int(r[2]) for r in rows if r[0] == "attention")
    return _figures_from(r for r in rows if r[0] != "attention"), count


# --- the calendar feed ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: dt.date
    summary: str
    description: str
    url: str


def calendar_events(*, user: User, site_url: str) -> list[CalendarEvent]:
    """The user's review due dates and notice deadlines across their businesses (3 queries)."""
    business_ids = list(Membership.objects.filter(user=user).values_list("business_id", flat=True))
    events = []
    for review in (
        Review.objects.filter(
            engagement__business_id__in=business_ids,
            status=Review.Status.DUE,
            second_opinion=False,
            engagement__status=Engagement.Status.ACTIVE,
        )
        .select_related("engagement__provider", "engagement__job", "engagement__business")
        .order_by("due_date")
    ):
        e = review.engagement
        events.append(
            CalendarEvent(
                uid=f"review-{review.pk}@outsourcing-desk",
                day=review.due_date,
                summary=f"Review {e.provider.name} ({e.business.name})",
                description=f"Rate each duty of {e.job.title}.",
                url=site_url + review.get_absolute_url(),
            )
        )
    for e in Engagement.objects.filter(
        business_id__in=business_ids,
        status=Engagement.Status.ACTIVE,
        renewal_date__isnull=False,
    ).select_related("provider", "business"):
        deadline = cadence.notice_deadline(e.renewal_date, e.notice_period_days)
        if deadline is None:
            continue
        events.append(
            CalendarEvent(
                uid=f"notice-{e.pk}-{deadline:%Y%m%d}@outsourcing-desk",
                day=deadline,
                summary=f"Last day to give notice: {e.provider.name} ({e.business.name})",
                description=f"The contract renews on {e.renewal_date:%d %b %Y}.",
                url=site_url
                + reverse("reviews:review-list", kwargs={"business_id": e.business_id}),
            )
        )
    return sorted(events, key=lambda ev: (ev.day, ev.uid))
