"""`python -m bench`: seed at scale, serve with gunicorn on loopback, measure, write RESULTS.md.

Every database the benchmark uses is its own: SQLite files under var/bench/ and, when
PostgreSQL answers on 127.0.0.1:5432 (or --database-url names one), a database whose name
contains "bench" that is dropped and created again at each step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bench import server

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/outsourcing_bench"
PAGE_TARGET = 3.0  # every page's p50 at most 3x the floor's
SWEEP_TARGET_SECONDS = 60.0  # 100,000 engagements on PostgreSQL
IDLE_TARGET_SECONDS = 5.0


@dataclass(frozen=True)
class Scale:
    tasks: int
    engagements: int
    reviews: int
    clients: int
    requests: int
    warmup: int
    page_seconds: float
    sweep_sizes: tuple[int, ...]
    sweep_limit: int  # seconds: a first sweep still running then is stopped and reported so


SCALES = {
    # CI: proves every step works end to end in seconds; the figures mean nothing.
    "tiny": Scale(12, 4, 12, 3, 5, 1, 10, (20,), 60),
    # The figures.
    "full": Scale(1000, 200, 2000, 200, 300, 20, 60, (10_000, 100_000), 240),
}


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- databases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    label: str  # "SQLite" / "PostgreSQL"
    url: str

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgres://", "postgresql://"))

    def named(self, suffix: str) -> Database:
        """The same server, a database of its own for one step (kept afterwards to inspect)."""
        parts = urlsplit(self.url)
        if self.is_postgres:
            return replace(self, url=parts._replace(path=f"{parts.path}_{suffix}").geturl())
        path = Path(parts.path)
        return replace(self, url=f"sqlite:///{path.with_name(f'{path.stem}-{suffix}.sqlite3')}")


def _recreate(db: Database, template: Database | None = None) -> None:
    """Empty the benchmark's own database (delete the SQLite file, or drop and create it on
    PostgreSQL), as a copy of `template` when given (a migrated, empty database)."""
    if not db.is_postgres:
        path = Path(urlsplit(db.url).path)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        if template is not None:
            shutil.copyfile(urlsplit(template.url).path, path)
        return
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(db.url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the benchmark's database name must say bench")
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if template is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                source = urlsplit(template.url).path.lstrip("/")
                cur.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(source)
                    )
                )
    finally:
        conn.close()


def _env(db: Database, secret: str) -> dict[str, str]:
    """Production-like settings (DEBUG off) on loopback, over plain HTTP."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "outsourcing.settings",
            "DATABASE_URL": db.url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secret,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_COOKIES_SECURE": "false",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            # Persistent connections on both databases, as a gunicorn deployment runs them
            # (PostgreSQL's default already; SQLite's default stays 0 for the threaded dev
            # server, where they would be opened per request thread anyway).
            "DATABASE_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": "memory://localhost/",
            "EMAIL_URL": "memorymail://localhost",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _phase(
    phase: str,
    db: Database,
    env: dict[str, str],
    work: Path,
    timeout: float,
    template: Database | None = None,
    **kw: int,
) -> dict[str, Any] | None:
    """Run one Django phase in its own process; return its JSON result (None on timeout)."""
    _recreate(db, template)
    out = work / f"{phase}-{db.label.lower()}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.phases", phase, "--out", str(out)]
    for key, value in kw.items():
        cmd += [f"--{key}", str(value)]
    try:
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=timeout)  # noqa: S603
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.read_text())


# --- measuring ----------------------------------------------------------------------------


def migrated(db: Database, work: Path) -> Database:
    """An empty, migrated database that each step copies (migrating takes longer than copying)."""
    template = db.named("template")
    print(f"[bench] {db.label}: migrating a template database", flush=True)
    _phase("migrate", template, _env(template, secrets.token_urlsafe(50)), work, timeout=600)
    return template


def run_pages(
    db: Database, template: Database, scale: Scale, opts: argparse.Namespace, work: Path
) -> dict[str, Any]:
    db = db.named("pages")
    env = _env(db, secrets.token_urlsafe(50))
    print(f"[bench] pages on {db.label}: seeding and counting queries", flush=True)
    info = _phase(
        "pages",
        db,
        env,
        work,
        timeout=900,
        template=template,
        tasks=scale.tasks,
        engagements=scale.engagements,
        reviews=scale.reviews,
        clients=scale.clients,
    )
    if info is None:
        raise SystemExit(f"seeding the pages on {db.label} took more than 900 s")
    print(f"[bench] pages on {db.label}: gunicorn --workers {opts.workers}", flush=True)
    with server.gunicorn(
        env, workers=opts.workers, cwd=ROOT, log=work / f"gunicorn-{db.label.lower()}.log"
    ) as port:
        targets = [
            (
                page["url"],
                f"{info['cookie_name']}={info['cookies'][page['who']]}" if page["who"] else None,
            )
            for page in info["pages"]
        ]
        samples = server.measure(
            port,
            targets,
            requests=scale.requests,
            warmup=scale.warmup,
            max_seconds=scale.page_seconds,
        )
        for page, sample in zip(info["pages"], samples, strict=True):
            bad = {s: n for s, n in sample.statuses.items() if s != 200}
            if bad:
                raise SystemExit(f"{page['name']} ({page['url']}) answered {bad} over HTTP")
            page.update(
                p50=sample.percentile(50),
                p95=sample.percentile(95),
                n=len(sample.latencies_ms),
            )
            print(
                f"[bench]   {page['name']:<16} p50 {page['p50']:7.1f} ms  "
                f"p95 {page['p95']:7.1f} ms  {page['queries']:3d} queries",
                flush=True,
            )
    floor = next(p for p in info["pages"] if p["name"] == "login")["p50"]
    for page in info["pages"]:
        page["ratio"] = page["p50"] / floor if floor else float("nan")
    return info


def run_sweeps(db: Database, template: Database, scale: Scale, work: Path) -> list[dict[str, Any]]:
    db = db.named("sweep")
    results = []
    for size in scale.sweep_sizes:
        print(f"[bench] sweep on {db.label}: {size:,} engagements", flush=True)
        res = _phase(
            "sweep",
            db,
            _env(db, secrets.token_urlsafe(50)),
            work,
            timeout=scale.sweep_limit + 1800,  # seeding 100,000 engagements takes minutes
            template=template,
            engagements=size,
            limit=scale.sweep_limit,
        )
        if res is None:
            raise SystemExit(f"the sweep step on {db.label} ({size:,}) did not end in time")
        first, idle = res["first"], res["idle"]
        print(
            f"[bench]   first {first['seconds']:.1f} s{' (stopped)' if first['stopped'] else ''}"
            f" / {first['queries']:,} queries; idle {idle['seconds']:.2f} s / "
            f"{idle['queries']:,} queries",
            flush=True,
        )
        results.append(res)
    return results


# --- report -------------------------------------------------------------------------------


def pages_table(info: dict[str, Any]) -> list[str]:
    lines = [
        "| page | p50 ms | p95 ms | queries | p50 ÷ floor | target ≤ 3x |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for p in info["pages"]:
        ok = "floor" if p["name"] == "login" else ("met" if p["ratio"] <= PAGE_TARGET else "MISSED")
        lines.append(
            f"| {p['name']} | {p['p50']:.1f} | {p['p95']:.1f} | {p['queries']} | "
            f"{p['ratio']:.2f}x | {ok} |"
        )
    return lines


def _per_batch(res: dict[str, Any], key: str) -> str:
    run = res[key]
    n = run.get("rounds_created") or res["engagements"]
    batch = res.get("batch_size")
    if batch:
        return f"{run['queries'] / max(1, math.ceil(n / batch)):,.1f} per batch of {batch:,}"
    return f"{run['queries'] / n * 1000:,.0f} per 1,000 engagements (no batches)"


def _first(res: dict[str, Any]) -> str:
    first = res["first"]
    if not first["stopped"]:
        return f"{first['seconds']:.1f} s"
    done, n = first["rounds_created"], res["engagements"]
    last = next(reversed(first["steps"]), "the first step") if first["steps"] else "the first step"
    if done >= n:
        return f"stopped at {first['seconds']:.0f} s in {last}, after all {n:,} rounds were created"
    projected = first["seconds"] * n / max(1, done)
    return (
        f"stopped at {first['seconds']:.0f} s with {done:,} rounds created "
        f"(≈ {projected:,.0f} s projected for the rounds alone)"
    )


def sweep_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| database | engagements | first sweep | queries | queries per batch | "
        "second sweep s (queries) | idle sweep s | idle queries | work done (first sweep) |",
        "|---|---:|---|---:|---|---|---:|---:|---|",
    ]
    for r in results:
        first, second, idle = r["first"], r["second"], r["idle"]
        work = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in first["report"].items())
        lines.append(
            f"| {r['database']['vendor']} | {r['engagements']:,} | {_first(r)} | "
            f"{first['queries']:,} | {_per_batch(r, 'first')} | "
            + (f"{second['seconds']:.2f} ({second['queries']:,})" if second else "—")
            + f" | {idle['seconds']:.2f} | {idle['queries']:,} | {work or '—'} |"
        )
    return lines


def sweep_steps(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| database | engagements | sweep | step | seconds | queries |",
        "|---|---:|---|---|---:|---:|",
    ]
    for r in results:
        for key in ("first", "second", "idle"):
            if not r[key]:
                continue
            for step, figures in r[key]["steps"].items():
                lines.append(
                    f"| {r['database']['vendor']} | {r['engagements']:,} | {key} | {step} | "
                    f"{figures['seconds']:.2f} | {figures['queries']:,} |"
                )
    return lines


def verdicts(pages: list[dict[str, Any]], sweeps: list[dict[str, Any]]) -> list[str]:
    out = []
    for info in pages:
        db = info["database"]["vendor"]
        for p in info["pages"]:
            if p["name"] != "login" and p["ratio"] > PAGE_TARGET:
                out.append(
                    f"- MISSED on {db}: {p['name']} p50 is {p['ratio']:.1f}x the floor "
                    f"(target ≤ {PAGE_TARGET:g}x)."
                )
    for r in sweeps:
        db = r["database"]["vendor"]
        n = r["engagements"]
        first = r["first"]
        if n >= 100_000 and db == "PostgreSQL":
            if first["stopped"] or first["seconds"] >= SWEEP_TARGET_SECONDS:
                out.append(
                    f"- MISSED on {db}: the {n:,}-engagement sweep: {_first(r)}; "
                    f"target < {SWEEP_TARGET_SECONDS:g} s."
                )
            else:
                out.append(f"- Met on {db}: the {n:,}-engagement sweep took {_first(r)}.")
        for key, label in (("idle", "idle sweep"), ("second", "second sweep")):
            run = r[key]
            if run and run["seconds"] >= IDLE_TARGET_SECONDS:
                out.append(
                    f"- MISSED on {db}: the {label} over {n:,} engagements took "
                    f"{run['seconds']:.1f} s (target < {IDLE_TARGET_SECONDS:g} s)."
                )
    by_db: dict[str, list[dict[str, Any]]] = {}
    for r in sweeps:
        by_db.setdefault(r["database"]["vendor"], []).append(r)
    for db, runs in by_db.items():
        if len(runs) < 2:
            continue
        small, large = runs[0], runs[-1]
        step = "reviews_schedule"
        per_round = []
        for r in (small, large):
            figures = r["first"]["steps"].get(step)
            rounds = r["first"].get("rounds_created") or r["first"]["report"].get(
                "reviews_created", 0
            )
            per_round.append(figures["queries"] / rounds if figures and rounds else float("nan"))
        out.append(
            f"- {db}, scheduling rounds ({step}): {per_round[0]:,.2f} → {per_round[1]:,.2f} "
            f"queries per round created from {small['engagements']:,} to "
            f"{large['engagements']:,} engagements: constant per engagement, no batches."
            if not small.get("batch_size")
            else f"- {db}, scheduling rounds: {per_round[0]:,.2f} → {per_round[1]:,.2f} "
            "queries per round created."
        )
        out.append(
            f"- {db}, idle sweep: {small['idle']['queries']:,} → {large['idle']['queries']:,} "
            f"queries in total from {small['engagements']:,} to {large['engagements']:,} "
            "engagements."
        )
    return out or ["- Every target met."]


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {os.cpu_count()} x {cpu}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, Django {version('Django')}, "
        f"gunicorn {version('gunicorn')}",
    ]


def render(
    opts: argparse.Namespace,
    scale: Scale,
    pages: list[dict[str, Any]],
    sweeps: list[dict[str, Any]],
    machine_lines: list[str] | None = None,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench {' '.join(opts.argv)}`; do not edit by hand (hand-written "
        "findings live in `bench/FINDINGS.md` and are copied in below).",
        "",
        "## Machine",
        "",
        *(machine_lines or machine()),
        "",
        "## Pages",
        "",
        f"gunicorn `--workers {opts.workers}` on 127.0.0.1 with `DJANGO_DEBUG=false`; one request "
        f"at a time, {scale.warmup} untimed then up to {scale.requests} timed per page, the pages "
        "taken in turn so that each is timed over the same stretch of time (a new "
        "connection each: gunicorn's sync workers do not keep connections alive). Queries are "
        "counted in-process with Django's test client, apart from the timing. The floor is the "
        "login page.",
        "",
    ]
    for info in pages:
        db = info["database"]
        counts = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
        lines += [
            f"### {db['vendor']} {db['version']}",
            "",
            f"Seeded in {info['seed_seconds']} s: {counts}.",
            "",
            *pages_table(info),
            "",
        ]
    if sweeps:
        lines += [
            "## Sweep",
            "",
            "`reviews.services.sweep_run` over engagements with no review yet (start dates "
            "spread over the past year, 100 per business): the first sweep schedules a round "
            "for each, raises the overdue attention flags and claims the reminders due today; "
            "the second finds nothing to do. The idle sweep runs first, over the same "
            "engagements each given an open round months ahead (after one warm-up sweep). A first "
            f"sweep still running after {scale.sweep_limit} s is stopped there (its open "
            "transaction rolls back) and projected from the rounds it created. Queries are counted "
            "with a database execute wrapper.",
            "",
            *sweep_table(sweeps),
            "",
            "Per step:",
            "",
            *sweep_steps(sweeps),
            "",
        ]
        dbs = sorted({f"{r['database']['vendor']} {r['database']['version']}" for r in sweeps})
        lines += [f"Databases: {', '.join(dbs)}.", ""]
    lines += ["## Targets", "", *verdicts(pages, sweeps), ""]
    findings = ROOT / "bench" / "FINDINGS.md"
    if findings.exists():
        lines += ["## Findings and changes", "", findings.read_text().strip(), ""]
    return "\n".join(lines)


def rerender(opts: argparse.Namespace) -> int:
    """RESULTS.md again from the figures a run saved, with that run's machine and date."""
    saved = opts.work_dir.resolve() / "results.json"
    if not saved.exists():
        raise SystemExit(f"no results to render again: {saved} does not exist (run the bench)")
    data = json.loads(saved.read_text())
    if "scale" not in data:
        raise SystemExit(f"{saved} was written by an older bench: run the bench again")
    scale = Scale(**{**data["scale"], "sweep_sizes": tuple(data["scale"]["sweep_sizes"])})
    run = argparse.Namespace(argv=data["argv"], workers=data["workers"])
    text = render(run, scale, data["pages"], data["sweeps"], data["machine"])
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(text)
    print(f"written to {opts.out} from {saved}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--requests", type=int, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--database-url",
        help=f"PostgreSQL for the PostgreSQL runs (its name must contain 'bench'; dropped and "
        f"created again). Default: {DEFAULT_PG_URL} when something answers on 127.0.0.1:5432",
    )
    parser.add_argument("--no-pages", action="store_true", help="the sweep only")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--sweep-sizes", help="comma-separated engagement counts for the sweep (0 = no sweep)"
    )
    parser.add_argument("--sweep-limit", type=int, help="seconds before a first sweep is stopped")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--rerender",
        action="store_true",
        help="measure nothing: write --out again from the last run's results in --work-dir "
        "(after editing bench/FINDINGS.md)",
    )
    opts = parser.parse_args(argv)
    opts.argv = sys.argv[1:] if argv is None else argv
    if opts.rerender:
        return rerender(opts)

    scale = SCALES[opts.scale]
    if opts.requests:
        scale = replace(scale, requests=opts.requests)
    if opts.sweep_sizes is not None:
        sizes = tuple(int(s) for s in opts.sweep_sizes.split(",") if int(s) > 0)
        scale = replace(scale, sweep_sizes=sizes)
    if opts.sweep_limit:
        scale = replace(scale, sweep_limit=opts.sweep_limit)
    work = opts.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)

    databases = [Database("SQLite", f"sqlite:///{work / 'bench.sqlite3'}")]
    pg_url = opts.database_url or DEFAULT_PG_URL
    if not opts.no_postgres:
        parts = urlsplit(pg_url)
        if opts.database_url or _port_open(parts.hostname or "127.0.0.1", parts.port or 5432):
            databases.append(Database("PostgreSQL", pg_url))
        else:
            print("[bench] PostgreSQL is not reachable: SQLite only", flush=True)

    templates = {db: migrated(db, work) for db in databases}
    pages = (
        []
        if opts.no_pages
        else [run_pages(db, templates[db], scale, opts, work) for db in databases]
    )
    sweeps = [r for db in databases for r in run_sweeps(db, templates[db], scale, work)]
    machine_lines = machine()
    (work / "results.json").write_text(
        json.dumps(
            {
                "argv": opts.argv,
                "scale": asdict(scale),
                "workers": opts.workers,
                "machine": machine_lines,
                "pages": pages,
                "sweeps": sweeps,
            },
            indent=2,
            default=str,
        )
    )
    text = render(opts, scale, pages, sweeps, machine_lines)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(text)
    print()
    for info in pages:
        print(f"{info['database']['vendor']} {info['database']['version']}")
        print("\n".join(pages_table(info)))
        print()
    if sweeps:
        print("\n".join(sweep_table(sweeps)))
        print()
    print("\n".join(verdicts(pages, sweeps)))
    print(f"\nwritten to {opts.out}")
    return 0
