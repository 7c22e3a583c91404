"""Validated scans per second through the check-in API, in batches and one by one.

    .venv/bin/python -m benchmarks.checkin [--tickets 30000] [--batches 100 500]
        [--batch-scans 10000] [--singles 1500] [--concurrency 1 16 64] [--workers 4]

Fresh PostgreSQL database, the app under gunicorn in the production profile (Redis for rate
limits). The seed sells an event tonight with ``--tickets`` paid tickets, signs every ticket's QR
payload with the event's Ed25519 key, and creates 64 scanner devices. Then, each phase on
tickets no earlier phase touched (so every scan is a first admission that the server verifies,
locks, decides and records):

* batches of B scans (``POST /api/v1/checkins/``) at 4 connections, for each B in ``--batches``;
* single scans at each of ``--concurrency`` connections.

Prints scans/s, request latency p50/p95/p99, HTTP errors and scan statuses, and each web
worker's peak RSS. Every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import harness

DEVICES = 64
BATCH_CONCURRENCY = 4

SEED = """
import json, os
from datetime import timedelta
from blackcanyon.checkin import services as checkin
from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.orders.models import Order, OrderLine, OrderStatus, Ticket
from blackcanyon.organizers.models import Organizer
from blackcanyon.tickets import payloads

TICKETS = int(os.environ["BENCH_TICKETS"])
with tenancy.system_context():
    org = Organizer.objects.create(name="Bench", slug="bench", contact_email="b@example.com",
                                   country="US", default_currency="USD", timezone="UTC")
with tenancy.scoped(organizer_id=org.pk):
    start = clock.now() + timedelta(hours=1)
    event = Event.objects.create(
        organizer=org, title="Bench night", slug="bench-night", timezone="UTC",
        starts_at=start, ends_at=start + timedelta(hours=4), status=EventStatus.PUBLISHED,
        taken=TICKETS,
    )
    tt = TicketType.objects.create(organizer=org, event=event, name="GA", price=2500,
                                   currency="USD", capacity=TICKETS, taken=TICKETS)
    tickets = []
    for number in range(0, TICKETS, 1000):
        size = min(1000, TICKETS - number)
        order = Order.objects.create(
            organizer=org, event=event, code=f"BENCH{number:06d}", status=OrderStatus.PAID,
            currency="USD", subtotal=2500 * size, total=2500 * size, buyer_name="Bench",
            paid_at=clock.now(),
        )
        OrderLine.objects.create(organizer=org, order=order, ticket_type=tt, quantity=size,
                                 unit_price=2500)
        tickets += Ticket.objects.bulk_create(
            Ticket(organizer=org, order=order, event=event, ticket_type=tt,
                   attendee_name=f"Guest {number + i}")
            for i in range(size)
        )
    signed = payloads.payloads_for(tickets, event)
    (checkin_list,) = checkin.checkin_lists_ensure_default(event=event)
    tokens = [
        checkin.scanner_device_create(actor=None, event=event, name=f"Door {i}")[1]
        for i in range(int(os.environ["BENCH_DEVICES"]))
    ]
with open(os.environ["BENCH_OUT"], "w") as out:
    json.dump({"list_id": checkin_list.pk, "tokens": tokens,
               "payloads": [signed[t.pk] for t in tickets]}, out)
"""


def _scan(list_id: int, payload: str, now: str) -> dict[str, object]:
    return {
        "client_scan_id": str(uuid.uuid4()),
        "list_id": list_id,
        "payload": payload,
        "direction": "entry",
        "scanned_at": now,
        "gate": "Bench gate",
        "offline": False,
    }


def scans_request(seeded: dict[str, object], *, first: int, size: int) -> Callable[[int], bytes]:
    """Request ``index`` scans tickets ``first + index * size`` ... (``size`` of them)."""
    payloads: list[str] = seeded["payloads"]  # type: ignore[assignment]
    tokens: list[str] = seeded["tokens"]  # type: ignore[assignment]
    list_id: int = seeded["list_id"]  # type: ignore[assignment]

    def make(index: int) -> bytes:
        now = datetime.now(tz=UTC).isoformat()
        start = first + index * size
        body = json.dumps(
            {"scans": [_scan(list_id, p, now) for p in payloads[start : start + size]]}
        ).encode()
        headers = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}
        return harness.http_request("POST", "/api/v1/checkins/", body=body, headers=headers)

    return make


def scan_statuses(report: harness.LoadReport) -> Counter[str]:
    counts: Counter[str] = Counter()
    for result in report.results:
        if result.status == 200:
            counts.update(r["status"] for r in json.loads(result.body)["results"])
    return counts


def print_phase(title: str, report: harness.LoadReport, scans_per_request: int) -> None:
    statuses = scan_statuses(report)
    scans = sum(statuses.values())
    rate = scans / report.wall if report.wall else 0
    print(title)
    print(f"  {scans} scans in {report.wall:.2f}s = {rate:.0f} scans/s")
    print(f"  requests: {report.summary()}")
    print(f"  HTTP errors {dict(report.error_codes())}; scan statuses {dict(statuses)}")
    if scans != len(report.results) * scans_per_request:
        print("  WARNING: not every request was answered with its scans")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=30000)
    parser.add_argument("--batches", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--batch-scans", type=int, default=10000, help="scans per batch phase")
    parser.add_argument("--singles", type=int, default=1500, help="scans per single phase")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    args = parser.parse_args()
    needed = args.batch_scans * len(args.batches) + args.singles * len(args.concurrency) + 200
    if needed > args.tickets:
        parser.error(f"the phases need {needed} tickets: raise --tickets")

    owner_url, web_url = harness.fresh_database("bct_bench_checkin")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seed.json"
        env = harness.base_env(owner_url) | {
            "BENCH_TICKETS": str(args.tickets),
            "BENCH_DEVICES": str(DEVICES),
            "BENCH_OUT": str(out),
        }
        harness.run_python(env, SEED)
        seeded = json.loads(out.read_text())
    env = harness.base_env(web_url)
    print(
        f"{args.tickets} paid tickets, {DEVICES} devices, "
        f"{args.workers} {args.worker_class} gunicorn workers, cpu count {os.cpu_count()}"
    )
    with harness.server(env, workers=args.workers, worker_class=args.worker_class) as proc:
        # Warm up every worker (imports, connections, key cache) on 200 tickets of their own.
        warm = scans_request(seeded, first=0, size=1)
        harness.load(port=harness.PORT, make_request=warm, total=200, concurrency=8)
        first = 200
        for size in args.batches:
            requests = args.batch_scans // size
            make = scans_request(seeded, first=first, size=size)
            report = harness.load(
                port=harness.PORT,
                make_request=make,
                total=requests,
                concurrency=BATCH_CONCURRENCY,
                max_seconds=120,
            )
            print_phase(f"batches of {size}, {BATCH_CONCURRENCY} connections", report, size)
            first += requests * size
        for concurrency in args.concurrency:
            make = scans_request(seeded, first=first, size=1)
            report = harness.load(
                port=harness.PORT,
                make_request=make,
                total=args.singles,
                concurrency=concurrency,
                max_seconds=120,
            )
            print_phase(f"single scans, {concurrency} connections", report, 1)
            first += args.singles
        rss = harness.worker_rss_mb(proc.pid)
    print(f"peak RSS per worker (MB): {', '.join(f'{v:.0f}' for v in rss.values())}")


if __name__ == "__main__":
    main()
