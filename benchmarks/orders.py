"""Box-office orders through the API under contention: throughput, latency and oversell.

    .venv/bin/python -m benchmarks.orders [--capacity 500] [--attempts 1500]
        [--concurrency 1 16 64] [--workers 4] [--worker-class sync|gthread] [--warmup 200]
    .venv/bin/python -m benchmarks.orders --url http://127.0.0.1:8000 --token bct_...
        --event-id N --ticket-type-id M [--database-url postgres://...]

For each concurrency C it creates a ticket type of capacity K (fresh database, app under gunicorn
in the production profile), fires N > K order attempts of one ticket each at concurrency C, and
prints orders/s, p50/p95/p99 latency, responses by error code, the oversell count read from the
database (tickets sold beyond capacity, and taken vs. paid tickets), and each web worker's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import psycopg

from benchmarks import harness

SEED = """
import json
from datetime import timedelta
from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.models import Organizer
from blackcanyon.api.services import api_token_create

with tenancy.system_context():
    org = Organizer.objects.create(name="Bench", slug="bench", contact_email="b@example.com",
                                   country="US", default_currency="USD", timezone="UTC")
with tenancy.scoped(organizer_id=org.pk):
    start = clock.now() + timedelta(days=10)
    event = Event.objects.create(
        organizer=org, title="Bench night", slug="bench-night", timezone="UTC",
        starts_at=start, ends_at=start + timedelta(hours=3), status=EventStatus.PUBLISHED,
    )
    tt = TicketType.objects.create(organizer=org, event=event, name="GA", price=2500,
                                   currency="USD", capacity=CAPACITY)
    _, token = api_token_create(actor=None, organizer=org, name="bench")
print(json.dumps({"event_id": event.pk, "ticket_type_id": tt.pk, "token": token}))
"""

OVERSELL_SQL = """
SELECT t.capacity, t.taken,
       (SELECT count(*) FROM orders_ticket k WHERE k.ticket_type_id = t.id AND k.status = 'valid')
FROM events_tickettype t WHERE t.id = %s
"""


def order_request(
    *, event_id: int, ticket_type_id: int, token: str, host: str = harness.HOST
) -> Callable[[int], bytes]:
    def make(index: int) -> bytes:
        body = json.dumps(
            {
                "items": [{"ticket_type_id": ticket_type_id, "quantity": 1}],
                "buyer": {"name": f"Buyer {index}", "email": f"buyer{index}@example.com"},
                "payment": {"method": "box_office"},
            }
        ).encode()
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        return harness.http_request(
            "POST", f"/api/v1/events/{event_id}/orders/", body=body, headers=headers, host=host
        )

    return make


def run_once(args: argparse.Namespace, concurrency: int) -> None:
    owner_url, web_url = harness.fresh_database("bct_bench_orders")
    seeded = json.loads(
        harness.run_python(
            harness.base_env(owner_url),
            SEED.replace("CAPACITY", str(args.capacity + args.warmup)),
        )
        .strip()
        .splitlines()[-1]
    )
    # One token stands for many box-office tills here: lift its per-minute limit.
    env = harness.base_env(web_url) | {"API_RATE_LIMIT": "1000000"}
    make = order_request(
        event_id=seeded["event_id"], ticket_type_id=seeded["ticket_type_id"], token=seeded["token"]
    )
    with harness.server(env, workers=args.workers, worker_class=args.worker_class) as proc:
        if args.warmup:
            # Cold workers (first connections, first queries, lazy imports) are not the steady
            # state: sell ``--warmup`` extra seats first, unmeasured.
            harness.load(
                port=harness.PORT, make_request=make, total=args.warmup, concurrency=concurrency
            )
        meter = harness.CpuMeter(proc.pid, urlsplit(owner_url).path.lstrip("/"))
        meter.start()
        report = harness.load(
            port=harness.PORT, make_request=make, total=args.attempts, concurrency=concurrency
        )
        meter.stop()
        rss = harness.worker_rss_mb(proc.pid)
    with psycopg.connect(owner_url) as conn:
        capacity, taken, sold = conn.execute(OVERSELL_SQL, [seeded["ticket_type_id"]]).fetchone()
    created = report.statuses().get(201, 0)
    print(
        f"concurrency {concurrency}: {args.attempts} attempts for {capacity - args.warmup} seats"
        f" (after {args.warmup} unmeasured warm-up sales)"
    )
    print(f"  {report.summary()}")
    paid_rate = created / report.wall if report.wall else 0
    errors = dict(report.error_codes())
    print(f"  orders created {created} ({paid_rate:.0f} orders/s); errors {errors}")
    print(
        f"  database: capacity {capacity}, taken {taken}, valid tickets {sold}, "
        f"oversell {max(0, sold - capacity)}"
    )
    print(f"  {meter.per_request_ms(len(report.results))}")
    print(f"  peak RSS per worker (MB): {', '.join(f'{v:.0f}' for v in rss.values())}")


def run_against_url(args: argparse.Namespace, concurrency: int) -> None:
    """Fire at a server you started yourself (``--url``); seats are read back with
    ``--database-url`` when given (oversell check), otherwise only the responses are reported."""
    parts = urlsplit(args.url)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("benchmarks only target this machine (127.0.0.1 / localhost)")
    make = order_request(
        event_id=args.event_id,
        ticket_type_id=args.ticket_type_id,
        token=args.token,
        host=parts.netloc,
    )
    report = harness.load(
        port=parts.port or 80, make_request=make, total=args.attempts, concurrency=concurrency
    )
    print(f"concurrency {concurrency}: {args.attempts} attempts against {args.url}")
    print(f"  {report.summary()}")
    print(f"  created {report.statuses().get(201, 0)}; errors {dict(report.error_codes())}")
    if args.database_url:
        with psycopg.connect(args.database_url) as conn:
            capacity, taken, sold = conn.execute(OVERSELL_SQL, [args.ticket_type_id]).fetchone()
        print(
            f"  database: capacity {capacity}, taken {taken}, valid tickets {sold}, "
            f"oversell {max(0, sold - capacity)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--capacity", type=int, default=500)
    parser.add_argument("--attempts", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured sales first")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--url", help="a running server on this machine (skips setup)")
    parser.add_argument("--token", help="with --url: an API token of the event's organizer")
    parser.add_argument("--event-id", type=int, help="with --url")
    parser.add_argument("--ticket-type-id", type=int, help="with --url")
    parser.add_argument("--database-url", help="with --url: read taken/sold back from here")
    args = parser.parse_args()
    if args.url and not (args.token and args.event_id and args.ticket_type_id):
        parser.error("--url needs --token, --event-id and --ticket-type-id")
    for concurrency in args.concurrency:
        if args.url:
            run_against_url(args, concurrency)
        else:
            run_once(args, concurrency)


if __name__ == "__main__":
    main()
