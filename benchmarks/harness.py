"""Shared pieces of the benchmarks: a throw-away PostgreSQL database, the app under gunicorn in
the production profile, a small asyncio HTTP/1.1 load generator and per-worker memory readings.

Benchmarks are scripts that print figures (not tests). Every load loop is bounded in count and
time and targets 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BCT = [sys.executable, "-m", "blackcanyon.cli"]
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
HOST = "bench.localhost"
WEB_ROLE = "bct_bench_web"
WORKER_ROLE = "bct_bench_worker"
PORT = 8765


def _admin(sql: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def fresh_database(name: str = "bct_bench") -> tuple[str, str]:
    """(owner URL, web URL) of a new database migrated by the owner; the web role is a login
    member of bct_app (RLS applies), like production."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    owner_url = f"{base}/{name}"
    env = base_env(owner_url) | {"BCT_PROCESS": "migrate"}
    subprocess.run([*BCT, "migrate", "-v", "0"], check=True, env=env, cwd=ROOT)  # noqa: S603
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [WEB_ROLE]).fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE {WEB_ROLE} LOGIN IN ROLE bct_app")
    host = base.split("@", 1)[1]
    return owner_url, f"postgres://{WEB_ROLE}@{host}/{name}"


def worker_database(name: str) -> str:
    """URL of ``name`` for a login member of bct_app and bct_system, as ``bct worker`` connects
    in production (``WORKER_DATABASE_URL``)."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [WORKER_ROLE]).fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE {WORKER_ROLE} LOGIN IN ROLE bct_app, bct_system")
    host = ADMIN_URL.rsplit("/", 1)[0].split("@", 1)[1]
    return f"postgres://{WORKER_ROLE}@{host}/{name}"


def base_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BCT_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "PUBLIC_APP_URL": f"https://{HOST}",
        "BEHIND_TLS_PROXY": "1",
        # Refusals (409 sold out) are logged at WARNING; keep the console for the figures.
        "LOG_LEVEL": "ERROR",
        # Shared cache (page cache, rate limits) in Redis, as in production.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "DJANGO_SETTINGS_MODULE": "blackcanyon.config.settings",
    }


def run_python(env: dict[str, str], code: str) -> str:
    """Run ``code`` with Django set up (as the owner/system) and return its stdout."""
    script = "import django; django.setup()\n" + code
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return out.stdout


@contextmanager
def server(
    env: dict[str, str], *, workers: int, worker_class: str = "sync", port: int = PORT
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn with ``workers`` workers on 127.0.0.1:port, the production profile."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is busy: is another benchmark running?")
    subprocess.run(  # noqa: S603
        [*BCT, "collectstatic", "--no-input", "-v", "0"], check=True, env=env, cwd=ROOT
    )
    cmd = [
        sys.executable, "-m", "gunicorn", "blackcanyon.config.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--backlog", "2048", "--log-level", "warning", "--worker-class", worker_class,
    ]  # fmt: skip
    if worker_class == "gthread":
        cmd += ["--threads", "4"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/health",
                    headers={"Host": HOST, "X-Forwarded-Proto": "https"},
                )
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not become healthy in 30 s")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def worker_rss_mb(master_pid: int) -> dict[int, float]:
    """Peak resident memory (VmHWM) of each gunicorn worker, in MB."""
    result = {}
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for pid in map(int, children):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                result[pid] = int(line.split()[1]) / 1024
    return result


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the process ended
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@dataclass
class CpuMeter:
    """CPU seconds used by the web workers and by the database's server processes between
    ``start()`` and ``stop()``: a per-request cost that does not depend on what else the machine
    is doing (unlike requests per second)."""

    master_pid: int
    database: str
    web: float = 0.0
    db: float = 0.0

    def _pids(self) -> tuple[list[int], list[int]]:
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
            ).fetchall()
        return [int(p) for p in children.split()], [int(r[0]) for r in rows]

    def _read(self) -> tuple[dict[int, float], dict[int, float]]:
        web, db = self._pids()
        return {p: _cpu_seconds(p) for p in web}, {p: _cpu_seconds(p) for p in db}

    def start(self) -> None:
        self._before = self._read()

    def stop(self) -> None:
        web, db = self._read()
        self.web = sum(v - self._before[0].get(p, 0.0) for p, v in web.items())
        self.db = sum(v - self._before[1].get(p, 0.0) for p, v in db.items())

    def per_request_ms(self, requests: int) -> str:
        n = max(requests, 1)
        return (
            f"CPU per request: web {1000 * self.web / n:.2f} ms, "
            f"PostgreSQL {1000 * self.db / n:.2f} ms"
        )


@dataclass
class Result:
    status: int
    seconds: float
    body: bytes


@dataclass
class LoadReport:
    results: list[Result] = field(default_factory=list)
    wall: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.results) / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        times = sorted(r.seconds for r in self.results)
        if not times:
            return 0.0
        index = min(len(times) - 1, max(0, round(p / 100 * len(times)) - 1))
        return times[index] * 1000

    def statuses(self) -> Counter[int]:
        return Counter(r.status for r in self.results)

    def error_codes(self) -> Counter[str]:
        codes: Counter[str] = Counter()
        for r in self.results:
            if r.status >= 400:
                try:
                    codes[json.loads(r.body)["error"]["code"]] += 1
                except (ValueError, KeyError, TypeError):
                    codes[f"http_{r.status}"] += 1
        return codes

    def summary(self) -> str:
        mean = statistics.fmean(r.seconds for r in self.results) * 1000 if self.results else 0
        return (
            f"{len(self.results)} requests in {self.wall:.2f}s = {self.rate:.0f}/s; latency ms "
            f"p50 {self.percentile(50):.1f} p95 {self.percentile(95):.1f} "
            f"p99 {self.percentile(99):.1f} mean {mean:.1f}"
        )


async def _one_connection(
    port: int,
    make_request: Callable[[int], bytes],
    counter: Iterator[int],
    report: LoadReport,
    deadline: float,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for index in counter:
            if time.monotonic() > deadline:
                return
            start = time.perf_counter()
            try:
                writer.write(make_request(index))
                await writer.drain()
                status_line = await reader.readline()
            except ConnectionError:
                status_line = b""
            if not status_line:  # server closed the keep-alive connection: reconnect
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(make_request(index))
                await writer.drain()
                status_line = await reader.readline()
            status = int(status_line.split()[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    close = True
            body = await reader.readexactly(length) if length else b""
            report.results.append(Result(status, time.perf_counter() - start, body))
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def load(
    *,
    port: int,
    make_request: Callable[[int], bytes],
    total: int,
    concurrency: int,
    max_seconds: float = 60,
) -> LoadReport:
    """Send ``total`` requests over ``concurrency`` keep-alive connections (bounded in time)."""
    report = LoadReport()
    counter = iter(range(total))

    async def main() -> None:
        deadline = time.monotonic() + max_seconds
        await asyncio.gather(
            *(
                _one_connection(port, make_request, counter, report, deadline)
                for _ in range(concurrency)
            )
        )

    start = time.perf_counter()
    asyncio.run(main())
    report.wall = time.perf_counter() - start
    return report


def http_request(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    host: str = HOST,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "X-Forwarded-Proto: https"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
