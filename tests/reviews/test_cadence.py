"""Time-travel tests for the pure cadence maths."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviews import cadence
from reviews.cadence import CadenceSettings, Mode, ReminderKind

CFG = CadenceSettings()


def walk(start: dt.date, standings: list[str], cfg: CadenceSettings = CFG) -> list[dt.date]:
    """Due dates of the first len(standings)+1 reviews, each completed with the given standing."""
    offset = cadence.first_offset(cfg)
    dates = [cadence.due_on(start, offset)]
    for i in range(len(standings)):
        offset = cadence.next_offset(offset, standings[: i + 1], cfg)
        dates.append(cadence.due_on(start, offset))
    return dates


def test_cadence_quarterly_first_year_then_annual():
    dates = walk(dt.date(2025, 1, 15), ["meets"] * 6)
    assert dates == [
        dt.date(2025, 4, 15),
        dt.date(2025, 7, 15),
        dt.date(2025, 10, 15),
        dt.date(2026, 1, 15),  # fourth quarterly review: end of the first year
        dt.date(2027, 1, 15),  # annual from here
        dt.date(2028, 1, 15),
        dt.date(2029, 1, 15),
    ]


def test_cadence_watch_brings_back_quarterly_then_four_good_step_out_again():
    standings = ["strong", "meets", "meets", "meets", "watch", "meets", "meets", "meets", "strong"]
    dates = walk(dt.date(2025, 1, 10), standings)
    # 4 quarterly, then annual (2027-01), watch there -> quarterly again
    assert dates[4] == dt.date(2027, 1, 10)
    assert dates[5] == dt.date(2027, 4, 10)  # back to quarterly after the watch
    assert dates[6:9] == [dt.date(2027, 7, 10), dt.date(2027, 10, 10), dt.date(2028, 1, 10)]
    # four quarterly reviews at meets+ after the watch -> annual again
    assert dates[9] == dt.date(2029, 1, 10)
    assert cadence.cadence_state(standings, CFG) == cadence.CadenceState(Mode.RELAXED, 4)


def test_cadence_replace_in_first_year_restarts_the_count():
    state = cadence.cadence_state(["meets", "meets", "replace", "meets", "meets", "meets"], CFG)
    assert state.mode is Mode.CLOSE and state.streak == 3
    state = cadence.cadence_state(["meets", "meets", "replace"] + ["meets"] * 4, CFG)
    assert state.mode is Mode.RELAXED


def test_cadence_settings_per_engagement():
    cfg = CadenceSettings(close_interval_months=2, relaxed_interval_months=6, close_count=2)
    dates = walk(dt.date(2025, 3, 1), ["meets", "meets", "meets"], cfg)
    assert dates == [
        dt.date(2025, 5, 1),
        dt.date(2025, 7, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 7, 1),
    ]


def test_due_dates_do_not_drift_at_month_end():
    dates = walk(dt.date(2025, 10, 31), ["meets"] * 3)
    # Oct 31 + 3 = Jan 31; + 6 = Apr 30; + 9 = Jul 31 (not Jul 30: no drift)
    assert dates == [
        dt.date(2026, 1, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 7, 31),
        dt.date(2026, 10, 31),
    ]
    assert cadence.due_on(dt.date(2025, 1, 31), 3) == dt.date(2025, 4, 30)
    assert cadence.due_on(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)


def test_due_dates_over_leap_days():
    assert cadence.due_on(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert cadence.due_on(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert cadence.due_on(dt.date(2023, 11, 29), 3) == dt.date(2024, 2, 29)
    dates = walk(dt.date(2024, 2, 29), ["meets"] * 5)
    assert dates[3] == dt.date(2025, 2, 28)
    assert dates[4] == dt.date(2026, 2, 28)
    assert dates[5] == dt.date(2027, 2, 28)


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    standings=st.lists(st.sampled_from(["strong", "meets", "watch", "replace"]), max_size=12),
)
def test_due_dates_always_increase_and_keep_the_day(start, standings):
    dates = walk(start, standings)
    assert all(a < b for a, b in itertools.pairwise(dates))
    for d in dates:
        assert d.day == start.day or d.day < start.day  # clamped only at month ends


def test_one_off_review_at_its_end():
    assert cadence.one_off_due(dt.date(2025, 1, 1), dt.date(2025, 2, 15), CFG) == dt.date(
        2025, 2, 15
    )
    assert cadence.one_off_due(dt.date(2025, 1, 1), None, CFG) == dt.date(2025, 4, 1)


@pytest.mark.parametrize(
    ("zone", "utc_now", "expected"),
    [
        # Kiritimati is UTC+14: 11:00 UTC on 1 March is already 2 March there
        ("Pacific/Kiritimati", dt.datetime(2025, 3, 1, 11, 0, tzinfo=dt.UTC), dt.date(2025, 3, 2)),
        # Pago Pago is UTC-11: 10:00 UTC on 1 March is still 28 February there
        ("Pacific/Pago_Pago", dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC), dt.date(2025, 2, 28)),
        ("UTC", dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC), dt.date(2025, 3, 1)),
    ],
)
def test_local_today_in_far_zones(zone, utc_now, expected):
    assert cadence.local_today(utc_now, ZoneInfo(zone)) == expected


def test_local_today_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        cadence.local_today(dt.datetime(2025, 1, 1), ZoneInfo("UTC"))


def test_review_due_today_differs_by_zone_at_the_same_instant():
    due = dt.date(2025, 3, 2)
    now = dt.datetime(2025, 3, 1, 11, 0, tzinfo=dt.UTC)
    kiri = cadence.local_today(now, ZoneInfo("Pacific/Kiritimati"))
    pago = cadence.local_today(now, ZoneInfo("Pacific/Pago_Pago"))
    assert cadence.review_reminder_kind(kiri, due) is ReminderKind.REVIEW_TODAY
    assert cadence.review_reminder_kind(pago, due) is ReminderKind.REVIEW_SOON


@pytest.mark.parametrize(
    ("days_before_due", "kind"),
    [
        (15, None),
        (14, ReminderKind.REVIEW_SOON),
        (1, ReminderKind.REVIEW_SOON),
        (0, ReminderKind.REVIEW_TODAY),
        (-6, ReminderKind.REVIEW_TODAY),
        (-7, ReminderKind.REVIEW_OVERDUE),
        (-40, ReminderKind.REVIEW_OVERDUE),
    ],
)
def test_review_reminder_windows(days_before_due, kind):
    due = dt.date(2025, 6, 30)
    today = due - dt.timedelta(days=days_before_due)
    assert cadence.review_reminder_kind(today, due) == kind


def test_notice_deadline_and_windows():
    deadline = cadence.notice_deadline(dt.date(2026, 3, 1), 30)
    assert deadline == dt.date(2026, 1, 30)
    assert cadence.notice_deadline(None, 30) is None
    k = cadence.notice_reminder_kind
    assert k(deadline - dt.timedelta(days=31), deadline) is None
    assert k(deadline - dt.timedelta(days=30), deadline) is ReminderKind.NOTICE_30
    assert k(deadline - dt.timedelta(days=8), deadline) is ReminderKind.NOTICE_30
    assert k(deadline - dt.timedelta(days=7), deadline) is ReminderKind.NOTICE_7
    assert k(deadline, deadline) is ReminderKind.NOTICE_7
    assert k(deadline + dt.timedelta(days=1), deadline) is None


def test_overdue_attention_after_thirty_days():
    due = dt.date(2025, 1, 31)
    assert not cadence.is_overdue_for_attention(dt.date(2025, 3, 2), due)  # 30 days
    assert cadence.is_overdue_for_attention(dt.date(2025, 3, 3), due)  # 31 days
