"""The benchmark runs end to end at a tiny scale (its figures mean nothing here).

Not a timed test: it proves that seeding, gunicorn on loopback, the HTTP measurements, the
in-process query counts, the sweep timings and the RESULTS file all work.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["login", "dashboard", "inventory", "job comparison", "review form", "coach portfolio"]


def test_bench_tiny_run_prints_and_writes_every_page(tmp_path):
    out = tmp_path / "RESULTS.md"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(  # noqa: S603 — our own command line
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "tiny",
            "--no-postgres",
            "--work-dir",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    printed = proc.stdout
    written = out.read_text()
    for page in PAGES:
        row = f"| {page} | "
        assert row in printed, f"{page} missing from the printed table"
        assert row in written, f"{page} missing from RESULTS.md"
    # Every measured row has figures: p50 <= p95, a query count, a ratio to the floor.
    rows = {}
    for line in written.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in PAGES and len(cells) == 6:
            rows[cells[0]] = cells
    assert set(rows) == set(PAGES)
    for page, cells in rows.items():
        assert 0 < float(cells[1]) <= float(cells[2]), page
        assert cells[3].isdigit(), page
        assert cells[4].endswith("x"), page
    assert rows["login"][4:] == ["1.00x", "floor"]
    # The logged-in pages were served to a signed-in user (session, membership, data queries).
    assert all(int(rows[p][3]) >= 4 for p in PAGES if p != "login")
    assert "## Machine" in written and "Django 5.2" in written
    assert "## Sweep" in written and "| SQLite | 20 |" in written

    # Written again from the saved figures, nothing measured: the same file, same date.
    out.write_text("")
    again = subprocess.run(  # noqa: S603 — our own command line
        [
            *(sys.executable, "-m", "bench", "--rerender"),
            *("--work-dir", str(tmp_path / "work"), "--out", str(out)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert out.read_text() == written


def test_bench_rerender_without_a_run_says_so(tmp_path):
    proc = subprocess.run(  # noqa: S603 — our own command line
        [sys.executable, "-m", "bench", "--rerender", "--work-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "no results to render again" in proc.stderr
