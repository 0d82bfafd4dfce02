"""gunicorn on loopback and a small HTTP load loop (standard library only)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"  # loopback only: the benchmark never talks to another machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_until_listening(port: int, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode} before listening")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on {HOST}:{port} within {seconds:.0f} s")


@contextmanager
def gunicorn(env: Mapping[str, str], *, workers: int, cwd: Path, log: Path) -> Iterator[int]:
    """Serve the app on a free loopback port; stop it (and only it) on the way out."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    exe = bin_dir / "gunicorn"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "gunicorn"]
    cmd += [
        "outsourcing.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 — our own gunicorn with fixed arguments
            cmd, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_listening(port, proc, 30)
            yield port
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(1, round(p / 100 * len(ordered)))
        return ordered[min(rank, len(ordered)) - 1]


def _get(port: int, path: str, headers: Mapping[str, str]) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers=dict(headers))
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status, (time.perf_counter() - started) * 1000


def measure(
    port: int,
    pages: Sequence[tuple[str, str | None]],
    *,
    requests: int,
    warmup: int,
    max_seconds: float,
) -> list[Sample]:
    """For each (path, cookie): `warmup` untimed GETs, then up to `requests` timed ones, one
    request at a time, the pages taken in turn (one request each per round, the round's first
    page rotating), until `max_seconds` a page have passed. Interleaved, every page is timed
    over the same stretch of time: on a shared machine whose speed drifts over seconds, pages
    measured one after the other would each get a different machine (the floor included).

    gunicorn's sync workers close the connection after each response, so every request opens
    its own connection (the floor page pays the same cost).
    """
    headers = []
    for path, cookie in pages:
        h = {"Host": HOST, "User-Agent": "outsourcing-bench"}
        if cookie:
            h["Cookie"] = cookie
        headers.append(h)
        for _ in range(warmup):
            _get(port, path, h)
    samples = [Sample() for _ in pages]
    started = time.perf_counter()
    for round_number in range(requests):
        for offset in range(len(pages)):
            i = (round_number + offset) % len(pages)
            status, ms = _get(port, pages[i][0], headers[i])
            sample = samples[i]
            sample.statuses[status] = sample.statuses.get(status, 0) + 1
            sample.latencies_ms.append(ms)
        if time.perf_counter() - started > max_seconds * len(pages):
            break
    elapsed = time.perf_counter() - started
    for sample in samples:
        sample.seconds = elapsed / len(pages)
    return samples
