"""Requests/s and latency of the public event page (the page every buyer opens first).

    .venv/bin/python -m benchmarks.event_page [--requests 5000] [--concurrency 16] [--workers 4]

Starts the app under gunicorn (production profile) against a fresh PostgreSQL database with the
demo data, then fetches the demo's busiest event page. Prints requests/s, p50/p95/p99 and the
peak memory of each web worker.
"""

from __future__ import annotations

import argparse

from benchmarks import harness

PATH = "/e/black-canyon-live/canyon-sunset-concert/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--path", default=PATH, help="another page to measure, e.g. /health")
    args = parser.parse_args()

    owner_url, web_url = harness.fresh_database("bct_bench_page")
    harness.run_python(
        harness.base_env(owner_url), "from blackcanyon.demo.seed import seed_demo; seed_demo()"
    )
    env = harness.base_env(web_url)
    with harness.server(env, workers=args.workers, worker_class=args.worker_class) as proc:
        request = harness.http_request("GET", args.path)
        harness.load(port=harness.PORT, make_request=lambda i: request, total=200, concurrency=4)
        report = harness.load(
            port=harness.PORT,
            make_request=lambda i: request,
            total=args.requests,
            concurrency=args.concurrency,
        )
        rss = harness.worker_rss_mb(proc.pid)
    statuses = dict(report.statuses())
    print(
        f"{args.path}, concurrency {args.concurrency}, {args.workers} {args.worker_class} workers"
    )
    print(f"  {report.summary()}")
    print(f"  statuses {statuses}")
    print(f"  peak RSS per worker (MB): {', '.join(f'{v:.0f}' for v in rss.values())}")


if __name__ == "__main__":
    main()
