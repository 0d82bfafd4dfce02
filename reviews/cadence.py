"""Review cadence and reminder dates: pure date maths, no database, no clock.

Rules (DESIGN.md, "Reviews, standing and cadence"):
- close reviews (quarterly by default) until `close_count` of them in a row are at *meets* or
  better, then relaxed (annual by default); the first year is simply the first such run;
- a review at *watch* or *replace* brings the next one back to the close interval and starts
  the count again;
- every due date is an offset in months from the engagement's start date, so due dates follow
  the previous due date (never the completion date) and month ends do not drift:
  31 Jan → 30 Apr → 31 Jul → 31 Oct, and 29 Feb + 12 months → 28 Feb, + 48 months → 29 Feb;
- a one-off engagement has one review, at its end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

POOR_STANDINGS = frozenset({"watch", "replace"})
OVERDUE_ATTENTION_DAYS = 30


@dataclass(frozen=True)
class CadenceSettings:
    close_interval_months: int = 3
    relaxed_interval_months: int = 12
    close_count: int = 4


class Mode(StrEnum):
    CLOSE = "close"
    RELAXED = "relaxed"


@dataclass(frozen=True)
class CadenceState:
    mode: Mode
    streak: int  # close reviews in a row at meets or better

    @property
    def label(self) -> str:
        return "quarterly" if self.mode is Mode.CLOSE else "annual"


def cadence_state(standings: Sequence[str], cfg: CadenceSettings) -> CadenceState:
    """The cadence after the given completed rounds' standings, oldest first."""
    mode, streak = Mode.CLOSE, 0
    for standing in standings:
        if standing in POOR_STANDINGS:
            mode, streak = Mode.CLOSE, 0
        elif mode is Mode.CLOSE:
            streak += 1
            if streak >= cfg.close_count:
                mode = Mode.RELAXED
    return CadenceState(mode=mode, streak=streak)


def next_interval_months(standings: Sequence[str], cfg: CadenceSettings) -> int:
    state = cadence_state(standings, cfg)
    return cfg.close_interval_months if state.mode is Mode.CLOSE else cfg.relaxed_interval_months


def due_on(start: dt.date, offset_months: int) -> dt.date:
    """The due date `offset_months` after the start, clamped to the month's end."""
    return start + relativedelta(months=offset_months)


def first_offset(cfg: CadenceSettings) -> int:
    return cfg.close_interval_months


def next_offset(previous_offset: int, standings: Sequence[str], cfg: CadenceSettings) -> int:
    """The offset of the review after the one at `previous_offset`, given all completed rounds."""
    return previous_offset + next_interval_months(standings, cfg)


def one_off_due(start: dt.date, end: dt.date | None, cfg: CadenceSettings) -> dt.date:
    """A one-off engagement's single review: at its end (or one close interval in if open)."""
    return end if end is not None else due_on(start, cfg.close_interval_months)


def local_today(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    """Today's date in the business's time zone (`now` must be aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


class ReminderKind(StrEnum):
    REVIEW_SOON = "review_soon"
    REVIEW_TODAY = "review_today"
    REVIEW_OVERDUE = "review_overdue"
    NOTICE_30 = "notice_30"
    NOTICE_7 = "notice_7"


def review_reminder_kind(today: dt.date, due: dt.date) -> ReminderKind | None:
    """Which review reminder applies today, if any.

    Each kind has a window, so a sweep that runs late (broker down, machine asleep) still
    sends the one reminder that fits now, and never a stale earlier one.
    """
    days = (due - today).days
    if 0 < days <= 14:
        return ReminderKind.REVIEW_SOON
    if -7 < days <= 0:
        return ReminderKind.REVIEW_TODAY
    if days <= -7:
        return ReminderKind.REVIEW_OVERDUE
    return None


def notice_deadline(renewal: dt.date | None, notice_period_days: int) -> dt.date | None:
    """The last day to give notice before a contract renews."""
    if renewal is None:
        return None
    return renewal - dt.timedelta(days=notice_period_days)


def notice_reminder_kind(today: dt.date, deadline: dt.date) -> ReminderKind | None:
    days = (deadline - today).days
    if 7 < days <= 30:
        return ReminderKind.NOTICE_30
    if 0 <= days <= 7:
        return ReminderKind.NOTICE_7
    return None


def is_overdue_for_attention(today: dt.date, due: dt.date) -> bool:
    return (today - due).days > OVERDUE_ATTENTION_DAYS
