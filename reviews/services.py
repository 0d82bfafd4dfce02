"""Writes for reviews, flags, reminders and notifications, and the one idempotent sweep.

Guarantees that the rest of the project may rely on:
- `sweep_run(now)` may run any number of times, concurrently: each review round is created
  once (conditional unique constraint), each reminder is claimed once (unique constraint on
  the delivery row, inserted BEFORE sending), each flag is raised once (one open flag per
  engagement and reason, and never twice for the same review and reason).
- the sweep inserts each chunk's rows with ON CONFLICT DO NOTHING against those constraints:
  a row a concurrent sweep wrote first is skipped, and only the rows this sweep inserted get
  their history, notifications and e-mail.
- e-mail is only enqueued after the claim committed (`transaction.on_commit(robust=True)`):
  a broker outage never fails a request or a sweep; the claim stays `claimed` and a later
  sweep enqueues it again. Sending moves the row from claimed/failed to `sending` with a
  conditional update first, so a redelivered task sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple, Protocol, TypeVar
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Field, ForeignKey, Model, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from outsourcing.models import Business, Membership
from providers.models import Engagement, Importance

from . import cadence, scoring
from .models import (
    DutyRating,
    Notification,
    NotificationPreference,
    ReminderDelivery,
    ReplacementFlag,
    Review,
    ReviewSchedule,
)

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 5
# A claim the on_commit enqueue should already have delivered; older ones are enqueued again.
REENQUEUE_AFTER = dt.timedelta(minutes=2)
RETRY_FAILED_AFTER = dt.timedelta(minutes=10)
REENQUEUE_BATCH = 500
# The sweep works in chunks of this many engagements (reviews, flags, reminders), one short
# transaction each, with a constant number of queries per chunk.
SWEEP_BATCH_SIZE = 1000
# A step that inserted at least this many rows refreshes the planner's statistics.
ANALYZE_AFTER_ROWS = 10_000
# Above this many distinct notice periods, the notice reminders are not narrowed in SQL.
NOTICE_WINDOW_MAX_PERIODS = 200

# Where the running sweep collects the chunks that failed (its report's notes).
_chunk_failures: ContextVar[list[str] | None] = ContextVar("_chunk_failures", default=None)

T = TypeVar("T")


def _run_chunks(label: str, items: Sequence[T], work: Callable[[list[T]], int]) -> int:
    """Run `work` over `items` in chunks of SWEEP_BATCH_SIZE. A chunk that fails (an Exception;
    never a BaseException such as KeyboardInterrupt) is rolled back, logged and reported in
    the sweep's notes, and the other chunks still run; the next sweep retries it."""
    done = 0
    size = max(1, SWEEP_BATCH_SIZE)
    for start in range(0, len(items), size):
        chunk = list(items[start : start + size])
        try:
            done += work(chunk)
        except Exception as exc:
            logger.exception("sweep: %s failed for a chunk of %s", label, len(chunk))
            notes = _chunk_failures.get()
            if notes is not None:
                notes.append(f"{label} failed for a chunk of {len(chunk)}: {exc}")
    return done


# --- plain rows -----------------------------------------------------------------------------
# The sweep writes hundreds of thousands of rows. A model instance per row, with bulk_create
# preparing every field of every row and simple_history copying each into a second instance,
# was most of its time. So the sweep inserts plain tuples: one statement per chunk (a few on
# SQLite, which caps a statement's parameters), values prepared per column only where the
# database needs it (dates, times, UUIDs), and history rows copied in SQL.

# Column types whose Python values both databases take as they are.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _column(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _needs_prep(field: Field) -> bool:
    target = field.target_field if isinstance(field, ForeignKey) else field
    return target.get_internal_type() not in _PLAIN_TYPES


def _rows_insert(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    now: dt.datetime,
    returning: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> list[tuple[Any, ...]]:
    """Insert `rows` (values for the fields named in `columns`, by attname) into `model`'s
    table; every other column gets what a new instance would (its default; `now` for auto_now
    and auto_now_add). With `ignore_conflicts`, a row that breaks a unique constraint is
    skipped (ON CONFLICT DO NOTHING, PostgreSQL and SQLite alike). Returns the `returning`
    columns of the rows inserted, as the database gives them (raw values: a date may be text
    on SQLite)."""
    if not rows:
        return []
    meta = model._meta
    given = [_column(model, name) for name in columns]
    rest = [f for f in meta.concrete_fields if f.attname not in columns and not f.primary_key]
    defaults = tuple(
        f.get_db_prep_save(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default(),
            connection,
        )
        for f in rest
    )
    # (index, field, prepared values so far): a chunk repeats the same few dates and UUIDs
    to_prep: list[tuple[int, Field, dict[Any, Any]]] = [
        (i, f, {}) for i, f in enumerate(given) if _needs_prep(f)
    ]
    prepared = []
    for row in rows:
        values = list(row)
        for i, f, seen in to_prep:
            value = values[i]
            if value not in seen:
                seen[value] = f.get_db_prep_save(value, connection)
            values[i] = seen[value]
        prepared.append(values)
    # The rows carry the given columns only; the defaults go once, in the SELECT list (half
    # the parameters to adapt and parse). Both databases name a VALUES list's columns column1,
    # column2, ...; PostgreSQL types them from their literals (a column of NULLs would be
    # text), so there every column but text is cast to its own type.
    cast = connection.vendor == "postgresql"
    select = ", ".join(
        [
            *(
                f"CAST(column{i} AS {f.db_type(connection)})"
                if cast and f.get_internal_type() not in ("CharField", "TextField")
                else f"column{i}"
                for i, f in enumerate(given, start=1)
            ),
            *(["%s"] * len(defaults)),
        ]
    )
    qn = connection.ops.quote_name
    table, names = qn(meta.db_table), ", ".join(qn(f.column) for f in [*given, *rest])
    # Only quoted names from the model's metadata go into the SQL; values go as parameters.
    head = f"INSERT INTO {table} ({names}) SELECT {select} FROM (VALUES "  # noqa: S608
    one = f"({', '.join(['%s'] * len(given))})"
    # WHERE true: SQLite reads ON CONFLICT after a bare FROM as a join's ON
    tail = ") AS v WHERE true" + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    if returning:
        tail += " RETURNING " + ", ".join(qn(_column(model, n).column) for n in returning)
    limit = connection.features.max_query_params  # None: no limit (PostgreSQL)
    size = max(1, (limit - len(defaults)) // len(given)) if limit else len(prepared)
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), size):
            part = prepared[start : start + size]
            sql = head + ", ".join([one] * len(part)) + tail
            cursor.execute(sql, [*defaults, *(v for r in part for v in r)])
            if returning:
                out.extend(tuple(r) for r in cursor.fetchall())
    return out


def _history_insert(model: type[Model], pks: Sequence[int], *, now: dt.datetime) -> None:
    """The "created" history rows (django-simple-history) of rows just inserted, copied from
    them in SQL (INSERT ... SELECT; one per chunk, a few on SQLite): what `bulk_history_create`
    writes, with no user (the sweep acts for no one) and no change reason."""
    if not pks or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model  # type: ignore[attr-defined]
    qn = connection.ops.quote_name
    tracked = ", ".join(qn(f.column) for f in history.tracked_fields)
    extra = ", ".join(
        qn(_column(history, n).column)
        for n in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    table, source, pk = (
        qn(history._meta.db_table),
        qn(model._meta.db_table),
        qn(model._meta.pk.column),
    )
    # Only quoted names from the models' metadata go into the SQL; values go as parameters.
    head = f"INSERT INTO {table} ({tracked}, {extra}) SELECT {tracked}, %s, %s, %s, NULL "
    values = [connection.ops.adapt_datetimefield_value(now), "", "+"]
    limit = connection.features.max_query_params  # None: no limit (PostgreSQL)
    size = max(1, limit - len(values)) if limit else len(pks)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), size):
            part = pks[start : start + size]
            where = f"FROM {source} WHERE {pk} IN ({', '.join(['%s'] * len(part))}) ORDER BY {pk}"
            cursor.execute(head + where, [*values, *part])


def _statistics_refresh(done: int, *models: type[Model]) -> None:
    """After a step inserted many rows (a first sweep, a big import), refresh PostgreSQL's
    statistics of the table it filled that later steps and sweeps read, as its documentation
    advises after bulk loading.
    Until autovacuum gets there, the planner takes them for as small as they were (often
    empty) and plans the next step's lookups as a scan of the whole table per row: measured
    at 100,000 engagements, the attention-flag query took 6 s instead of 0.5 s."""
    if done < ANALYZE_AFTER_ROWS or connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(qn(m._meta.db_table) for m in models))


def _as_date(value: dt.date | str) -> dt.date:
    """A date column as returned by a raw query (SQLite gives it as ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


# --- schedule -------------------------------------------------------------------------------


def cadence_settings_for(engagement: Engagement) -> cadence.CadenceSettings:
    try:
        s = engagement.review_schedule
    except ReviewSchedule.DoesNotExist:
        return cadence.CadenceSettings()
    return cadence.CadenceSettings(
        close_interval_months=s.quarterly_interval_months,
        relaxed_interval_months=s.annual_interval_months,
        close_count=s.quarterly_count,
    )


def _rounds_by_engagement(
    engagement_ids: Iterable[int],
) -> dict[int, list[tuple[dt.date, scoring.Round]]]:
    """The completed review rounds of many engagements, oldest first (at most two queries)."""
    rows = list(
        Review.objects.completed()
        .filter(engagement_id__in=list(engagement_ids), score__isnull=False)
        .order_by("engagement_id", "due_date", "pk")
        .values_list("pk", "engagement_id", "due_date", "score", "decision")
    )
    if not rows:
        return {}
    ones: dict[int, set[int]] = defaultdict(set)
    for review_id, duty_id in DutyRating.objects.filter(
        review__in=[r[0] for r in rows], rating=1, duty__importance=Importance.MUST
    ).values_list("review_id", "duty_id"):
        ones[review_id].add(duty_id)
    grouped: dict[int, dict[dt.date, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[row[1]][row[2]].append(row)
    out: dict[int, list[tuple[dt.date, scoring.Round]]] = {}
    for engagement_id, by_date in grouped.items():
        out[engagement_id] = [
            (
                due,
                scoring.Round(
                    scores=tuple(r[3] for r in group if r[3] is not None),
                    must_have_ones=frozenset().union(*(ones[r[0]] for r in group)),
                    replace_decided=any(r[4] == Review.Decision.REPLACE for r in group),
                ),
            )
            for due, group in sorted(by_date.items())
        ]
    return out


def engagement_rounds(engagement: Engagement) -> list[tuple[dt.date, scoring.Round]]:
    """The completed review rounds of an engagement, oldest first (two queries)."""
    return _rounds_by_engagement([engagement.pk]).get(engagement.pk, [])


class _Dates(Protocol):
    """What planning the next round reads of an engagement (a model or a plain row)."""

    @property
    def kind(self) -> str: ...
    @property
    def start_date(self) -> dt.date: ...
    @property
    def end_date(self) -> dt.date | None: ...


def _plan_next_due(
    engagement: _Dates,
    cfg: cadence.CadenceSettings,
    primaries: list[tuple[dt.date, int]],
    rounds: list[tuple[dt.date, scoring.Round]],
    before: dt.date | None = None,
) -> tuple[dt.date, int] | None:
    """Pure: due date and month offset of the next primary review from the engagement's
    primary rounds (due date, offset) and completed rounds, or None (no more)."""
    if before is not None:
        primaries = [p for p in primaries if p[0] < before]
        rounds = [(d, r) for d, r in rounds if d < before]
    if engagement.kind == Engagement.Kind.ONE_OFF:
        if primaries:
            return None
        return cadence.one_off_due(engagement.start_date, engagement.end_date, cfg), 0
    if not primaries:
        offset = cadence.first_offset(cfg)
    else:
        last_offset = max(primaries)[1]
        offset = cadence.next_offset(last_offset, [r.standing for _, r in rounds], cfg)
    due = cadence.due_on(engagement.start_date, offset)
    if engagement.end_date is not None and due > engagement.end_date:
        return None
    return due, offset


def _next_due(engagement: Engagement, before: dt.date | None = None) -> tuple[dt.date, int] | None:
    """Due date and month offset of the engagement's next primary review, or None (no more)."""
    primaries = list(
        Review.objects.filter(engagement=engagement, second_opinion=False).values_list(
            "due_date", "offset_months"
        )
    )
    rounds = (
        engagement_rounds(engagement)
        if engagement.kind != Engagement.Kind.ONE_OFF and primaries
        else []
    )
    return _plan_next_due(engagement, cadence_settings_for(engagement), primaries, rounds, before)


def review_next_create(*, engagement: Engagement) -> Review | None:
    """Create the engagement's next review round if it has no open one. Idempotent.

    The due date follows the previous due date (an offset in months from the start), never
    the completion date. Concurrent callers create one row: the loser hits the conditional
    unique constraint and gets None.
    """
    if engagement.status != Engagement.Status.ACTIVE:
        return None
    if Review.objects.filter(
        engagement=engagement, second_opinion=False, status=Review.Status.DUE
    ).exists():
        return None
    nxt = _next_due(engagement)
    if nxt is None:
        return None
    due, offset = nxt
    try:
        with transaction.atomic():
            return Review.objects.create(
                engagement=engagement, due_date=due, offset_months=offset, second_opinion=False
            )
    except IntegrityError:
        return None


def _redate_open_review(engagement: Engagement) -> None:
    """Recompute the open round's due date after the schedule or a standing changed."""
    open_review = (
        Review.objects.filter(engagement=engagement, second_opinion=False, status=Review.Status.DUE)
        .order_by("-due_date")
        .first()
    )
    if open_review is None:
        return
    nxt = _next_due(engagement, before=open_review.due_date)
    if nxt is None or nxt[0] == open_review.due_date:
        return
    if Review.objects.filter(engagement=engagement, due_date=nxt[0], second_opinion=False).exists():
        return
    open_review.due_date, open_review.offset_months = nxt
    open_review.save(update_fields=["due_date", "offset_months"])


@transaction.atomic
def review_schedule_update(
    *,
    engagement: Engagement,
    actor: User,
    quarterly_interval_months: int,
    annual_interval_months: int,
    quarterly_count: int,
) -> ReviewSchedule:
    """Change an engagement's cadence; the open review is re-dated to follow it."""
    schedule, _ = ReviewSchedule.objects.update_or_create(
        engagement=engagement,
        defaults={
            "quarterly_interval_months": quarterly_interval_months,
            "annual_interval_months": annual_interval_months,
            "quarterly_count": quarterly_count,
        },
    )
    engagement.review_schedule = schedule
    _redate_open_review(engagement)
    return schedule


# --- reviews --------------------------------------------------------------------------------


class ReviewError(ValidationError):
    pass


@transaction.atomic
def review_complete(
    *,
    review: Review,
    actor: User,
    ratings: Mapping[int, tuple[int, str]],
    notes: str,
    decision: str,
) -> Review:
    """Record a review: one rating (1 to 5) per duty, score and standing, flags, next round.

    Not repeatable: a completed review is read-only (ReviewError). Raises the flags the
    rules call for and creates the next round (both idempotent).
    """
    review = Review.objects.select_for_update().select_related("engagement").get(pk=review.pk)
    if review.is_completed:
        raise ReviewError("This review was already completed; it is read-only now.")
    if decision not in Review.Decision.values:
        raise ReviewError("Choose a decision: keep, watch or replace.")
    duties = list(review.engagement.job.duties.all())
    missing = [d.what for d in duties if d.pk not in ratings]
    if missing:
        raise ReviewError(f"Rate every duty: {', '.join(missing)}.")
    rows = []
    pure = []
    for duty in duties:
        rating, comment = ratings[duty.pk]
        if not 1 <= int(rating) <= 5:
            raise ReviewError(f"Ratings are 1 to 5 ({duty.what}).")
        rows.append(DutyRating(review=review, duty=duty, rating=int(rating), comment=comment))
        pure.append(scoring.Rating(duty_id=duty.pk, rating=int(rating), must_have=duty.is_must))
    DutyRating.objects.bulk_create(rows)
    review.score = scoring.review_score(pure)
    review.standing = scoring.standing_for(review.score)
    review.status = Review.Status.COMPLETED
    review.reviewer = actor
    review.completed_at = timezone.now()
    review.notes = notes
    review.decision = decision
    review.save()

    engagement = review.engagement
    rounds = [r for d, r in engagement_rounds(engagement) if d <= review.due_date]
    for reason in scoring.flag_reasons(rounds):
        flag_raise(engagement=engagement, reason=reason, review=review)
    if review.second_opinion:
        _redate_open_review(engagement)
    else:
        review_next_create(engagement=engagement)
    return review


def review_second_opinion_start(*, review: Review, actor: User) -> Review:
    """Open (or find) the actor's own review for the same due date. Idempotent."""
    if review.reviewer_id == actor.pk:
        return review
    existing = Review.objects.filter(
        engagement=review.engagement, due_date=review.due_date, reviewer=actor
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Review.objects.create(
                engagement=review.engagement,
                due_date=review.due_date,
                offset_months=review.offset_months,
                second_opinion=True,
                reviewer=actor,
            )
    except IntegrityError:
        return Review.objects.get(
            engagement=review.engagement,
            due_date=review.due_date,
            reviewer=actor,
            second_opinion=True,
        )


# --- flags ----------------------------------------------------------------------------------

FLAG_DETAIL = {
    ReplacementFlag.Reason.OVERDUE_ATTENTION: "Review due {due} is more than 30 days overdue.",
}


def flag_raise(
    *,
    engagement: Engagement,
    reason: str,
    review: Review | None = None,
    detail: str = "",
) -> ReplacementFlag | None:
    """Raise a flag once: one open flag per engagement and reason (a database constraint), and
    never again for the same review and reason once resolved. Tells the business's members
    in the app. Returns None when nothing was raised."""
    if review is not None and ReplacementFlag.objects.filter(review=review, reason=reason).exists():
        return None
    try:
        with transaction.atomic():
            flag = ReplacementFlag.objects.create(
                engagement=engagement, review=review, reason=reason, detail=detail
            )
            text = f"{engagement.provider.name}: {flag.get_reason_display()}"
            url = flag.get_absolute_url()
            Notification.objects.bulk_create(
                Notification(user_id=uid, business_id=engagement.business_id, text=text, url=url)
                for uid in Membership.objects.filter(
                    business_id=engagement.business_id
                ).values_list("user_id", flat=True)
            )
    except IntegrityError:
        return None
    return flag


def replace_flow_url(engagement: Engagement) -> str:
    """The providers app's replacement flow for an engagement (its detail page as a fallback)."""
    for name in ("providers:engagement-replace", "providers:engagement-end"):
        try:
            return reverse(
                name, kwargs={"business_id": engagement.business_id, "pk": engagement.pk}
            )
        except NoReverseMatch:
            continue
    try:
        return engagement.get_absolute_url()
    except NoReverseMatch:
        return reverse("reviews:review-list", kwargs={"business_id": engagement.business_id})


@transaction.atomic
def flag_resolve(
    *, flag: ReplacementFlag, actor: User, resolution: str, note: str
) -> ReplacementFlag:
    """Resolve an open flag: keep (a note is required) or replace. Only once."""
    if resolution not in ReplacementFlag.Resolution.values:
        raise ValidationError("Choose keep or replace.")
    if resolution == ReplacementFlag.Resolution.KEEP_WITH_NOTE and not note.strip():
        raise ValidationError("Say why you keep them: the note is required.")
    flag = ReplacementFlag.objects.select_for_update().get(pk=flag.pk)
    if not flag.is_open:
        raise ValidationError("This flag was already resolved.")
    flag.status = ReplacementFlag.Status.RESOLVED
    flag.resolution = resolution
    flag.note = note.strip()
    flag.resolved_at = timezone.now()
    flag.resolved_by = actor
    flag.save()
    return flag


# --- notifications --------------------------------------------------------------------------


def notification_mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read. Idempotent."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


def notification_preference_get(*, user: User) -> NotificationPreference:
    pref, _ = NotificationPreference.objects.get_or_create(user=user)
    return pref


def notification_preference_update(*, user: User, email_enabled: bool) -> NotificationPreference:
    pref = notification_preference_get(user=user)
    pref.email_enabled = email_enabled
    pref.save(update_fields=["email_enabled"])
    return pref


def calendar_token_regenerate(*, user: User) -> str:
    """A new private calendar link; the old one stops working at once."""
    import secrets

    pref = notification_preference_get(user=user)
    pref.calendar_token = secrets.token_urlsafe(32)
    pref.save(update_fields=["calendar_token"])
    return pref.calendar_token


# --- reminders ------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _enqueue_send(delivery_id: int) -> bool:
    """Hand one claimed e-mail to the worker. Never raises: the sweep retries later."""
    from .tasks import reminder_send

    try:
        reminder_send.delay(delivery_id)
    except Exception:
        logger.warning(
            "Could not enqueue reminder %s; the next sweep will", delivery_id, exc_info=True
        )
        return False
    return True


@dataclass(frozen=True)
class ReminderSpec:
    """One reminder to claim for every member of a business: plain values, no model instances
    (the sweep builds tens of thousands of them)."""

    engagement_id: int
    business_id: UUID
    business_name: str
    review_id: int | None
    due_date: dt.date
    kind: str
    text: str
    url: str


def _delivery_values(
    *, spec: ReminderSpec, recipient_id: int, by_email: bool, now: dt.datetime
) -> dict[str, Any]:
    """The claim row of one reminder to one person: by e-mail it waits as `claimed` for the
    send task; in-app only, it is delivered (`sent`) at once. The single and the batched claim
    both build it here."""
    return {
        "engagement_id": spec.engagement_id,
        "review_id": spec.review_id,
        "due_date": spec.due_date,
        "kind": spec.kind,
        "recipient_id": recipient_id,
        "channel": ReminderDelivery.Channel.EMAIL if by_email else ReminderDelivery.Channel.IN_APP,
        "status": ReminderDelivery.Status.CLAIMED if by_email else ReminderDelivery.Status.SENT,
        "sent_at": None if by_email else now,
        "subject": spec.text[:200],
        "body": (
            f"{spec.text}\n\nOpen it: {_absolute(spec.url)}\n\n"
            "You get this because you are a member of "
            f"{spec.business_name} on Outsourcing Desk. "
            "Turn e-mail reminders off in your notification settings."
        ),
    }


def reminder_claim(
    *, spec: ReminderSpec, recipient: User, email_enabled: bool
) -> ReminderDelivery | None:
    """Claim one reminder for one person: insert the delivery row (unique), add the in-app
    notification in the same transaction, and enqueue the e-mail after commit. Returns None if
    someone already claimed it."""
    by_email = email_enabled and bool(recipient.email)
    now = timezone.now()
    try:
        with transaction.atomic():
            delivery = ReminderDelivery(
                **_delivery_values(spec=spec, recipient_id=recipient.pk, by_email=by_email, now=now)
            )
            delivery.save(force_insert=True)
            Notification.objects.create(
                user=recipient,
                business_id=spec.business_id,
                delivery=delivery,
                text=spec.text[:300],
                url=spec.url,
            )
            if by_email:
                transaction.on_commit(partial(_enqueue_send, delivery.pk), robust=True)
    except IntegrityError:
        return None
    return delivery


def reminder_deliver(delivery_id: int) -> str:
    """Send one claimed reminder e-mail and mark it sent.

    Idempotent: the row moves claimed/failed → sending with a conditional update first, so a
    redelivered or duplicated task finds nothing to do ("skipped"). A failed send is marked
    `failed` and re-raised (the task retries). A crash between sending and marking leaves the
    row `sending`: the admin lists it; it is never resent automatically.
    """
    now = timezone.now()
    took = ReminderDelivery.objects.filter(
        pk=delivery_id,
        channel=ReminderDelivery.Channel.EMAIL,
        status__in=[ReminderDelivery.Status.CLAIMED, ReminderDelivery.Status.FAILED],
        attempts__lt=MAX_SEND_ATTEMPTS,
    ).update(
        status=ReminderDelivery.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now
    )
    if not took:
        return "skipped"
    delivery = ReminderDelivery.objects.select_related("recipient").get(pk=delivery_id)
    try:
        send_mail(
            delivery.subject,
            delivery.body,
            settings.DEFAULT_FROM_EMAIL,
            [delivery.recipient.email],
        )
    except Exception as exc:
        ReminderDelivery.objects.filter(pk=delivery_id).update(
            status=ReminderDelivery.Status.FAILED, last_error=str(exc)[:500]
        )
        raise
    ReminderDelivery.objects.filter(pk=delivery_id).update(
        status=ReminderDelivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _when(days: int) -> str:
    if days > 1:
        return f"due in {days} days"
    if days == 1:
        return "due tomorrow"
    if days == 0:
        return "due today"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def _local_todays(now: dt.datetime) -> Callable[[UUID], dt.date]:
    """Today's date in each business's time zone, worked out once per zone. One query reads
    every business's zone, so the sweep's big candidate queries join no business table: right
    after the sweep's own inserts, stale statistics can plan such a join as a scan per row."""
    zones = dict(Business.objects.order_by().values_list("pk", "timezone"))
    today = {
        name: cadence.local_today(now, zoneinfo.ZoneInfo(name)) for name in {*zones.values(), "UTC"}
    }
    # UTC for a business created or deleted while the step ran (not in `zones`)
    return lambda business_id: today[zones.get(business_id, "UTC")]


# Reversed in place of the pk; its last occurrence in the URL is the pk's place.
_PK_MARK = 987654321


class _Links:
    """Links to many rows: reverse() once per URL name and business, then each row's pk is
    filled in (a reverse() per row was a tenth of the first sweep). The pk is each URL's last
    argument, so the mark's last occurrence is the one to replace. One per sweep step."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, UUID], tuple[str, str]] = {}

    def __call__(self, name: str, business_id: UUID, pk: int) -> str:
        parts = self._parts.get((name, business_id))
        if parts is None:
            marked = reverse(name, kwargs={"business_id": business_id, "pk": _PK_MARK})
            head, _, tail = marked.rpartition(str(_PK_MARK))
            parts = self._parts[(name, business_id)] = (head, tail)
        return f"{parts[0]}{pk}{parts[1]}"


class _Due(NamedTuple):
    """A reminder due now, from bare columns: enough to find its claims, not yet its text."""

    engagement_id: int
    business_id: UUID
    review_id: int | None  # None: a notice-deadline reminder
    due_date: dt.date  # the review's due date, or the last day to give notice
    kind: str
    days: int  # from the business's today to due_date


def _review_reminders_due(now: dt.datetime) -> list[_Due]:
    horizon = now.date() + dt.timedelta(days=16)  # 14 days ahead, in any time zone
    rows = (
        Review.objects.filter(
            Q(engagement__status=Engagement.Status.ACTIVE)
            | Q(engagement__kind=Engagement.Kind.ONE_OFF),
            status=Review.Status.DUE,
            second_opinion=False,
            due_date__lte=horizon,
        )
        .order_by("due_date", "pk")
        .values_list("pk", "engagement_id", "due_date", "engagement__business_id")
    )
    today_in = _local_todays(now)
    due = []
    for review_id, engagement_id, due_date, business_id in rows:
        today = today_in(business_id)
        kind = cadence.review_reminder_kind(today, due_date)
        if kind is not None:
            days = (due_date - today).days
            due.append(_Due(engagement_id, business_id, review_id, due_date, str(kind), days))
    return due


def _notice_window(now: dt.datetime) -> Q | None:
    """Narrow, in SQL, to engagements whose notice deadline (renewal date minus notice period) is
    inside the reminder window (0 to 30 days ahead, in any time zone; a margin each side), so
    the idle sweep reads only the few it may remind. One query reads the distinct notice
    periods; each gives a plain range on the renewal date (portable: no date arithmetic)."""
    active = Engagement.objects.filter(
        status=Engagement.Status.ACTIVE, renewal_date__isnull=False
    ).order_by()
    periods = sorted(set(active.values_list("notice_period_days", flat=True).distinct()))
    if not periods:
        return None
    if len(periods) > NOTICE_WINDOW_MAX_PERIODS:
        return Q()  # unusual data: too many ranges for one query; read them all, as before
    first = now.date() - dt.timedelta(days=2)
    last = now.date() + dt.timedelta(days=32)
    window = Q()
    for days in periods:
        shift = dt.timedelta(days=days)
        window |= Q(notice_period_days=days, renewal_date__range=(first + shift, last + shift))
    return window


def _notice_reminders_due(now: dt.datetime) -> list[_Due]:
    window = _notice_window(now)
    if window is None:
        return []
    rows = (
        Engagement.objects.filter(
            window,
            status=Engagement.Status.ACTIVE,
            renewal_date__isnull=False,
            renewal_date__gte=now.date() - dt.timedelta(days=2),
        )
        .order_by("pk")
        .values_list("pk", "business_id", "renewal_date", "notice_period_days")
    )
    today_in = _local_todays(now)
    due = []
    for engagement_id, business_id, renewal_date, notice_days in rows:
        deadline = cadence.notice_deadline(renewal_date, notice_days)
        if deadline is None:
            continue
        today = today_in(business_id)
        kind = cadence.notice_reminder_kind(today, deadline)
        if kind is not None:
            days = (deadline - today).days
            due.append(_Due(engagement_id, business_id, None, deadline, str(kind), days))
    return due


def _reminder_specs(dues: Iterable[_Due], links: _Links) -> dict[_Due, ReminderSpec]:
    """The text and link of each reminder (one query for the names they mention)."""
    dues = list(dues)
    names = {}
    for pk, business_name, provider, job, renewal_date in (
        Engagement.objects.filter(pk__in={d.engagement_id for d in dues})
        .order_by()
        .values_list("pk", "business__name", "provider__name", "job__title", "renewal_date")
    ):
        names[pk] = (business_name, provider, job, renewal_date)
    specs = {}
    for due in dues:
        if due.engagement_id not in names:
            continue  # deleted since the sweep read it: nothing to remind
        business_name, provider, job, renewal_date = names[due.engagement_id]
        if due.review_id is not None:
            text = f"Review of {provider} ({job}) {_when(due.days)}"
            url = links("reviews:review-detail", due.business_id, due.review_id)
        else:
            left = "today" if due.days == 0 else f"in {due.days} days"
            text = (
                f"Last day to give notice to {provider} is {left} "
                f"({due.due_date:%d %b %Y}); the contract renews on {renewal_date:%d %b %Y}"
            )
            url = links("providers:engagement-detail", due.business_id, due.engagement_id)
        specs[due] = ReminderSpec(
            engagement_id=due.engagement_id,
            business_id=due.business_id,
            business_name=business_name,
            review_id=due.review_id,
            due_date=due.due_date,
            kind=due.kind,
            text=text,
            url=url,
        )
    return specs


class _Recipient(NamedTuple):
    user_id: int
    by_email: bool  # e-mail reminders on, and an address to send them to


def _recipients(business_ids: Iterable[UUID]) -> dict[UUID, list[_Recipient]]:
    """The active members of each business with their e-mail choice (two queries)."""
    members = list(
        Membership.objects.filter(business_id__in=set(business_ids), user__is_active=True)
        .order_by("business_id", "user_id")
        .values_list("business_id", "user_id", "user__email")
    )
    email_enabled = dict(
        NotificationPreference.objects.filter(
            user_id__in={user_id for _, user_id, _ in members}
        ).values_list("user_id", "email_enabled")
    )
    out: dict[UUID, list[_Recipient]] = defaultdict(list)
    for business_id, user_id, email in members:
        by_email = email_enabled.get(user_id, True) and bool(email)
        out[business_id].append(_Recipient(user_id, by_email))
    return out


def _enqueue_many(delivery_ids: list[int]) -> bool:
    """Hand one batch of claimed e-mails to the worker in one message. Never raises: the
    sweep enqueues again whatever stays claimed."""
    from .tasks import reminder_send_many

    try:
        reminder_send_many.delay(delivery_ids)
    except Exception:
        logger.warning(
            "Could not enqueue %s reminders; the next sweep will", len(delivery_ids), exc_info=True
        )
        return False
    return True


_CLAIM_COLUMNS = (
    "engagement_id",
    "review_id",
    "due_date",
    "kind",
    "recipient_id",
    "channel",
    "status",
    "sent_at",
    "subject",
    "body",
)


def _claim_chunk(
    dues: list[_Due], recipients: Mapping[UUID, list[_Recipient]], links: _Links
) -> int:
    """Claim one chunk's reminders in one transaction with a constant number of queries.

    First the claims already made are read, and only the reminders someone still lacks get a
    text (a sweep with nothing new builds none). Then the delivery rows are inserted; the
    unique constraint decides (ON CONFLICT DO NOTHING): a row a concurrent sweep claimed first
    is skipped, and only the rows this sweep inserted get their in-app notification and have
    their e-mail enqueued after commit.
    """
    already = set(
        ReminderDelivery.objects.filter(
            engagement_id__in={d.engagement_id for d in dues},
            due_date__in={d.due_date for d in dues},
            kind__in={d.kind for d in dues},
        )
        .order_by()
        .values_list("engagement_id", "due_date", "kind", "recipient_id")
    )
    todo = [
        (due, recipient)
        for due in dues
        for recipient in recipients.get(due.business_id, [])
        if (due.engagement_id, due.due_date, due.kind, recipient.user_id) not in already
    ]
    if not todo:
        return 0
    specs = _reminder_specs({due for due, _ in todo}, links)
    todo = [(due, recipient) for due, recipient in todo if due in specs]
    now = timezone.now()
    rows = []
    for due, recipient in todo:
        values = _delivery_values(
            spec=specs[due], recipient_id=recipient.user_id, by_email=recipient.by_email, now=now
        )
        rows.append(tuple(values[c] for c in _CLAIM_COLUMNS))
    with transaction.atomic():
        inserted = _rows_insert(
            ReminderDelivery,
            _CLAIM_COLUMNS,
            rows,
            now=now,
            returning=("id", "engagement_id", "due_date", "kind", "recipient_id"),
            ignore_conflicts=True,
        )
        claimed = {
            (engagement_id, _as_date(due_date), kind, recipient_id): pk
            for pk, engagement_id, due_date, kind, recipient_id in inserted
        }
        notifications, emails = [], []
        for due, recipient in todo:
            pk = claimed.get((due.engagement_id, due.due_date, due.kind, recipient.user_id))
            if pk is None:
                continue  # a concurrent sweep claimed it first
            spec = specs[due]
            notifications.append(
                (recipient.user_id, due.business_id, pk, spec.text[:300], spec.url)
            )
            if recipient.by_email:
                emails.append(pk)
        _rows_insert(
            Notification,
            ("user_id", "business_id", "delivery_id", "text", "url"),
            notifications,
            now=now,
        )
        if emails:
            transaction.on_commit(partial(_enqueue_many, emails), robust=True)
    return len(notifications)


def reminders_send(*, now: dt.datetime) -> int:
    """Claim every reminder due now (review and notice-deadline) for every member. Idempotent.

    Works in chunks of SWEEP_BATCH_SIZE reminders, one transaction each; a chunk that fails is
    logged and reported and the others still go out."""
    dues = _review_reminders_due(now) + _notice_reminders_due(now)
    if not dues:
        return 0
    recipients = _recipients(d.business_id for d in dues)
    links = _Links()
    claimed = _run_chunks(
        "reminders_send", dues, lambda chunk: _claim_chunk(chunk, recipients, links)
    )
    _statistics_refresh(claimed, ReminderDelivery)
    return claimed


def reminders_requeue(*, now: dt.datetime) -> int:
    """Enqueue again the e-mails whose enqueue was lost (broker down) or whose retries were
    lost. Safe to overdo: sending is guarded by a conditional update."""
    ids = list(
        ReminderDelivery.objects.filter(channel=ReminderDelivery.Channel.EMAIL)
        .filter(
            Q(status=ReminderDelivery.Status.CLAIMED, claimed_at__lt=now - REENQUEUE_AFTER)
            | Q(
                status=ReminderDelivery.Status.FAILED,
                attempts__lt=MAX_SEND_ATTEMPTS,
                last_attempt_at__lt=now - RETRY_FAILED_AFTER,
            )
        )
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:REENQUEUE_BATCH]
    )
    return sum(1 for pk in ids if _enqueue_send(pk))


class _Overdue(NamedTuple):
    review_id: int
    engagement_id: int
    business_id: UUID
    due_date: dt.date


def _flag_chunk(chunk: list[_Overdue], reason: ReplacementFlag.Reason, links: _Links) -> int:
    """Raise one chunk's overdue flags in one transaction (constant queries): insert the flags
    with their history and the members' notifications. The one-open-flag constraint still
    decides (ON CONFLICT DO NOTHING): a flag a concurrent sweep raised first is skipped, with
    no history and no notification."""
    provider_names = dict(
        Engagement.objects.filter(pk__in={o.engagement_id for o in chunk})
        .order_by()
        .values_list("pk", "provider__name")
    )
    members: dict[UUID, list[int]] = defaultdict(list)
    for business_id, user_id in (
        Membership.objects.filter(business_id__in={o.business_id for o in chunk})
        .order_by("business_id", "user_id")
        .values_list("business_id", "user_id")
    ):
        members[business_id].append(user_id)
    label = str(reason.label)
    now = timezone.now()
    rows = [
        (
            o.engagement_id,
            o.review_id,
            reason,
            FLAG_DETAIL[reason].format(due=f"{o.due_date:%d %b %Y}"),
        )
        for o in chunk
    ]
    with transaction.atomic():
        raised = _rows_insert(
            ReplacementFlag,
            ("engagement_id", "review_id", "reason", "detail"),
            rows,
            now=now,
            returning=("id", "review_id"),
            ignore_conflicts=True,
        )
        _history_insert(ReplacementFlag, [pk for pk, _ in raised], now=now)
        by_review = {o.review_id: o for o in chunk}
        notifications = [
            (
                user_id,
                o.business_id,
                f"{provider_names[o.engagement_id]}: {label}",
                links("reviews:flag-detail", o.business_id, pk),
            )
            for pk, review_id in raised
            for o in [by_review[review_id]]
            for user_id in members[o.business_id]
        ]
        _rows_insert(
            Notification, ("user_id", "business_id", "text", "url"), notifications, now=now
        )
    return len(raised)


def overdue_flags_raise(*, now: dt.datetime) -> int:
    """Raise the attention flag for reviews more than 30 days overdue. Idempotent."""
    cutoff = now.date() - dt.timedelta(days=cadence.OVERDUE_ATTENTION_DAYS - 1)
    reason = ReplacementFlag.Reason.OVERDUE_ATTENTION
    rows = (
        Review.objects.filter(
            status=Review.Status.DUE,
            second_opinion=False,
            engagement__status=Engagement.Status.ACTIVE,
            due_date__lt=cutoff,
        )
        .exclude(Exists(ReplacementFlag.objects.filter(review=OuterRef("pk"), reason=reason)))
        .exclude(
            Exists(
                ReplacementFlag.objects.open().filter(
                    engagement=OuterRef("engagement"), reason=reason
                )
            )
        )
        .order_by("engagement_id", "pk")
        .values_list("pk", "engagement_id", "engagement__business_id", "due_date")
    )
    today_in = _local_todays(now)
    overdue = [
        _Overdue(*row) for row in rows if cadence.is_overdue_for_attention(today_in(row[2]), row[3])
    ]
    links = _Links()
    raised = _run_chunks(
        "overdue_flags_raise", overdue, lambda chunk: _flag_chunk(chunk, reason, links)
    )
    _statistics_refresh(raised, ReplacementFlag)
    return raised


class _Plannable(NamedTuple):
    """An engagement that may need its next round, with its schedule (None: the defaults)."""

    pk: int
    kind: str
    start_date: dt.date
    end_date: dt.date | None
    close_interval_months: int | None
    relaxed_interval_months: int | None
    close_count: int | None

    def cadence_settings(self) -> cadence.CadenceSettings:
        close, relaxed, count = (
            self.close_interval_months,
            self.relaxed_interval_months,
            self.close_count,
        )
        if close is None or relaxed is None or count is None:  # no schedule row
            return cadence.CadenceSettings()
        return cadence.CadenceSettings(
            close_interval_months=close, relaxed_interval_months=relaxed, close_count=count
        )


def _schedule_chunk(engagements: list[_Plannable]) -> int:
    """Create the next round of each engagement of one chunk in one transaction, with a
    constant number of queries: their primary rounds (one query), their completed rounds
    (two), the insert and its history.

    The unique constraints still decide (ON CONFLICT DO NOTHING): a round a concurrent sweep
    (or a completed review) created first is skipped, and gets no second history row."""
    ids = [e.pk for e in engagements]
    primaries: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for engagement_id, due, offset in (
        Review.objects.filter(engagement_id__in=ids, second_opinion=False)
        .order_by()
        .values_list("engagement_id", "due_date", "offset_months")
    ):
        primaries[engagement_id].append((due, offset))
    recurring = [
        e.pk for e in engagements if e.kind != Engagement.Kind.ONE_OFF and primaries.get(e.pk)
    ]
    rounds = _rounds_by_engagement(recurring) if recurring else {}
    new = []
    for engagement in engagements:
        try:
            nxt = _plan_next_due(
                engagement,
                engagement.cadence_settings(),
                primaries.get(engagement.pk, []),
                rounds.get(engagement.pk, []),
            )
        except Exception:
            # one broken engagement must not stop the others' reviews and reminders
            logger.exception("sweep: could not schedule the next review of %s", engagement.pk)
            continue
        if nxt is not None:
            new.append((engagement.pk, nxt[0], nxt[1], False))
    if not new:
        return 0
    now = timezone.now()
    with transaction.atomic():
        created = _rows_insert(
            Review,
            ("engagement_id", "due_date", "offset_months", "second_opinion"),
            new,
            now=now,
            returning=("id",),
            ignore_conflicts=True,
        )
        _history_insert(Review, [pk for (pk,) in created], now=now)
    return len(created)


def reviews_schedule(*, now: dt.datetime) -> int:
    """Create the next review round of every active engagement that has none open, in chunks
    of SWEEP_BATCH_SIZE engagements (one transaction each)."""
    open_round = Review.objects.filter(
        engagement=OuterRef("pk"), second_opinion=False, status=Review.Status.DUE
    )
    one_off_done = Review.objects.filter(engagement=OuterRef("pk"), second_opinion=False)
    engagements = [
        _Plannable(*row)
        for row in Engagement.objects.active()
        .exclude(Exists(open_round))
        .exclude(Q(kind=Engagement.Kind.ONE_OFF) & Exists(one_off_done))
        .order_by("pk")
        .values_list(
            "pk",
            "kind",
            "start_date",
            "end_date",
            "review_schedule__quarterly_interval_months",
            "review_schedule__annual_interval_months",
            "review_schedule__quarterly_count",
        )
    ]
    created = _run_chunks("reviews_schedule", engagements, _schedule_chunk)
    _statistics_refresh(created, Review)
    return created


@dataclass
class SweepReport:
    reviews_created: int = 0
    flags_raised: int = 0
    reminders_claimed: int = 0
    emails_requeued: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"reviews created: {self.reviews_created}; flags raised: {self.flags_raised}; "
            f"reminders claimed: {self.reminders_claimed}; "
            f"e-mails enqueued again: {self.emails_requeued}"
        )
        return text + "".join(f"; {note}" for note in self.notes)


def sweep_run(*, now: dt.datetime | None = None) -> SweepReport:
    """Work out from the database what is due and do it: next reviews, attention flags,
    reminders, lost e-mail enqueues. Idempotent and safe to run concurrently; every unit is
    its own short transaction (no long locks, no deadlock between two sweeps)."""
    now = now or timezone.now()
    report = SweepReport()
    token = _chunk_failures.set(report.notes)
    steps = [
        ("reviews_created", "reviews_schedule", reviews_schedule),
        ("flags_raised", "overdue_flags_raise", overdue_flags_raise),
        ("reminders_claimed", "reminders_send", reminders_send),
        ("emails_requeued", "reminders_requeue", reminders_requeue),
    ]
    for attr, label, step in steps:
        try:
            setattr(report, attr, step(now=now))
        except Exception as exc:
            # Each step stands alone: a failure in one still lets the others run; the next
            # sweep tries again (everything is idempotent).
            logger.exception("sweep: %s failed", label)
            report.notes.append(f"{label} failed: {exc}")
    _chunk_failures.reset(token)
    logger.info("sweep: %s", report)
    return report
