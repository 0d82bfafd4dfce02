"""The parts of the benchmark that run inside Django, each in its own process.

`python -m bench.phases pages|sweep --out FILE [options]` migrates the database named by
DATABASE_URL (which the caller has just emptied), seeds it, measures, and writes a JSON result
to FILE. One process per database keeps settings simple: Django reads DATABASE_URL once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django

SWEEP_STEPS = ("reviews_schedule", "overdue_flags_raise", "reminders_send", "reminders_requeue")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outsourcing.settings")
    django.setup()


def _fast_sqlite_writes(sender: Any, connection: Any, **kwargs: Any) -> None:
    """While migrating and seeding only: a benchmark database needs no crash safety."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA journal_mode=MEMORY")


@contextmanager
def _seeding() -> Iterator[None]:
    from django.db import connection
    from django.db.backends.signals import connection_created

    connection.close()
    connection_created.connect(_fast_sqlite_writes)
    try:
        yield
    finally:
        connection_created.disconnect(_fast_sqlite_writes)
        connection.close()  # the timings run on a fresh connection with the real settings


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _statistics_refresh() -> None:
    """ANALYZE after the bulk seed on PostgreSQL, as its autovacuum would within a minute on a
    live database: without statistics the planner picks sequential scans that no running
    deployment sees. (SQLite gathers none unless asked, in production too: left as it is.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _database_details() -> dict[str, str]:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return {"vendor": "PostgreSQL", "version": version}
    import sqlite3

    return {"vendor": "SQLite", "version": sqlite3.sqlite_version}


class QueryCounter:
    """Counts every SQL statement (cheaper than CaptureQueriesContext for a million)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ):
        self.count += 1
        return execute(sql, params, many, context)


def pages(opts: argparse.Namespace) -> dict[str, Any]:
    """Seed the pages data set, count each page's queries in-process, create sessions."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.seed import seed_pages

    started = time.perf_counter()
    with _seeding():
        _migrate()
        data = seed_pages(
            tasks=opts.tasks,
            engagements=opts.engagements,
            reviews=opts.reviews,
            clients=opts.clients,
        )
    seed_seconds = time.perf_counter() - started
    _statistics_refresh()
    b = data.business.pk
    urls: dict[str, tuple[str, str | None]] = {
        "login": (reverse("login"), None),
        "dashboard": (reverse("outsourcing:dashboard", kwargs={"business_id": b}), "owner"),
        "inventory": (reverse("outsourcing:task-list", kwargs={"business_id": b}), "owner"),
        "job comparison": (
            reverse("providers:job-compare", kwargs={"business_id": b, "pk": data.compare_job.pk}),
            "owner",
        ),
        "review form": (
            reverse("reviews:review-detail", kwargs={"business_id": b, "pk": data.due_review.pk}),
            "owner",
        ),
        "coach portfolio": (reverse("coach:portfolio"), "coach"),
    }
    clients: dict[str | None, Client] = {None: Client()}
    cookies: dict[str, str] = {}
    for role, user in (("owner", data.owner), ("coach", data.coach)):
        c = Client()
        c.force_login(user)
        clients[role] = c
        cookies[role] = c.cookies[settings.SESSION_COOKIE_NAME].value
    result_pages = []
    for name, (url, who) in urls.items():
        client = clients[who]
        client.get(url)  # warm: first-request caches (content types, templates)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        body = response.content.decode()
        if response.status_code != 200:
            raise SystemExit(f"{name} ({url}) answered {response.status_code} in-process")
        if name == "review form" and "<form" not in body:
            raise SystemExit(f"{url} did not render the review form")
        result_pages.append(
            {
                "name": name,
                "url": url,
                "who": who,
                "queries": len(ctx.captured_queries),
                "bytes": len(response.content),
            }
        )
    return {
        "database": _database_details(),
        "seed_seconds": round(seed_seconds, 1),
        "counts": data.counts,
        "pages": result_pages,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "cookies": cookies,
    }


class SweepStopped(BaseException):
    """Raised by the alarm when a sweep reaches the benchmark's time limit. A BaseException
    (like KeyboardInterrupt): the sweep's per-engagement `except Exception` must not eat it."""


def _stop(signum: int, frame: Any) -> None:
    raise SweepStopped


def _timed_sweep(now: Any, limit: int = 0) -> dict[str, Any]:
    """One sweep_run with its total time and queries, and the same for each of its steps.

    With `limit` (seconds) the sweep is interrupted there (its open transaction rolls back)
    and the result says how far it got.
    """
    from django.db import connection

    from reviews import services

    counter = QueryCounter()
    steps: dict[str, dict[str, float]] = {}
    originals = {name: getattr(services, name) for name in SWEEP_STEPS if hasattr(services, name)}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            q0, t0 = counter.count, time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                steps[name] = {
                    "seconds": round(time.perf_counter() - t0, 3),
                    "queries": counter.count - q0,
                }

        return timed

    for name, fn in originals.items():
        setattr(services, name, wrap(name, fn))
    previous = signal.signal(signal.SIGALRM, _stop)
    stopped = False
    report: dict[str, int] = {}
    try:
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            signal.alarm(limit)
            try:
                result = services.sweep_run(now=now)
                report = {k: v for k, v in vars(result).items() if isinstance(v, int)}
            except SweepStopped:
                stopped = True
            finally:
                signal.alarm(0)
            seconds = time.perf_counter() - started
    finally:
        signal.signal(signal.SIGALRM, previous)
        for name, fn in originals.items():
            setattr(services, name, fn)
    return {
        "seconds": round(seconds, 3),
        "queries": counter.count,
        "stopped": stopped,
        "report": report,
        "steps": steps,
    }


def _reviews_tables_empty() -> None:
    """Remove every row the sweeps wrote (children first), keeping the engagements."""
    from django.db import connection

    from reviews.models import Notification, ReminderDelivery, ReplacementFlag, Review

    with connection.cursor() as cursor:
        for model in (Notification, ReminderDelivery, ReplacementFlag, Review):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def _steady_state_rounds() -> int:
    """An open round, due in 2 to 10 months, for every active engagement: nothing to do."""
    import datetime as dt

    from django.utils import timezone

    from providers.models import Engagement
    from reviews.models import Review

    today = timezone.localdate()
    rows = [
        Review(
            engagement_id=pk,
            due_date=today + dt.timedelta(days=60 + pk % 240),
            offset_months=3,
        )
        for pk in Engagement.objects.active().values_list("pk", flat=True)
    ]
    Review.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def sweep(opts: argparse.Namespace) -> dict[str, Any]:
    """Time the sweep three ways over the same engagements:

    - idle: every engagement already has its next round, nothing is due (after one warm-up
      sweep, which claims the notice-deadline reminders that fall on the day);
    - first: no engagement has a review yet, so every one needs its first round; flags and
      reminders follow from the due dates (stopped at `--limit` seconds);
    - second: right after the first, with nothing left to do.
    """
    from django.utils import timezone

    from bench.seed import seed_sweep
    from reviews import services
    from reviews.models import Review

    started = time.perf_counter()
    with _seeding():
        _migrate()
        seeded = seed_sweep(engagements=opts.engagements)
    seed_seconds = time.perf_counter() - started
    now = timezone.now()

    _steady_state_rounds()
    _timed_sweep(now)
    idle = _timed_sweep(now)
    _reviews_tables_empty()

    first = _timed_sweep(now, limit=opts.limit)
    second = None
    if first["stopped"]:
        first["rounds_created"] = Review.objects.count()
    else:
        second = _timed_sweep(now)
    batch = next(
        (
            getattr(services, name)
            for name in ("SWEEP_BATCH_SIZE", "SWEEP_BATCH", "BATCH_SIZE")
            if isinstance(getattr(services, name, None), int)
        ),
        None,
    )
    return {
        "database": _database_details(),
        "engagements": seeded["engagements"],
        "businesses": seeded["businesses"],
        "seed_seconds": round(seed_seconds, 1),
        "batch_size": batch,
        "limit": opts.limit,
        "idle": idle,
        "first": first,
        "second": second,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.phases")
    parser.add_argument("phase", choices=["migrate", "pages", "sweep"])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--tasks", type=int, default=0)
    parser.add_argument("--engagements", type=int, default=0)
    parser.add_argument("--reviews", type=int, default=0)
    parser.add_argument("--clients", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="stop the first sweep after (s)")
    opts = parser.parse_args(argv)
    _setup()
    if opts.phase == "migrate":
        with _seeding():
            _migrate()
        result: dict[str, Any] = {"database": _database_details()}
    else:
        result = pages(opts) if opts.phase == "pages" else sweep(opts)
    opts.out.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
